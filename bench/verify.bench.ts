// `sluice verify` (src/cli/verify.ts) as an auditor runs it, a child process per run: wall time
// and peak RSS on many small objects and on a few large ones, file:// and the real S3 server
// (versitygw, scripts/s3.sh). The destinations are built as the digest writer leaves them after a
// clean stop (test/helpers/audited-destination.ts): one signed digest per 10 objects, a final one.
// `verify --help` is measured too: what loading the CLI alone costs in memory.
// Takes ~2 minutes, so `npm run bench` leaves it out: `npm run bench:verify`.
// Writes bench/results/verify-<ISO time>.json.
//
//   node bench/verify.bench.ts [--rounds 3] [--only file-1000,s3-1000,…]

import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, publicKeyPath } from '../src/audit/signing-key.ts';
import type { DigestEntry } from '../src/audit/digest.ts';
import { objectAccessFor, type ObjectAccess } from '../src/destinations/object-access.ts';
import { writeDigestChain, writeLargeFileObject, writeSmallObjects } from '../test/helpers/audited-destination.ts';
import { LOOPBACK_ALLOWED } from '../test/helpers/network.ts';
import { runSluiceMeasured } from '../test/helpers/peak-rss.ts';
import { createBucket, ensureS3, uniqueBucket } from '../test/helpers/s3.ts';
import { median } from './median.ts';
import { resultHeader, round, writeResultFile } from './result-file.ts';

interface VerifyCase {
  name: string;
  store: 'file' | 's3';
  objects: number;
  objectBytes: number;
}

const MiB = 1024 * 1024;
const CASES: VerifyCase[] = [
  { name: 'file-1000', store: 'file', objects: 1000, objectBytes: 4096 },
  { name: 'file-10000', store: 'file', objects: 10_000, objectBytes: 4096 },
  { name: 'file-4x512MiB', store: 'file', objects: 4, objectBytes: 512 * MiB },
  { name: 'file-2x1GiB', store: 'file', objects: 2, objectBytes: 1024 * MiB },
  { name: 's3-1000', store: 's3', objects: 1000, objectBytes: 4096 },
];
/** Objects per digest: what a writer under steady traffic lists per digest (group commit). */
const OBJECTS_PER_DIGEST = 10;
const JOB = 1;

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, only: { type: 'string' } } });
const rounds = Number(values.rounds);
const only = values.only?.split(',');
const cases = CASES.filter((c) => only === undefined || only.includes(c.name));

const startedAt = new Date();
const loadBefore = os.loadavg();
const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-verify-'));
const keyFile = join(dir, 'signing.pem');
const { privateKey } = await loadOrCreateSigningKey(keyFile);

/** A destination holding the case's objects and their chain: its conf, and how many digests. */
async function build(c: VerifyCase): Promise<{ conf: string; digests: number; cleanUp: () => void }> {
  let conf: string;
  let root: string | null = null;
  if (c.store === 'file') {
    root = join(dir, c.name);
    conf = `${pathToFileURL(root).href}/{DATE}`;
  } else {
    const s3 = await ensureS3();
    const bucket = uniqueBucket('sluice-bench-verify');
    await createBucket(bucket);
    conf = `s3://${bucket}/audit/{DATE}?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}&access-key-id=${s3.accessKeyId}&secret-access-key=${s3.secretAccessKey}`;
  }
  const access: ObjectAccess = objectAccessFor(conf, { network: LOOPBACK_ALLOWED })!;
  try {
    let entries: DigestEntry[];
    if (c.objectBytes >= MiB) {
      entries = [];
      for (let i = 0; i < c.objects; i++) entries.push(await writeLargeFileObject(root!, `20261127/large-${i}.log`, c.objectBytes));
    } else if (root !== null) {
      // Plain writes: access.put fsyncs every file, which would make building 10,000 take minutes.
      const fileRoot = root;
      entries = await writeSmallObjects(c.objects, c.objectBytes, async (key, data) => {
        const path = join(fileRoot, ...key.split('/'));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, data);
      });
    } else {
      entries = await writeSmallObjects(c.objects, c.objectBytes, (key, data) => access.put(key, data, 'text/plain'));
    }
    const digests = await writeDigestChain({ access, jobId: JOB, privateKey, entries, objectsPerDigest: OBJECTS_PER_DIGEST });
    return { conf, digests, cleanUp: () => root !== null && rmSync(root, { recursive: true, force: true }) };
  } finally {
    access.close();
  }
}

const verifyArgs = ['verify', '--job', String(JOB), '--public-key', publicKeyPath(keyFile)];
const results = [];
try {
  const help = await runSluiceMeasured(['verify', '--help']);
  const cliBaselineMB = round(help.peakRssBytes / 1e6, 1);
  console.log(`sluice verify --help (loading the CLI): peak RSS ${cliBaselineMB} MB`);
  for (const c of cases) {
    const { conf, digests, cleanUp } = await build(c);
    const seconds: number[] = [];
    const peaks: number[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        // The destination (with S3 credentials) goes in the environment, as the usage text advises.
        const run = await runSluiceMeasured(verifyArgs, { env: { SLUICE_VERIFY_DESTINATION: conf } });
        const verified = /(\d+) objects? verified/.exec(run.stdout)?.[1];
        if (run.code !== 0 || Number(verified) !== c.objects) throw new Error(`${c.name}: sluice verify exited ${run.code}, verified ${verified ?? 'nothing'}\n${run.stdout}${run.stderr}`);
        seconds.push(run.seconds);
        peaks.push(run.peakRssBytes / 1e6);
      }
    } finally {
      cleanUp();
    }
    const s = median(seconds);
    const totalMiB = (c.objects * c.objectBytes) / MiB;
    const result = {
      name: c.name, store: c.store, objects: c.objects, objectBytes: c.objectBytes, digests,
      seconds: round(s, 2), secondsPerRound: seconds.map((x) => round(x, 2)),
      objectsPerSecond: round(c.objects / s, 0), mibPerSecond: round(totalMiB / s, 1),
      peakRssMB: round(Math.max(...peaks), 0), peakRssMBPerRound: peaks.map((x) => round(x, 0)),
    };
    results.push(result);
    console.log(`${c.name.padEnd(14)} ${String(c.objects).padStart(6)} objects ${totalMiB.toFixed(0).padStart(5)} MiB ${digests} digests: ${result.seconds} s (median of ${rounds}), ${result.objectsPerSecond} objects/s, ${result.mibPerSecond} MiB/s, peak RSS ${result.peakRssMB} MB (${result.peakRssMBPerRound.join(', ')})`);
  }
  const file = writeResultFile(join(import.meta.dirname, 'results'), 'verify', startedAt.toISOString(), {
    ...resultHeader('verify', startedAt, loadBefore, os.loadavg()),
    params: { rounds, objectsPerDigest: OBJECTS_PER_DIGEST, s3Server: 'versitygw (scripts/s3.sh, local disk)', timing: 'spawn to exit of `node src/cli/main.ts verify`, median of rounds; peak RSS = getrusage maxRSS of that process, max of rounds' },
    cliBaselinePeakRssMB: cliBaselineMB,
    results,
  });
  console.log(`wrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
