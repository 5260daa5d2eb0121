// `sluice keygen` as a user runs it: the key pair on disk with the right modes, where each key
// goes printed, and an existing key never overwritten.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { publicKeyFingerprint } from '../../src/audit/digest.ts';
import { loadOrCreateSigningKey, loadPublicKey } from '../../src/audit/signing-key.ts';
import { assertNoStackTrace, runSluice } from './run-sluice.ts';

describe('sluice keygen', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-keygen-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the key pair (private 0600, public 0644) and says where each goes', async () => {
    const out = join(dir, 'keys', 'digests.pem');
    const pub = join(dir, 'keys', 'digests.pub.pem');
    const result = await runSluice(['keygen', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(statSync(pub).mode & 0o777, 0o644);
    const key = await loadOrCreateSigningKey(out);
    assert.equal(key.created, false);
    assert.equal(key.privateKey.asymmetricKeyType, 'ed25519');
    const fingerprint = publicKeyFingerprint(await loadPublicKey(pub));
    assert.equal(fingerprint, publicKeyFingerprint(key.publicKey));
    assert.match(result.stdout, new RegExp(`private key: ${out} .*audit_digests\\.signing_key_file: ${out}`));
    assert.match(result.stdout, new RegExp(`public key: +${pub} .*sluice verify .*--public-key ${pub}`));
    assert.match(result.stdout, new RegExp(`fingerprint: ${fingerprint}`));
    assert.equal(result.stderr, '');
  });

  it('refuses to overwrite an existing key or public key file: exit 2, one line, file unchanged', async () => {
    const out = join(dir, 'once.pem');
    assert.equal((await runSluice(['keygen', '--out', out])).code, 0);
    const before = readFileSync(out);
    const again = await runSluice(['keygen', '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, new RegExp(`^sluice: ${out} already exists; sluice keygen never overwrites a key`));
    assert.equal(again.stderr.trim().split('\n').length, 1);
    assert.deepEqual(readFileSync(out), before);
    assertNoStackTrace(again.stderr);

    const orphan = join(dir, 'orphan.pub.pem');
    writeFileSync(orphan, 'someone else\'s public key');
    const result = await runSluice(['keygen', '--out', join(dir, 'orphan.pem')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /orphan\.pub\.pem already exists/);
    assert.equal(readFileSync(orphan, 'utf8'), 'someone else\'s public key');
  });

  it('rejects bad usage with exit 2', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    for (const [args, says] of [
      [['keygen'], /needs --out FILE\.pem/],
      [['keygen', '--out', join(dir, 'x.pem'), 'extra'], /unexpected argument "extra"/],
      [['keygen', '--out', join(file, 'x.pem')], /a-file\/x\.pem/],
    ] as const) {
      const result = await runSluice([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^sluice: /);
      assert.match(result.stderr, says);
      assertNoStackTrace(result.stderr);
    }
  });
});
