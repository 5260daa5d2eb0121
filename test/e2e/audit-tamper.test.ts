// The seeded tamper test of issue 14 ("How it is checked"): real audit output from sluice (one
// audit_logs job per destination kind: gzip, zstd, uncompressed, and a nested path with fixed
// folders before and after {DATE}), then every tampering an attacker with write access to the
// destination could try, one at a time on a fresh copy, with the target (which object, which
// digest) chosen by a seeded PRNG. `sluice verify` (strict, the default) must fail on every
// tampered copy with a problem that names the tampering, and pass every untouched copy.
//
// A case verify misses is a verify bug: the test fails and names it; it is not to be taken out.
// SLUICE_TAMPER_SEED replays another seed (the choices also depend on how many objects and
// digests the run wrote, which varies a little with timing).

import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { constants as zlibConstants, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { DIGESTS_DIR, digestKey, encodeDigest, parseDigest, publicKeyFingerprint, sha256Hex, type SignedDigest } from '../../src/audit/digest.ts';
import { loadPublicKey } from '../../src/audit/signing-key.ts';
import { verifyDestination, type VerifyProblemKind, type VerifyReport } from '../../src/cli/verify.ts';
import { parseConfig } from '../../src/config/load.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { below, createPrng, type Prng } from '../../src/generator/prng.ts';
import { runService } from '../../src/service.ts';
import { createLogger } from '../../src/shared/log.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { listFiles } from './output-reader.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

const SEED = Number(process.env.SLUICE_TAMPER_SEED ?? 14);
const ACCOUNT = '01a7362d577a6c3019a474fd6f485823';
/** Records per day, on two days: each job writes objects in two date folders. */
const RECORDS_PER_DAY = 40;
const MAX_UPLOAD_RECORDS = 8;
/** The chains' heartbeat (audit_digests.interval_seconds): short, so "long after the chain's end" is seconds. */
const INTERVAL_SECONDS = 1;

type Compression = 'gzip' | 'zstd' | 'none';

/** One destination kind: a job of its own, writing under its own root. */
interface DestinationKind {
  name: string;
  jobId: number;
  compression: Compression;
  /** The destination_conf's path after the root (the root is everything before the {DATE} folder). */
  suffix: string;
}

const DESTINATIONS: readonly DestinationKind[] = [
  { name: 'gzip', jobId: 21, compression: 'gzip', suffix: '/{DATE}' },
  { name: 'zstd', jobId: 22, compression: 'zstd', suffix: '/{DATE}' },
  { name: 'none', jobId: 23, compression: 'none', suffix: '/{DATE}' },
  { name: 'nested', jobId: 24, compression: 'gzip', suffix: '/{DATE}/b/c' },
];

/** A destination's files as keys under a root directory (a pristine tree or a tampered copy). */
class Tree {
  readonly root: string;
  readonly kind: DestinationKind;

  constructor(root: string, kind: DestinationKind) {
    this.root = root;
    this.kind = kind;
  }

  get conf(): string {
    return `${pathToFileURL(this.root).href}${this.kind.suffix}`;
  }

  path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  keys(): string[] {
    return listFiles(this.root).map((file) => relative(this.root, file).split('\\').join('/'));
  }

  /** Delivered objects (not digests), sorted. */
  objects(): string[] {
    return this.keys().filter((key) => !key.startsWith(`${DIGESTS_DIR}/`));
  }

  /** The job's digests, in chain order, parsed. The job ran once: one chain. */
  digests(): Array<{ key: string; digest: SignedDigest }> {
    const keys = this.keys().filter((key) => key.startsWith(`${DIGESTS_DIR}/${this.kind.jobId}/`));
    return keys.map((key) => ({ key, digest: parseDigest(this.read(key), key) })).sort((a, b) => a.digest.sequence - b.digest.sequence);
  }

  read(key: string): Buffer {
    return readFileSync(this.path(key));
  }

  write(key: string, bytes: Uint8Array | string): void {
    mkdirSync(dirname(this.path(key)), { recursive: true });
    writeFileSync(this.path(key), bytes);
  }

  remove(key: string): void {
    unlinkSync(this.path(key));
  }

  /** A rename keeps the file's mtime, as `mv` does. */
  rename(from: string, to: string): void {
    mkdirSync(dirname(this.path(to)), { recursive: true });
    renameSync(this.path(from), this.path(to));
  }
}

/** What a tampering needs: the tree to change, a seeded PRNG, and what else the attacker has. */
interface TamperContext {
  tree: Tree;
  rng: Prng;
  attackerKey: KeyObject;
  /** Another job's pristine tree (for a digest replayed from another job's chain). */
  otherJob: Tree;
}

interface TamperCase {
  name: string;
  /** Problem kinds that name this tampering: verify must report at least one of them. */
  names: readonly VerifyProblemKind[];
  /** Applies the tampering; returns what it did (for the failure message). */
  apply(context: TamperContext): string;
}

const pick = <T>(rng: Prng, items: readonly T[]): T => {
  assert.ok(items.length > 0, 'nothing to pick from');
  return items[below(rng, items.length)]!;
};

/** Two different items. */
const pickTwo = <T>(rng: Prng, items: readonly T[]): [T, T] => {
  assert.ok(items.length >= 2, 'need two items to pick from');
  const i = below(rng, items.length);
  const j = (i + 1 + below(rng, items.length - 1)) % items.length;
  return [items[i]!, items[j]!];
};

const hex = (rng: Prng, digits: number): string => Array.from({ length: digits }, () => below(rng, 16).toString(16)).join('');

/** An object name like sluice's (`<start>_<end>_<batch id>.log<ext>`) with another batch id. */
function withOtherBatchId(key: string, rng: Prng): string {
  const renamed = key.replace(/_[0-9a-f]{16}(\.log[^/]*)$/, `_${hex(rng, 16)}$1`);
  assert.notEqual(renamed, key, `${key} is not named like a sluice object`);
  return renamed;
}

function decompress(compression: Compression, bytes: Uint8Array): Buffer {
  if (compression === 'gzip') return gunzipSync(bytes);
  if (compression === 'zstd') return zstdDecompressSync(bytes);
  return Buffer.from(bytes);
}

function compress(compression: Compression, plain: Uint8Array, level?: number): Buffer {
  if (compression === 'gzip') return gzipSync(plain, level === undefined ? {} : { level });
  if (compression === 'zstd') return zstdCompressSync(plain, level === undefined ? {} : { params: { [zlibConstants.ZSTD_c_compressionLevel]: level } });
  return Buffer.from(plain);
}

/** A record that was never delivered, in the format of the object's own records. */
function forgedRecords(tree: Tree, key: string): Buffer {
  const first = decompress(tree.kind.compression, tree.read(key)).toString('utf8').split('\n')[0]!;
  assert.match(first, /evt-/);
  return Buffer.from(`${first.replaceAll('evt-', 'forged-evt-')}\n`);
}

/** An object an attacker makes: a valid sluice name in a real date folder, valid compressed records. */
function forgeObject(context: TamperContext): string {
  const { tree, rng } = context;
  const model = pick(rng, tree.objects());
  const key = withOtherBatchId(model, rng);
  tree.write(key, compress(tree.kind.compression, forgedRecords(tree, model)));
  return key;
}

/** The same records in other bytes: another compression level, or CRLF line ends when uncompressed. */
function recompressed(compression: Compression, bytes: Buffer): Buffer {
  const plain = decompress(compression, bytes);
  if (compression === 'none') return Buffer.from(plain.toString('utf8').replaceAll('\n', '\r\n'));
  const levels = compression === 'gzip' ? [1, 9, 4] : [19, 1, 9];
  for (const level of levels) {
    const other = compress(compression, plain, level);
    if (!other.equals(bytes)) {
      assert.ok(decompress(compression, other).equals(plain));
      return other;
    }
  }
  assert.fail(`no other ${compression} level gives other bytes`);
}

/** A digest's body re-serialised the way sluice writes it (the parsed object keeps the file's field order). */
const digestFile = (digest: SignedDigest): string => `${JSON.stringify(digest)}\n`;

/**
 * The attacker's usual edit: change one of a digest's objects and make the digest's entry agree.
 * Returns the digest (edited, its signature now stale) and what was done.
 */
function editDigestEntry(context: TamperContext): { key: string; digest: SignedDigest; what: string } {
  const { tree, rng } = context;
  const listing = tree.digests().filter(({ digest }) => digest.objects.length > 0);
  const { key, digest } = pick(rng, listing);
  const index = below(rng, digest.objects.length);
  const entry = digest.objects[index]!;
  const bytes = Buffer.concat([tree.read(entry.key), compress(tree.kind.compression, forgedRecords(tree, entry.key))]);
  tree.write(entry.key, bytes);
  digest.objects[index] = { key: entry.key, sha256: sha256Hex(bytes), bytes: bytes.length };
  return { key, digest, what: `${key}: objects[${index}] (${entry.key}) changed to match the object with a forged record appended` };
}

const OBJECT_CASES: readonly TamperCase[] = [
  {
    name: 'object altered (a byte flipped)',
    names: ['altered'],
    apply({ tree, rng }) {
      const key = pick(rng, tree.objects());
      const bytes = tree.read(key);
      const at = below(rng, bytes.length);
      bytes[at]! ^= 1 << below(rng, 8);
      tree.write(key, bytes);
      return `${key}: byte ${at} of ${bytes.length}`;
    },
  },
  {
    name: 'object truncated',
    names: ['altered'],
    apply({ tree, rng }) {
      const key = pick(rng, tree.objects());
      const bytes = tree.read(key);
      const length = below(rng, bytes.length);
      tree.write(key, bytes.subarray(0, length));
      return `${key}: ${bytes.length} → ${length} bytes`;
    },
  },
  {
    name: 'object appended (a valid compressed record)',
    names: ['altered'],
    apply({ tree, rng }) {
      const key = pick(rng, tree.objects());
      // A second gzip member or zstd frame is still a valid object that decompresses to more records.
      tree.write(key, Buffer.concat([tree.read(key), compress(tree.kind.compression, forgedRecords(tree, key))]));
      return key;
    },
  },
  {
    name: 'object deleted',
    names: ['missing'],
    apply({ tree, rng }) {
      const key = pick(rng, tree.objects());
      tree.remove(key);
      return key;
    },
  },
  {
    name: 'objects swapped',
    names: ['altered'],
    apply({ tree, rng }) {
      const [a, b] = pickTwo(rng, tree.objects());
      const bytesA = tree.read(a);
      tree.write(a, tree.read(b));
      tree.write(b, bytesA);
      return `${a} ↔ ${b}`;
    },
  },
  {
    name: 'object moved to another date folder',
    names: ['missing', 'not covered'],
    apply({ tree, rng }) {
      const objects = tree.objects();
      const key = pick(rng, objects);
      const [date, ...rest] = key.split('/');
      const otherDates = [...new Set(objects.map((k) => k.split('/')[0]!))].filter((d) => d !== date);
      const to = [pick(rng, otherDates), ...rest].join('/');
      tree.rename(key, to);
      return `${key} → ${to}`;
    },
  },
  {
    name: 'object renamed',
    names: ['missing', 'not covered'],
    apply({ tree, rng }) {
      const key = pick(rng, tree.objects());
      const to = withOtherBatchId(key, rng);
      tree.rename(key, to);
      return `${key} → ${to}`;
    },
  },
  {
    name: 'object recompressed (same records, other bytes)',
    names: ['altered'],
    apply({ tree, rng }) {
      const key = pick(rng, tree.objects());
      tree.write(key, recompressed(tree.kind.compression, tree.read(key)));
      return key;
    },
  },
  {
    name: 'object inserted (mtime inside the covered time range)',
    names: ['not covered'],
    apply(context) {
      const digests = context.tree.digests();
      const from = Date.parse(digests[0]!.digest.start);
      const to = Date.parse(digests.at(-1)!.digest.end);
      const at = new Date(from + below(context.rng, Math.max(1, to - from)));
      const key = forgeObject(context);
      utimesSync(context.tree.path(key), at, at);
      return `${key}, mtime ${at.toISOString()}`;
    },
  },
  {
    name: 'object inserted (mtime now)',
    names: ['not covered'],
    apply: forgeObject,
  },
  {
    name: 'object hidden under _digests/ (outside any digest folder)',
    names: ['not covered'],
    apply(context) {
      const model = pick(context.rng, context.tree.objects());
      const key = `_digests/${withOtherBatchId(model, context.rng)}`;
      context.tree.write(key, compress(context.tree.kind.compression, forgedRecords(context.tree, model)));
      return key;
    },
  },
];

const DIGEST_CASES: readonly TamperCase[] = [
  {
    name: 'digest edited (an entry changed, JSON valid)',
    names: ['bad signature'],
    apply(context) {
      const { key, digest, what } = editDigestEntry(context);
      context.tree.write(key, digestFile(digest));
      return what;
    },
  },
  {
    name: 'digests swapped',
    names: ['misplaced', 'broken chain'],
    apply({ tree, rng }) {
      const [a, b] = pickTwo(rng, tree.digests());
      const bytesA = tree.read(a.key);
      tree.write(a.key, tree.read(b.key));
      tree.write(b.key, bytesA);
      return `${a.key} ↔ ${b.key}`;
    },
  },
  {
    name: 'digest renamed to another sequence',
    names: ['gap', 'misplaced'],
    apply({ tree, rng }) {
      const digests = tree.digests();
      const { key, digest } = pick(rng, digests);
      const to = digestKey(tree.kind.jobId, digest.chain, digests.length + below(rng, 3));
      tree.rename(key, to);
      return `${key} → ${to}`;
    },
  },
  {
    name: 'digest renamed to another chain',
    names: ['gap', 'misplaced'],
    apply({ tree, rng }) {
      const { key, digest } = pick(rng, tree.digests());
      const chain = `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-8${hex(rng, 3)}-${hex(rng, 12)}`;
      const to = digestKey(tree.kind.jobId, chain, digest.sequence);
      tree.rename(key, to);
      return `${key} → ${to}`;
    },
  },
  {
    name: 'digest deleted (in the middle)',
    names: ['gap'],
    apply({ tree, rng }) {
      const digests = tree.digests();
      const { key } = pick(rng, digests.slice(1, -1));
      tree.remove(key);
      return key;
    },
  },
  {
    name: 'newest (final) digest deleted',
    names: ['truncated chain'],
    apply({ tree }) {
      const newest = tree.digests().at(-1)!;
      assert.equal(newest.digest.final, true, 'a cleanly stopped chain ends with a final digest');
      tree.remove(newest.key);
      return newest.key;
    },
  },
  {
    name: 'digest re-signed with the attacker\'s key',
    names: ['wrong key'],
    apply(context) {
      const { key, digest, what } = editDigestEntry(context);
      const { signature: _, ...body } = digest;
      context.tree.write(key, encodeDigest({ ...body, public_key_sha256: publicKeyFingerprint(context.attackerKey) }, context.attackerKey));
      return `${what}; re-signed`;
    },
  },
  {
    name: 'digest forged (attacker\'s signature, the real key\'s fingerprint)',
    names: ['bad signature'],
    apply(context) {
      const { key, digest, what } = editDigestEntry(context);
      const { signature: _, ...body } = digest;
      const signature = sign(null, Buffer.from(JSON.stringify(body)), context.attackerKey).toString('base64');
      context.tree.write(key, digestFile({ ...body, signature }));
      return `${what}; signed with the attacker's key`;
    },
  },
  {
    name: 'older digest replayed over a newer one',
    names: ['misplaced', 'broken chain'],
    apply({ tree, rng }) {
      const digests = tree.digests();
      const newer = 1 + below(rng, digests.length - 1);
      const older = below(rng, newer);
      tree.write(digests[newer]!.key, tree.read(digests[older]!.key));
      return `${digests[older]!.key} copied over ${digests[newer]!.key}`;
    },
  },
  {
    name: 'another job\'s digest replayed',
    names: ['misplaced'],
    apply({ tree, rng, otherJob }) {
      const target = pick(rng, tree.digests());
      const source = pick(rng, otherJob.digests());
      tree.write(target.key, otherJob.read(source.key));
      return `${otherJob.kind.name}'s ${source.key} copied over ${target.key}`;
    },
  },
];

const CASES: readonly TamperCase[] = [...OBJECT_CASES, ...DIGEST_CASES];

describe('audit digests against seeded tampering (issue 14)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tamper-'));
  const pristine = new Map<string, Tree>();
  let publicKey: KeyObject;
  const { privateKey: attackerKey } = generateKeyPairSync('ed25519');
  let copies = 0;
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const lines = Array.from({ length: 2 * RECORDS_PER_DAY }, (_, i) => JSON.stringify({
      ID: `evt-${i}`,
      When: `2026-11-${i < RECORDS_PER_DAY ? 27 : 28}T10:${String(Math.floor((i % RECORDS_PER_DAY) / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
      ActionType: i % 3 === 0 ? 'delete' : 'update',
      ActorEmail: `user${i}@example.com`,
    }));
    const input = join(dir, 'audit.ndjson');
    writeFileSync(input, `${lines.join('\n')}\n`);
    for (const kind of DESTINATIONS) pristine.set(kind.name, new Tree(join(dir, 'pristine', kind.name, ...(kind.name === 'nested' ? ['x', 'a'] : [])), kind));
    const config = parseConfig(
      {
        data_dir: join(dir, 'state'),
        limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
        pipeline: { workers: 1 },
        sources: [{ type: 'generator' }],
        audit_digests: { interval_seconds: INTERVAL_SECONDS },
        jobs: DESTINATIONS.map((kind) => ({
          id: kind.jobId,
          account_id: ACCOUNT,
          dataset: 'audit_logs',
          destination_conf: pristine.get(kind.name)!.conf,
          max_upload_records: MAX_UPLOAD_RECORDS,
          compression: kind.compression,
          output_options: { field_names: ['ID', 'When', 'ActionType', 'ActorEmail'] },
        })),
      },
      'audit tamper test',
    );
    const outcome = await runService({
      config,
      sources: [new NdjsonSource({ path: input, dataset: 'audit_logs', tenant: ACCOUNT })],
      log: createLogger('silent'),
      print: () => {},
      handleSignals: false,
    });
    assert.equal(outcome.undelivered, 0);
    publicKey = await loadPublicKey(join(dir, 'state', 'digest-signing-key.pub.pem'));
    for (const tree of pristine.values()) {
      const objects = tree.objects();
      const digests = tree.digests();
      assert.ok(objects.length >= 4, `${tree.kind.name}: ${objects.length} objects, want at least 4`);
      assert.ok(digests.length >= 3, `${tree.kind.name}: ${digests.length} digests, want at least 3 (one in the middle to delete)`);
      assert.equal(new Set(digests.map(({ digest }) => digest.chain)).size, 1, `${tree.kind.name}: one run, one chain`);
      assert.equal(digests.at(-1)!.digest.final, true, `${tree.kind.name}: the clean stop wrote a final digest`);
      if (tree.kind.name === 'nested') assert.ok(objects.every((key) => /^\d{8}\/b\/c\/[^/]+$/.test(key)), objects.join(', '));
    }
  });

  /** A fresh copy of a destination's pristine tree (mtimes kept). */
  function copyOf(kind: DestinationKind): Tree {
    const root = join(dir, 'copies', String(++copies), 'a');
    cpSync(pristine.get(kind.name)!.root, root, { recursive: true, preserveTimestamps: true });
    return new Tree(root, kind);
  }

  /** verify (strict), judged a few seconds, several intervals, after the chain's final digest. */
  async function verify(tree: Tree, chainEnd: number): Promise<VerifyReport> {
    const access = objectAccessFor(tree.conf, { network: LOOPBACK_ALLOWED })!;
    try {
      return await verifyDestination(access, tree.kind.jobId, publicKey, { strict: true, now: new Date(chainEnd + 5_000) });
    } finally {
      access.close();
    }
  }

  const chainEndOf = (kind: DestinationKind): number => Date.parse(pristine.get(kind.name)!.digests().at(-1)!.digest.end);

  it('passes every untouched copy: 0 problems, every object verified', async () => {
    for (const kind of DESTINATIONS) {
      const tree = copyOf(kind);
      const report = await verify(tree, chainEndOf(kind));
      assert.deepEqual(report.problems, [], kind.name);
      assert.deepEqual(report.notCovered, [], kind.name);
      assert.equal(report.objectsVerified, tree.objects().length, kind.name);
      assert.deepEqual(report.endings.map((e) => e.state), ['closed'], kind.name);
    }
  });

  it('detects every tampering on every destination, each named by its problem kind', async (t) => {
    const misses: string[] = [];
    const rows: string[] = [];
    for (const [c, tamper] of CASES.entries()) {
      const cells: string[] = [];
      for (const [d, kind] of DESTINATIONS.entries()) {
        const tree = copyOf(kind);
        // One PRNG per case and destination: adding a case does not change the others' choices.
        const rng = createPrng((SEED * 1000 + c * 10 + d) >>> 0);
        const otherJob = pristine.get(DESTINATIONS[(d + 1) % DESTINATIONS.length]!.name)!;
        const what = tamper.apply({ tree, rng, attackerKey, otherJob });
        const report = await verify(tree, chainEndOf(kind));
        const kinds = [...new Set(report.problems.map((p) => p.kind))];
        const named = kinds.some((k) => tamper.names.includes(k));
        cells.push(named ? 'yes' : kinds.length > 0 ? 'UNNAMED' : 'MISSED');
        if (!named) {
          const said = report.problems.length === 0 ? 'no problem' : report.problems.map((p) => `${p.kind}: ${p.key}: ${p.detail}`).join('; ');
          misses.push(`${tamper.name} on ${kind.name} (${what}): want one of ${tamper.names.join(', ')}; verify said ${said}${report.notCovered.length > 0 ? `; not covered (informational): ${report.notCovered.map((o) => o.key).join(', ')}` : ''}`);
        }
      }
      rows.push(`${tamper.name.padEnd(62)} ${cells.map((cell) => cell.padEnd(8)).join(' ')}`);
    }
    const sizes = DESTINATIONS.map((kind) => `${kind.name} ${pristine.get(kind.name)!.objects().length} objects / ${pristine.get(kind.name)!.digests().length} digests`);
    t.diagnostic(`seed ${SEED}; pristine trees: ${sizes.join(', ')}`);
    t.diagnostic('detected (a problem of a kind that names the tampering):');
    t.diagnostic(`${'case'.padEnd(62)} ${DESTINATIONS.map((kind) => kind.name.padEnd(8)).join(' ')}`);
    for (const row of rows) t.diagnostic(row);
    const runs = CASES.length * DESTINATIONS.length;
    t.diagnostic(`${runs - misses.length} of ${runs} tampered copies detected`);
    assert.deepEqual(misses, [], `undetected:\n${misses.join('\n')}`);
  });
});
