// `sluice verify` as a user runs it: a file:// destination with a few objects and a chain of
// three signed digests (the last one final), then one tampering at a time; each must be caught
// and named, with exit 1. Strict by default: an object no digest lists is a problem, unless a
// chain is still open and the object is newer than its newest digest; --no-strict reports it
// for information.

import assert from 'node:assert/strict';
import { randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DIGEST_FORMAT, digestKey, encodeDigest, publicKeyFingerprint, sha256Hex, type DigestBody, type DigestEntry, type SignedDigest } from '../../src/audit/digest.ts';
import { loadOrCreateSigningKey, loadPublicKey, publicKeyPath } from '../../src/audit/signing-key.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { verifyDestination } from '../../src/cli/verify.ts';
import { assertNoStackTrace, runSluice } from './run-sluice.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

const JOB = 7;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The objects of the fixture, by digest: sequence 0 lists a and b, 1 lists c, 2 lists d. */
const LISTS = [['20261127/a.log.gz', '20261127/b.log.gz'], ['20261128/c.log.gz'], ['20261128/d.log.gz']];

interface Fixture {
  root: string;
  conf: string;
  chain: string;
  /** The path of a key under the root. */
  path(key: string): string;
  digestPath(sequence: number): string;
  /** Writes a digest the way the digest writer does (signed, chained to `previous`). */
  writeDigest(sequence: number, keys: string[], options?: { signer?: KeyObject; previous?: { key: string; sha256: string } | null; chain?: string; body?: Partial<DigestBody> }): Uint8Array;
  /** The key and SHA-256 of a digest file as it is now. */
  link(sequence: number, chain?: string): { key: string; sha256: string };
}

describe('sluice verify', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-verify-'));
  const keyFile = join(dir, 'keys', 'signing.pem');
  const otherKeyFile = join(dir, 'keys', 'other.pem');
  let privateKey: KeyObject;
  let otherKey: KeyObject;
  let counter = 0;
  before(async () => {
    privateKey = (await loadOrCreateSigningKey(keyFile)).privateKey;
    otherKey = (await loadOrCreateSigningKey(otherKeyFile)).privateKey;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function fixture(): Fixture {
    const root = join(dir, `dest-${++counter}`);
    const chain = randomUUID();
    const path = (key: string) => join(root, ...key.split('/'));
    const entries = new Map<string, DigestEntry>();
    for (const key of LISTS.flat()) {
      const bytes = randomBytes(100 + entries.size);
      mkdirSync(dirname(path(key)), { recursive: true });
      writeFileSync(path(key), bytes);
      entries.set(key, { key, sha256: sha256Hex(bytes), bytes: bytes.length });
    }
    let last: { key: string; sha256: string } | null = null;
    const writeDigest: Fixture['writeDigest'] = (sequence, keys, options = {}) => {
      const signer = options.signer ?? privateKey;
      const inChain = options.chain ?? chain;
      const body: DigestBody = {
        format: DIGEST_FORMAT,
        job_id: JOB,
        dataset: 'audit_logs',
        chain: inChain,
        sequence,
        start: new Date(Date.UTC(2026, 10, 27, 10, sequence)).toISOString(),
        end: new Date(Date.UTC(2026, 10, 27, 10, sequence + 1)).toISOString(),
        interval_seconds: 3600,
        previous: options.previous !== undefined ? options.previous : last,
        objects: keys.map((key) => entries.get(key)!),
        closes: [],
        previous_key_sha256: null,
        final: inChain === chain && sequence === LISTS.length - 1,
        public_key_sha256: publicKeyFingerprint(signer),
        ...options.body,
      };
      const bytes = encodeDigest(body, signer);
      const key = digestKey(JOB, inChain, sequence);
      mkdirSync(dirname(path(key)), { recursive: true });
      writeFileSync(path(key), bytes);
      last = { key, sha256: sha256Hex(bytes) };
      return bytes;
    };
    LISTS.forEach((keys, sequence) => writeDigest(sequence, keys));
    const link: Fixture['link'] = (sequence, inChain = chain) => {
      const key = digestKey(JOB, inChain, sequence);
      return { key, sha256: sha256Hex(readFileSync(path(key))) };
    };
    return { root, conf: `${pathToFileURL(root).href}/{DATE}`, chain, path, digestPath: (sequence) => path(digestKey(JOB, chain, sequence)), writeDigest, link };
  }

  const verify = (f: Fixture, publicKey = publicKeyPath(keyFile), ...more: string[]) => runSluice(['verify', '--destination', f.conf, '--job', String(JOB), '--public-key', publicKey, ...more]);

  function assertFailed(result: { code: number | null; stdout: string; stderr: string }, problems: string): void {
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^problems: ${escape(problems)}$`, 'm'), result.stdout);
    assert.match(result.stdout, /^verify: FAILED/m);
    assertNoStackTrace(result.stdout + result.stderr);
  }

  it('passes an intact destination: exit 0, every object verified', async () => {
    const result = await verify(fixture());
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^job 7 at .*dest-\d+\/: 1 chain, 3 digests, 4 objects verified$/m);
    assert.match(result.stdout, /^problems: none$/m);
    assert.doesNotMatch(result.stdout, /not covered/);
    assert.match(result.stdout, /^verify: OK$/m);
    assert.equal(result.stderr, '');
  });

  it('takes the destination from SLUICE_VERIFY_DESTINATION, so credentials stay out of ps', async () => {
    const f = fixture();
    const result = await runSluice(['verify', '--job', String(JOB), '--public-key', publicKeyPath(keyFile)], { env: { SLUICE_VERIFY_DESTINATION: f.conf } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /4 objects verified/);
    const none = await runSluice(['verify', '--job', String(JOB), '--public-key', publicKeyPath(keyFile)], { env: { SLUICE_VERIFY_DESTINATION: '' } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs --destination \(or SLUICE_VERIFY_DESTINATION\)/);
  });

  it('names an object whose bytes changed as altered', async () => {
    const f = fixture();
    const bytes = readFileSync(f.path('20261127/b.log.gz'));
    bytes[10]! ^= 1;
    writeFileSync(f.path('20261127/b.log.gz'), bytes);
    const result = await verify(f);
    assertFailed(result, '1 (1 altered)');
    assert.match(result.stdout, /^altered: 20261127\/b\.log\.gz: SHA-256 [0-9a-f]{64} \(101 bytes\), but _digests\/7\/.*\/000000\.json says [0-9a-f]{64} \(101 bytes\)$/m);
    assert.match(result.stdout, /3 objects verified/);
  });

  it('names a deleted object as missing, with the digest that lists it', async () => {
    const f = fixture();
    unlinkSync(f.path('20261128/c.log.gz'));
    const result = await verify(f);
    assertFailed(result, '1 (1 missing)');
    assert.match(result.stdout, new RegExp(`^missing: 20261128/c\\.log\\.gz: listed in ${escape(digestKey(JOB, f.chain, 1))}$`, 'm'));
  });

  it('names a digest deleted from the middle of a chain as a gap; its objects become not covered', async () => {
    const f = fixture();
    unlinkSync(f.digestPath(1));
    const result = await verify(f);
    assertFailed(result, '2 (1 gap, 1 not covered)');
    assert.match(result.stdout, new RegExp(`^gap: ${escape(digestKey(JOB, f.chain, 1))}: sequence 1 is missing from chain ${f.chain}`, 'm'));
    assert.match(result.stdout, /^not covered: 20261128\/c\.log\.gz: written \S+; no digest lists it and no chain was still taking objects then/m);
  });

  it('names a deleted first digest as a gap', async () => {
    const f = fixture();
    unlinkSync(f.digestPath(0));
    const result = await verify(f);
    assertFailed(result, '3 (1 gap, 2 not covered)');
    assert.match(result.stdout, new RegExp(`^gap: ${escape(digestKey(JOB, f.chain, 0))}: `, 'm'));
  });

  it('names a digest whose objects list was edited as a bad signature, and the next digest as a broken chain', async () => {
    const f = fixture();
    // The attacker changes c and makes the digest agree.
    const c = randomBytes(50);
    writeFileSync(f.path('20261128/c.log.gz'), c);
    const digest = JSON.parse(readFileSync(f.digestPath(1), 'utf8')) as SignedDigest;
    digest.objects[0] = { key: '20261128/c.log.gz', sha256: sha256Hex(c), bytes: c.length };
    writeFileSync(f.digestPath(1), `${JSON.stringify(digest)}\n`);
    const result = await verify(f);
    assertFailed(result, '3 (1 bad signature, 1 broken chain, 1 not covered)');
    assert.match(result.stdout, new RegExp(`^bad signature: ${escape(digestKey(JOB, f.chain, 1))}: `, 'm'));
    assert.match(result.stdout, new RegExp(`^broken chain: ${escape(digestKey(JOB, f.chain, 2))}: `, 'm'));
    // An untrusted digest vouches for nothing.
    assert.match(result.stdout, /^not covered: 20261128\/c\.log\.gz: /m);
  });

  it('names a digest signed by another key as wrong key', async () => {
    const f = fixture();
    f.writeDigest(2, LISTS[2]!, { signer: otherKey, previous: { key: digestKey(JOB, f.chain, 1), sha256: sha256Hex(readFileSync(f.digestPath(1))) } });
    const result = await verify(f);
    assertFailed(result, '2 (1 wrong key, 1 not covered)');
    assert.match(result.stdout, new RegExp(`^wrong key: ${escape(digestKey(JOB, f.chain, 2))}: signed by the key with SHA-256 ${publicKeyFingerprint(otherKey)}, not by a given public key`, 'm'));
  });

  it('names a digest signed by another key that claims the right key as a bad signature', async () => {
    const f = fixture();
    const digest = JSON.parse(readFileSync(f.digestPath(2), 'utf8')) as SignedDigest;
    const { signature: _, ...body } = digest;
    body.public_key_sha256 = publicKeyFingerprint(privateKey);
    const forged = { ...body, signature: sign(null, Buffer.from(JSON.stringify(body)), otherKey).toString('base64') };
    writeFileSync(f.digestPath(2), `${JSON.stringify(forged)}\n`);
    const result = await verify(f);
    assertFailed(result, '2 (1 bad signature, 1 not covered)');
    assert.match(result.stdout, new RegExp(`^bad signature: ${escape(digestKey(JOB, f.chain, 2))}: `, 'm'));
  });

  it('names a validly signed digest whose previous points at a wrong hash as a broken chain', async () => {
    const f = fixture();
    f.writeDigest(2, LISTS[2]!, { previous: { key: digestKey(JOB, f.chain, 1), sha256: sha256Hex(Buffer.from('some other digest')) } });
    const result = await verify(f);
    assertFailed(result, '1 (1 broken chain)');
    assert.match(result.stdout, new RegExp(`^broken chain: ${escape(digestKey(JOB, f.chain, 2))}: previous ${escape(digestKey(JOB, f.chain, 1))} has SHA-256 [0-9a-f]{64}, but this digest says`, 'm'));
  });

  it('names a digest that is not a digest as bad digest', async () => {
    const f = fixture();
    writeFileSync(f.digestPath(1), '{"format":"sluice-digest/2"');
    const result = await verify(f);
    // Its successor's previous hash no longer matches either.
    assertFailed(result, '3 (1 bad digest, 1 broken chain, 1 not covered)');
    assert.match(result.stdout, new RegExp(`^bad digest: ${escape(digestKey(JOB, f.chain, 1))}: digest: is not valid JSON`, 'm'));
  });

  it('fails on an inserted object (strict, the default); --no-strict reports it without failing', async () => {
    const f = fixture();
    writeFileSync(f.path('20261128/e.log.gz'), 'inserted after the chain closed');
    writeFileSync(f.path('ownership-challenge.txt'), 'the ownership challenge is not an object of the job');
    const strict = await verify(f);
    assertFailed(strict, '1 (1 not covered)');
    assert.match(strict.stdout, /^not covered: 20261128\/e\.log\.gz: written \S+; no digest lists it/m);
    const lenient = await verify(f, publicKeyPath(keyFile), '--no-strict');
    assert.equal(lenient.code, 0, lenient.stdout + lenient.stderr);
    assert.match(lenient.stdout, /verified \(not strict\)$/m);
    assert.match(lenient.stdout, /^not covered by any digest \(informational\): 1 object$/m);
    assert.match(lenient.stdout, /^not covered: 20261128\/e\.log\.gz: written \S+; no digest lists it$/m);
    assert.match(lenient.stdout, /^verify: OK$/m);
  });

  it('finds an object hidden under _digests/ outside any digest folder', async () => {
    const f = fixture();
    mkdirSync(dirname(f.path('_digests/20261127/x.log.gz')), { recursive: true });
    writeFileSync(f.path('_digests/20261127/x.log.gz'), 'hidden next to the digests');
    const result = await verify(f);
    assertFailed(result, '1 (1 not covered)');
    assert.match(result.stdout, /^not covered: _digests\/20261127\/x\.log\.gz: /m);
  });

  it('lets an object newer than an open chain\'s newest digest pass as on its way, but not one older', async () => {
    const f = fixture();
    const recent = new Date(Date.now() - 5 * 60_000);
    // The chain's newest digest is recent and not final: its writer may still be running.
    f.writeDigest(2, LISTS[2]!, { previous: f.link(1), body: { final: false, start: new Date(recent.getTime() - 60_000).toISOString(), end: recent.toISOString() } });
    writeFileSync(f.path('20261128/e.log.gz'), 'delivered, its digest not yet written');
    const open = await verify(f);
    assert.equal(open.code, 0, open.stdout + open.stderr);
    assert.match(open.stdout, /^chains: 1 open \(may still be written\)$/m);
    assert.match(open.stdout, new RegExp(`^not covered: 20261128/e\\.log\\.gz: written \\S+, after chain ${f.chain}'s newest digest: not yet listed`, 'm'));
    // The same object dated before the chain's newest digest (minus the slack) was inserted.
    const old = new Date(recent.getTime() - 10 * 60_000);
    utimesSync(f.path('20261128/e.log.gz'), old, old);
    assertFailed(await verify(f), '1 (1 not covered)');
  });

  it('names a chain that stopped without a final digest, long ago, with nobody recording where, as truncated', async () => {
    const f = fixture();
    unlinkSync(f.digestPath(2)); // the newest digests deleted: the chain now ends at sequence 1
    const result = await verify(f);
    assertFailed(result, '2 (1 truncated chain, 1 not covered)');
    assert.match(result.stdout, new RegExp(`^truncated chain: ${escape(digestKey(JOB, f.chain, 1))}: chain ${f.chain} ends here without a final digest, \\d+ s ago \\(its interval is 3600 s\\), and no other chain recorded where it ended`, 'm'));
  });

  it('accepts a crashed chain whose end a later chain recorded, and catches the recorded digest deleted or replaced', async () => {
    const f = fixture();
    f.writeDigest(2, LISTS[2]!, { previous: f.link(1), body: { final: false } }); // crashed after sequence 2
    const next = randomUUID();
    f.writeDigest(0, [], { chain: next, previous: null, body: { closes: [f.link(2)], final: true, start: '2026-11-28T00:00:00.000Z', end: '2026-11-28T00:01:00.000Z' } });
    const intact = await verify(f);
    assert.equal(intact.code, 0, intact.stdout + intact.stderr);
    assert.match(intact.stdout, /^chains: 1 closed cleanly, 1 stopped and recorded by another chain$/m);
    assert.match(intact.stdout, new RegExp(`^chain ${f.chain}: stopped without a final digest at ${escape(digestKey(JOB, f.chain, 2))}; ${escape(digestKey(JOB, next, 0))} recorded that end$`, 'm'));

    const replaced = f.writeDigest(2, LISTS[2]!, { previous: f.link(1), body: { final: true, end: '2026-11-27T10:03:30.000Z' } }); // re-signed by someone with the key: the recorded bytes differ
    assert.ok(replaced.length > 0);
    const afterReplace = await verify(f);
    assertFailed(afterReplace, '1 (1 broken chain)');
    assert.match(afterReplace.stdout, new RegExp(`^broken chain: ${escape(digestKey(JOB, f.chain, 2))}: ${escape(digestKey(JOB, next, 0))} recorded this digest as where its chain ended with SHA-256 [0-9a-f]{64}, but it has`, 'm'));

    unlinkSync(f.digestPath(2));
    const afterDelete = await verify(f);
    assertFailed(afterDelete, '3 (1 broken chain, 1 truncated chain, 1 not covered)');
    assert.match(afterDelete.stdout, /recorded this digest as where its chain ended, but it is gone/);
  });

  it('names a digest written after a final one as a broken chain', async () => {
    const f = fixture();
    f.writeDigest(3, []);
    const result = await verify(f);
    assertFailed(result, '2 (1 broken chain, 1 truncated chain)');
    assert.match(result.stdout, new RegExp(`^broken chain: ${escape(digestKey(JOB, f.chain, 3))}: follows ${escape(digestKey(JOB, f.chain, 2))}, the chain's final digest`, 'm'));
  });

  it('accepts every key of a rotation (--public-key repeated) and says where the key changed', async () => {
    const f = fixture();
    const next = randomUUID();
    const e = Buffer.from('delivered under the new key');
    writeFileSync(f.path('20261128/e.log.gz'), e);
    const bytes = f.writeDigest(0, [], {
      chain: next, previous: null, signer: otherKey,
      body: { objects: [{ key: '20261128/e.log.gz', sha256: sha256Hex(e), bytes: e.length }], previous_key_sha256: publicKeyFingerprint(privateKey), final: true, start: '2026-11-28T00:00:00.000Z', end: '2026-11-28T00:01:00.000Z' },
    });
    assert.ok(bytes.length > 0);
    const both = await verify(f, publicKeyPath(keyFile), '--public-key', publicKeyPath(otherKeyFile));
    assert.equal(both.code, 0, both.stdout + both.stderr);
    assert.match(both.stdout, /: 2 chains, 4 digests, 5 objects verified$/m);
    assert.match(both.stdout, new RegExp(`^chain ${next}: its key replaced the key with SHA-256 ${publicKeyFingerprint(privateKey)}$`, 'm'));
    const oldOnly = await verify(f);
    assertFailed(oldOnly, '2 (1 wrong key, 1 not covered)');
  });

  it('checks chains independently: a second, intact chain adds to the counts', async () => {
    const f = fixture();
    // A second process run of the job: its own chain from sequence 0, listing one more object.
    const other = randomUUID();
    const e = Buffer.from('delivered by the second run');
    writeFileSync(f.path('20261128/e.log.gz'), e);
    const body: DigestBody = {
      format: DIGEST_FORMAT, job_id: JOB, dataset: 'audit_logs', chain: other, sequence: 0,
      start: '2026-11-28T00:00:00.000Z', end: '2026-11-28T00:01:00.000Z', interval_seconds: 3600, previous: null,
      objects: [{ key: '20261128/e.log.gz', sha256: sha256Hex(e), bytes: e.length }], closes: [], previous_key_sha256: null, final: true,
      public_key_sha256: publicKeyFingerprint(privateKey),
    };
    const key = digestKey(JOB, other, 0);
    mkdirSync(dirname(f.path(key)), { recursive: true });
    writeFileSync(f.path(key), encodeDigest(body, privateKey));
    const result = await verify(f);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /: 2 chains, 4 digests, 5 objects verified$/m);
  });

  it('fails when the given public key is not the signing key, and says so', async () => {
    const result = await verify(fixture(), publicKeyPath(otherKeyFile));
    assertFailed(result, '7 (3 wrong key, 4 not covered)');
    assert.match(result.stdout, /is --public-key the job's key \(give every key of a rotation\)\?/);
  });

  it('accepts the private key file as --public-key (its public half is used)', async () => {
    const result = await verify(fixture(), keyFile);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('fails when there is no digest at all for the job', async () => {
    const f = fixture();
    const result = await runSluice(['verify', '--destination', f.conf, '--job', '8', '--public-key', publicKeyPath(keyFile)]);
    assertFailed(result, '1 (1 no digests)');
    assert.match(result.stdout, /^no digests: _digests\/8\/: /m);
  });

  it('returns the same findings as a structured report', async () => {
    const f = fixture();
    unlinkSync(f.digestPath(1));
    unlinkSync(f.path('20261127/a.log.gz'));
    writeFileSync(f.path('20261127/x.log.gz'), 'x');
    const access = objectAccessFor(f.conf, { network: LOOPBACK_ALLOWED })!;
    const publicKey = await loadPublicKey(publicKeyPath(keyFile));
    const report = await verifyDestination(access, JOB, publicKey, { strict: false });
    const strict = await verifyDestination(access, JOB, [publicKey]);
    access.close();
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.key]),
      [['gap', digestKey(JOB, f.chain, 1)], ['missing', '20261127/a.log.gz']],
    );
    assert.deepEqual(report.notCovered.map((o) => o.key), ['20261127/x.log.gz', '20261128/c.log.gz']);
    assert.deepEqual(
      strict.problems.map((p) => [p.kind, p.key]),
      [['gap', digestKey(JOB, f.chain, 1)], ['missing', '20261127/a.log.gz'], ['not covered', '20261127/x.log.gz'], ['not covered', '20261128/c.log.gz']],
    );
    assert.deepEqual(strict.notCovered, []);
    assert.deepEqual(report.endings.map((e) => [e.chain, e.state]), [[f.chain, 'closed']]);
    assert.equal(report.chains, 1);
    assert.equal(report.digests, 2);
    assert.equal(report.objectsVerified, 2);
    assert.equal(report.root, `${f.root}/`);
  });

  it('rejects bad usage with exit 2 and one line, secrets redacted', async () => {
    const f = fixture();
    const pub = publicKeyPath(keyFile);
    const cases: Array<{ args: string[]; says: RegExp }> = [
      { args: ['--job', '7', '--public-key', pub], says: /needs --destination/ },
      { args: ['--destination', f.conf, '--public-key', pub], says: /needs --job/ },
      { args: ['--destination', f.conf, '--job', '7'], says: /needs --public-key/ },
      { args: ['--destination', f.conf, '--job', 'seven', '--public-key', pub], says: /--job must be a job id/ },
      { args: ['--destination', f.conf, '--job', '7', '--public-key', join(dir, 'absent.pub.pem')], says: /absent\.pub\.pem does not exist/ },
      { args: ['--destination', f.conf, '--job', '7', '--public-key', f.path('20261127/a.log.gz')], says: /a\.log\.gz is not a PEM public or private key/ },
      {
        args: ['--destination', 'https://logs.example.com/in?header_Authorization=Bearer%20hunter2secret', '--job', '7', '--public-key', pub],
        says: /destination https:\/\/logs\.example\.com\/in\?header_Authorization=REDACTED has no objects to read back/,
      },
      { args: ['--destination', 'ftp://example.com/x', '--job', '7', '--public-key', pub], says: /unsupported scheme "ftp:"/ },
      { args: ['--destination', f.conf, '--job', '7', '--public-key', pub, '--no-such-flag'], says: /--no-such-flag/ },
    ];
    for (const { args, says } of cases) {
      const result = await runSluice(['verify', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /^sluice: /);
      assert.match(result.stderr, says);
      assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
      assert.equal(result.stdout, '');
      assertNoStackTrace(result.stderr);
    }
  });

  it('prints its usage with --help', async () => {
    const result = await runSluice(['verify', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^usage: sluice verify --destination CONF --job ID --public-key FILE \[--public-key FILE…\] \[--no-strict\]$/m);
  });
});
