// sluice's own digests, end to end: an audit_logs job delivering to file:// gets a signed digest
// chain that lists every object it wrote with the object's exact SHA-256, made with the signing
// key sluice created in data_dir, and `sluice verify`'s check passes on it — then fails once an
// object is changed.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, it } from 'node:test';
import { parseDigest, verifyDigestSignature } from '../../src/audit/digest.ts';
import { loadPublicKey } from '../../src/audit/signing-key.ts';
import { verifyDestination } from '../../src/cli/verify.ts';
import { parseConfig } from '../../src/config/load.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { runService } from '../../src/service.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { createLogger } from '../../src/shared/log.ts';
import { listFiles, outputLines } from './output-reader.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

const ACCOUNT = '01a7362d577a6c3019a474fd6f485823';
const JOB = 5;
const dir = mkdtempSync(join(tmpdir(), 'sluice-digests-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('writes a signed digest chain covering every delivered audit object, which verify accepts', async () => {
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({
    ID: `evt-${i}`, When: `2026-11-27T10:00:${String(i).padStart(2, '0')}Z`, ActionType: i % 3 === 0 ? 'delete' : 'update', ActorEmail: `user${i}@example.com`,
  }));
  const input = join(dir, 'audit.ndjson');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const out = join(dir, 'out');
  const conf = `${pathToFileURL(out).href}/{DATE}`;
  const config = parseConfig(
    {
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator' }],
      audit_digests: { interval_seconds: 1 },
      jobs: [{ id: JOB, account_id: ACCOUNT, dataset: 'audit_logs', destination_conf: conf, max_upload_records: 10, compression: 'gzip', output_options: { field_names: ['ID', 'When', 'ActionType'] } }],
    },
    'audit digests test',
  );
  const outcome = await runService({
    config,
    sources: [new NdjsonSource({ path: input, dataset: 'audit_logs', tenant: ACCOUNT })],
    log: createLogger('silent'),
    print: () => {},
    handleSignals: false,
  });
  assert.equal(outcome.undelivered, 0);

  // The key sluice made on first use: private 0600, public beside it.
  const keyFile = join(dir, 'state', 'digest-signing-key.pem');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  const publicKey = await loadPublicKey(join(dir, 'state', 'digest-signing-key.pub.pem'));

  const files = listFiles(out);
  const digestFiles = files.filter((f) => relative(out, f).startsWith('_digests/'));
  const objects = files.filter((f) => !relative(out, f).startsWith('_digests/'));
  assert.equal(objects.length, 3, 'three batches of 10');
  assert.equal(outputLines(join(out, '20261127')).lines.length, 30, 'every record delivered (the date is the events\' When)');
  assert.ok(digestFiles.length >= 1, 'at least the digest written at shutdown');

  // Every object is listed once, with the SHA-256 of its bytes; every digest is signed.
  const listed = new Map<string, string>();
  for (const file of digestFiles) {
    const digest = parseDigest(readFileSync(file), relative(out, file));
    assert.equal(digest.job_id, JOB);
    assert.equal(digest.dataset, 'audit_logs');
    assert.ok(verifyDigestSignature(digest, publicKey), `${file} is signed by sluice's key`);
    for (const entry of digest.objects) {
      assert.equal(listed.has(entry.key), false, `${entry.key} listed twice`);
      listed.set(entry.key, entry.sha256);
    }
  }
  assert.deepEqual([...listed.keys()].sort(), objects.map((f) => relative(out, f)).sort());
  for (const file of objects) {
    assert.equal(listed.get(relative(out, file)), createHash('sha256').update(readFileSync(file)).digest('hex'));
  }

  // What `sluice verify` does: clean now, one altered object after a byte changes.
  const access = objectAccessFor(conf, { network: LOOPBACK_ALLOWED })!;
  try {
    const clean = await verifyDestination(access, JOB, publicKey);
    assert.deepEqual(clean.problems, []);
    assert.equal(clean.objectsVerified, 3);
    assert.deepEqual(clean.notCovered, []);
    const bytes = readFileSync(objects[1]!);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(objects[1]!, bytes);
    const tampered = await verifyDestination(access, JOB, publicKey);
    assert.deepEqual(tampered.problems.map((p) => [p.kind, p.key]), [['altered', relative(out, objects[1]!)]]);
  } finally {
    access.close();
  }
});
