// Many-jobs benchmark (issue 11): Kafka → sluice → file:// with N tenants, one job each.
//
//   node bench/e2e-jobs.bench.ts [--jobs 10,1000,10000] [--records 500000] [--partitions 4]
//                                  [--workers 2] [--compression gzip] [--interval 1]
//                                  [--repeat 1] [--against <other sluice checkout>]
//                                  [--deadline-s 240] [--rss-cap-mb 3000] [--snapshot-at-s S] [--keep]
//                                  [--memory-limit-mb M] [--in-flight-mb B]
//
// Per N: a fresh topic of R generated http_requests events whose keys (sluice's tenant) go
// round-robin over N tenants; then sluice runs with N jobs (ndjson, 10 fields, the codec,
// max_upload_interval_seconds), fresh group each run, until the group's committed offsets reach
// the end. Reported per run: peak RSS, records/s, main-thread event-loop delay (p50/p99/max),
// whether the group rebalanced, per-thread heap peaks (bench/jobs/probe.ts). A run is stopped
// at the deadline or past the RSS cap and reports how far it got. With --against DIR, runs of
// DIR's sluice and this checkout's alternate (DIR first), so both see the same machine load.
// --memory-limit-mb sets sluice's memory.limit_mb and --in-flight-mb its pipeline.in_flight_bytes
// in MiB (default: sluice's own defaults).
// --snapshot-at-s takes heap snapshots of every thread S seconds after spawn and summarises them.
// Writes bench/results/jobs-kafka-<ISO time>.json.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteTopic, ensureKafka } from '../test/helpers/kafka.ts';
import { topicEnds } from './e2e/group-progress.ts';
import { preloadTopic } from './e2e/preload.ts';
import { dropKafkajsNegativeTimeoutWarning } from '../src/kafka/kafkajs-warnings.ts';
import { runJobs, tenantOf, type JobsRunResult } from './jobs/jobs-run.ts';
import { gitCommit, machine, writeResultFile } from './result-file.ts';

const REPO = resolve(import.meta.dirname, '..');

function flags() {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string', default: '10,1000,10000' },
      records: { type: 'string', default: '500000' },
      partitions: { type: 'string', default: '4' },
      workers: { type: 'string', default: '2' },
      compression: { type: 'string', default: 'gzip' },
      interval: { type: 'string', default: '1' },
      repeat: { type: 'string', default: '1' },
      against: { type: 'string' },
      'deadline-s': { type: 'string', default: '240' },
      'rss-cap-mb': { type: 'string', default: '3000' },
      'snapshot-at-s': { type: 'string' },
      'memory-limit-mb': { type: 'string' },
      'in-flight-mb': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
    return n;
  };
  if (!['gzip', 'zstd', 'snappy', 'none'].includes(values.compression)) throw new Error(`--compression must be gzip, zstd, snappy or none, got "${values.compression}"`);
  return {
    jobs: values.jobs.split(',').map((j) => positive('jobs', j.trim())),
    records: positive('records', values.records),
    partitions: positive('partitions', values.partitions),
    workers: positive('workers', values.workers),
    compression: values.compression,
    interval: positive('interval', values.interval),
    repeat: positive('repeat', values.repeat),
    against: values.against === undefined ? null : resolve(values.against),
    deadlineMs: positive('deadline-s', values['deadline-s']) * 1000,
    rssCapBytes: positive('rss-cap-mb', values['rss-cap-mb']) * 1e6,
    snapshotAtMs: values['snapshot-at-s'] === undefined ? 0 : positive('snapshot-at-s', values['snapshot-at-s']) * 1000,
    memoryLimitMb: values['memory-limit-mb'] === undefined ? null : positive('memory-limit-mb', values['memory-limit-mb']),
    inFlightMb: values['in-flight-mb'] === undefined ? null : positive('in-flight-mb', values['in-flight-mb']),
    keep: values.keep,
  };
}

function line(label: string, r: JobsRunResult): string {
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US'));
  const lag = r.eventLoopDelayMs;
  const got = r.outcome === 'delivered' ? '' : ` (${r.outcome} after ${r.seconds} s, ${Math.round(r.committedShare * 100)} % committed)`;
  // No "steady" rate here: with many tenants a partition's commit waits for its slowest job, so
  // commits come in late jumps and a 10 %→90 % window says nothing (it is in the JSON).
  return `${label.padEnd(8)} ${String(r.jobs).padStart(6)} jobs  ${n(r.peakRssMB).padStart(6)} MB  ${n(r.recordsPerSecond).padStart(7)} rec/s  ` +
    `loop p99 ${lag?.p99 ?? '–'} ms max ${lag?.max ?? '–'} ms  rebalances ${r.rebalance.rebalances}${got}`;
}

async function main(): Promise<void> {
  const params = flags();
  dropKafkajsNegativeTimeoutWarning();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const { brokers } = await ensureKafka();
  const scratch = mkdtempSync(join(os.tmpdir(), 'sluice-bench-jobs-'));
  const variants = params.against === null ? [{ label: 'this', dir: REPO }] : [{ label: 'against', dir: params.against }, { label: 'this', dir: REPO }];
  const runs: Array<JobsRunResult & { label: string; preload: { recordsPerSecond: number; seconds: number } }> = [];
  const topics: string[] = [];
  try {
    for (const jobs of params.jobs) {
      const topic = `bench-jobs-${jobs}-${startedAt.getTime().toString(36)}-${process.pid}`;
      topics.push(topic);
      console.log(`topic ${topic}: ${params.records.toLocaleString('en-US')} records over ${jobs.toLocaleString('en-US')} tenants …`);
      const preload = await preloadTopic({ brokers, topic, partitions: params.partitions, records: params.records, codec: 'none', partitionBy: 'round-robin', keyOf: (i) => tenantOf(i, jobs) });
      const ends = await topicEnds(brokers, topic);
      for (let round = 0; round < params.repeat; round++) {
        for (const variant of variants) {
          const run = await runJobs({
            sluiceDir: variant.dir, brokers, topic, groupId: `${topic}-${variant.label}-${round}`, ends, valueBytes: preload.valueBytes,
            jobs, workers: params.workers, compression: params.compression, intervalSeconds: params.interval,
            dir: join(scratch, `${jobs}-${variant.label}-${round}`), deadlineMs: params.deadlineMs, rssCapBytes: params.rssCapBytes,
            snapshotAtMs: params.snapshotAtMs, memoryLimitMb: params.memoryLimitMb, inFlightMb: params.inFlightMb,
          });
          runs.push({ ...run, label: variant.label, preload: { recordsPerSecond: preload.recordsPerSecond, seconds: preload.seconds } });
          console.log(line(variant.label, run));
          if (run.outcome === 'exited') console.log(run.stderrTail);
          for (const snap of run.heapSnapshots) {
            console.log(`  heap snapshot ${snap.thread}: ${snap.totalMB} MB; ${snap.rows.slice(0, 8).map((r) => `${r.what} ${r.MB} MB (${r.count})`).join(', ')}`);
          }
          rmSync(join(scratch, `${jobs}-${variant.label}-${round}`, 'out'), { recursive: true, force: true });
        }
      }
      if (!params.keep) await deleteTopic(topic).catch((error: unknown) => console.error(`could not delete topic ${topic}: ${(error as Error).message}`));
    }
    const loadAfter = os.loadavg();
    const report = {
      benchmark: 'jobs-kafka',
      date: startedAt.toISOString(),
      machine: machine(loadBefore, loadAfter),
      node: process.version,
      commit: gitCommit(),
      parameters: { ...params, rssCapBytes: undefined, rssCapMB: params.rssCapBytes / 1e6, brokers, output: 'file://, ndjson, 10 fields, one job per tenant',
        // What sluice's runtime flags defer to when set (src/cli/runtime-flags.ts).
        environment: { NODE_OPTIONS: process.env.NODE_OPTIONS ?? null, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? null } },
      results: runs,
    };
    console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`wrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
  } finally {
    if (params.keep) console.log(`kept ${scratch} and topics ${topics.join(', ')}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
