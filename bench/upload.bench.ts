// Upload throughput to a real S3 server on this machine (versitygw, started by
// scripts/s3.sh like in the tests) through the S3 destination, with 1, 4 and 8 parts in flight.
// Each object is 96 MiB in 8 MiB chunks (the size compressed chunks come in), 8 MiB parts.
// The server writes to the local disk, so this measures sluice's uploader and the loopback
// path, not a cloud store. Writes bench/results/upload-<ISO time>.json.
//
//   node bench/upload.bench.ts [--mib 96] [--rounds 3]

import { randomFillSync } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChunkStream } from '../src/destinations/chunk-stream.ts';
import { S3Destination } from '../src/destinations/s3/s3-destination.ts';
import { createBucket, ensureS3, uniqueBucket } from '../test/helpers/s3.ts';
import { LOOPBACK_ALLOWED } from '../test/helpers/network.ts';
import { gitCommit, writeResultFile } from './result-file.ts';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '96' }, rounds: { type: 'string', default: '3' } } });
const totalMiB = Number(values.mib);
const rounds = Number(values.rounds);
const CHUNK = 8 * 1024 * 1024;

const s3 = await ensureS3();
const bucket = uniqueBucket('sluice-bench-upload');
await createBucket(bucket);
const chunks: Uint8Array[] = [];
for (let left = totalMiB * 1024 * 1024; left > 0; left -= CHUNK) chunks.push(randomFillSync(new Uint8Array(Math.min(CHUNK, left))));

const results: Array<{ partsInFlight: number; mibPerSecond: number; seconds: number[] }> = [];
let batch = 0;
for (const partsInFlight of [1, 4, 8]) {
  const conf = `s3://${bucket}/bench/{DATE}?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}&access-key-id=${s3.accessKeyId}&secret-access-key=${s3.secretAccessKey}&part-size=${CHUNK}&parts-in-flight=${partsInFlight}`;
  const destination = new S3Destination(conf, { network: LOOPBACK_ALLOWED });
  const seconds: number[] = [];
  for (let round = 0; round < rounds + 1; round++) {
    const started = performance.now();
    await destination.deliver({
      jobId: 1, batchId: (batch++).toString(16).padStart(16, '0'), startNs: `${Date.now()}000000`, endNs: `${Date.now()}000000`,
      compression: 'none', chunks: ChunkStream.of(chunks),
    });
    if (round > 0) seconds.push((performance.now() - started) / 1000); // round 0 warms up connections
  }
  await destination.close();
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)]!;
  results.push({ partsInFlight, mibPerSecond: Math.round((totalMiB / median) * 10) / 10, seconds });
}

console.log(`upload of ${totalMiB} MiB objects (8 MiB parts) to versitygw on 127.0.0.1, median of ${rounds}`);
console.log('parts in flight   MiB/s');
for (const r of results) console.log(`${String(r.partsInFlight).padStart(15)}   ${r.mibPerSecond.toFixed(1).padStart(5)}`);

const file = writeResultFile(join(import.meta.dirname, 'results'), 'upload', new Date().toISOString(), {
  bench: 'upload',
  machine: { cpus: os.cpus()[0]?.model, cores: os.cpus().length, memoryBytes: os.totalmem(), loadavg: os.loadavg() },
  node: process.version,
  commit: gitCommit(),
  params: { objectMiB: totalMiB, partBytes: CHUNK, rounds, server: 'versitygw 1.8.0 (local disk)' },
  results,
});
console.log(`wrote ${file}`);
