// How many objects per second the file:// destination can make durable on this machine, and at
// what CPU cost: the ceiling of any many-jobs run to file:// (issue 11). Each job flushes an object
// at least every max_upload_interval_seconds while it has records, so with N jobs and a 1 s
// interval the pipeline must write up to N objects a second, whatever the records per object;
// every object is a temporary file, a write, an fsync, a rename and a directory fsync
// (src/destinations/file.ts), which is what at-least-once needs before acknowledging.
//
//   node_modules/.bin/node bench/file-objects.bench.ts [--jobs 10,10000] [--objects 20000] [--concurrency 64] [--bytes 200]
//
// Small objects (the few records a job of many gets per second), FileDestination.deliver exactly
// as the pipeline calls it, `concurrency` at a time over `jobs` destinations (one directory each).
// Reports objects/s of wall time and CPU seconds per 1,000 objects (the process's, including the
// libuv threads doing the file calls). Writes bench/results/file-objects-<ISO time>.json.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileDestination } from '../src/destinations/file.ts';
import { resultHeader, round, writeResultFile } from './result-file.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10,10000' },
    objects: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    bytes: { type: 'string', default: '200' },
  },
});
const jobCounts = values.jobs.split(',').map(Number);
const objects = Number(values.objects);
const concurrency = Number(values.concurrency);
const body = new Uint8Array(Number(values.bytes));

async function run(jobs: number) {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-file-objects-'));
  try {
    const destinations = Array.from({ length: jobs }, (_, i) => new FileDestination(`file://${dir}/job-${i}/{DATE}`));
    let next = 0;
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < objects) {
        const i = next++;
        const job = i % jobs;
        // batchId differs per object, so every delivery makes a new file as a new batch does.
        await destinations[job]!.deliver({
          jobId: job + 1,
          batchId: i.toString(16).padStart(16, '0'),
          startNs: '1764237600000000000',
          endNs: '1764237601000000000',
          compression: 'gzip',
          chunks: (async function* () { yield body; })(),
        });
      }
    }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    return { jobs, objects, seconds: round(seconds, 2), objectsPerSecond: Math.round(objects / seconds), cpuSecondsPer1000Objects: round((cpu.user + cpu.system) / 1e6 / (objects / 1000), 3) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const startedAt = new Date();
const loadBefore = os.loadavg();
const runs = [];
for (const jobs of jobCounts) {
  const result = await run(jobs);
  console.log(`${String(jobs).padStart(6)} jobs: ${result.objects} objects in ${result.seconds} s = ${result.objectsPerSecond} objects/s, ${result.cpuSecondsPer1000Objects} CPU s per 1,000 objects`);
  runs.push(result);
}
const report = { ...resultHeader('file-objects', startedAt, loadBefore, os.loadavg()), concurrency, objectBytes: body.length, runs };
console.log(`wrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
