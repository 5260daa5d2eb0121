// `sluice verify` streams each object through SHA-256 (src/cli/verify.ts), so its memory does not
// grow with object size: the CLI, run as a user runs it, verifies 4 objects of 512 MiB — 2 GiB,
// which reading whole objects 8 at a time would hold at once — in under 300 MB of peak RSS.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, it } from 'node:test';
import { loadOrCreateSigningKey, publicKeyPath } from '../../src/audit/signing-key.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { writeDigestChain, writeLargeFileObject } from '../helpers/audited-destination.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';
import { runSluiceMeasured } from '../helpers/peak-rss.ts';
import { assertNoStackTrace } from './run-sluice.ts';

const JOB = 3;
const OBJECTS = 4;
const OBJECT_BYTES = 512 * 1024 * 1024;
const PEAK_RSS_LIMIT_BYTES = 300 * 1000 * 1000;

const dir = mkdtempSync(join(tmpdir(), 'sluice-verify-memory-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The peak was 264–457 MB over ten runs while file reads allocated a fresh 1 MiB Buffer per
// chunk (the garbage waited for V8), on top of the ~170 MB that loading the CLI takes (verify
// --help); reading into one reused buffer holds it near 175 MB. This test fails the build when
// verify's memory grows with object size again.
it('verify on a destination with 4 objects of 512 MiB stays under 300 MB of RSS', { timeout: 180_000 }, async () => {
  const { bavail, bsize } = statfsSync(dir);
  const needed = OBJECTS * OBJECT_BYTES + 256 * 1024 * 1024;
  assert.ok(bavail * bsize >= needed, `this test writes 2 GiB under ${tmpdir()}, which has only ${Math.floor((bavail * bsize) / 2 ** 20)} MiB free`);

  const root = join(dir, 'out');
  const conf = `${pathToFileURL(root).href}/{DATE}`;
  const keyFile = join(dir, 'signing.pem');
  const { privateKey } = await loadOrCreateSigningKey(keyFile);
  const entries = [];
  for (let i = 0; i < OBJECTS; i++) entries.push(await writeLargeFileObject(root, `20261127/large-${i}.log`, OBJECT_BYTES));
  const access = objectAccessFor(conf, { network: LOOPBACK_ALLOWED })!;
  try {
    await writeDigestChain({ access, jobId: JOB, privateKey, entries, objectsPerDigest: 10 });
  } finally {
    access.close();
  }

  const run = await runSluiceMeasured(['verify', '--destination', conf, '--job', String(JOB), '--public-key', publicKeyPath(keyFile)]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^job 3 at .*: 1 chain, 2 digests, 4 objects verified$/m);
  assert.match(run.stdout, /^verify: OK$/m);
  assertNoStackTrace(run.stderr);
  const peakMB = run.peakRssBytes / 1e6;
  assert.ok(run.peakRssBytes < PEAK_RSS_LIMIT_BYTES, `sluice verify peaked at ${peakMB.toFixed(0)} MB of RSS over 2 GiB of objects; the limit is 300 MB`);
  console.log(`# sluice verify: 4 × 512 MiB in ${run.seconds.toFixed(1)} s, peak RSS ${peakMB.toFixed(0)} MB`);
});
