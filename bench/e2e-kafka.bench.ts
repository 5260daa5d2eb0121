// End-to-end benchmark: Kafka → sluice → file://. Measures what the whole service sustains on
// this machine against the real broker of scripts/kafka.sh, and the ceiling kafkajs itself sets.
//
//   node bench/e2e-kafka.bench.ts [--records 1000000] [--partitions 4] [--codec none|zstd|snappy|gzip]
//                                 [--workers 2] [--jobs 1|2] [--partition-by round-robin|key]
//                                 [--profile auto|always|never] [--s3] [--memory-limit-mb M] [--keep]
//
// 1. Preload: a fresh topic filled with generated ~1.4 KB http_requests events (key = zone id)
//    by one kafkajs producer (bench/e2e/preload.ts) — its rate is reported too.
// 2. Baseline: a bare kafkajs consumer (same group settings, no-op eachBatch) reads the topic in
//    its own process (bench/e2e/baseline-consumer.ts).
// 3. sluice: `sluice run --config` as a child process with a fresh group, file:// jobs on the
//    main tenant; timed from spawn until the group's committed offsets reach the end offsets;
//    peak RSS and CPU time from /proc (bench/e2e/sluice-run.ts).
// 4. Profile (auto: when sluice is below 150k records/s): the same run again under --cpu-prof,
//    self time by category per thread (bench/e2e/cpu-profile-summary.ts).
// --s3 writes to a bucket of the local S3 server (scripts/s3.sh, started if needed) instead of
// file://, as the peers were measured (issue 11); output bytes are then not counted.
// --memory-limit-mb sets sluice's memory.limit_mb (default: sluice's own).
// Writes bench/results/e2e-kafka-<ISO time>.json and prints a table.

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteTopic, ensureKafka } from '../test/helpers/kafka.ts';
import { createBucket, ensureS3, uniqueBucket } from '../test/helpers/s3.ts';
import type { BaselineReport } from './e2e/baseline-consumer.ts';
import { spawnMeasured } from './e2e/child.ts';
import { brokerCpuSeconds } from './e2e/broker-cpu.ts';
import { sampleThreadCpu, type ThreadCpu } from './e2e/proc-stats.ts';
import { printProfileSummary, profileFiles, profileStartUs, summariseProfile, type ProfileSummary } from './e2e/cpu-profile-summary.ts';
import { topicEnds, type TopicEnds } from './e2e/group-progress.ts';
import { dropKafkajsNegativeTimeoutWarning as dropTimeoutNegativeWarnings } from '../src/kafka/kafkajs-warnings.ts';
import { preloadTopic, PRODUCER_CODECS, type PreloadResult, type ProducerCodec } from './e2e/preload.ts';
import { runSluice, type SluiceRunOptions, type SluiceRunResult } from './e2e/sluice-run.ts';
import { gitCommit, machine, round, writeResultFile } from './result-file.ts';

const REPO = resolve(import.meta.dirname, '..');
/** The issue's goal: the Kafka source must not be the bottleneck below this rate on 2 cores. */
const GOAL_RECORDS_PER_SECOND = 150_000;
const RUN_DEADLINE_MS = 240_000;

interface BaselineResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  inputMBPerSecond: number;
  /** From the first fetched batch to the last: the fetch/decode loop alone. */
  steadyRecordsPerSecond: number;
  firstBatchSeconds: number;
  peakRssMB: number;
  cpuSeconds: number;
  cpuSecondsPer100kRecords: number;
  threadCpuSeconds: ThreadCpu | null;
  mainThreadCeilingRecordsPerSecond: number | null;
  /** Main-thread CPU µs per record from the first batch to the end (the fetch/decode loop alone). */
  steadyMainThreadCpuMicrosPerRecord: number;
}

/** A fresh bucket on the local S3 server (started if it is not running). */
async function benchBucket(topic: string): Promise<NonNullable<SluiceRunOptions['s3']>> {
  const server = await ensureS3();
  const bucket = uniqueBucket(`bench-${topic.slice(-12)}`);
  await createBucket(bucket);
  return { ...server, bucket };
}

function flags() {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '1000000' },
      partitions: { type: 'string', default: '4' },
      codec: { type: 'string', default: 'none' },
      workers: { type: 'string', default: '2' },
      jobs: { type: 'string', default: '1' },
      'partition-by': { type: 'string', default: 'round-robin' },
      profile: { type: 'string', default: 'auto' },
      s3: { type: 'boolean', default: false },
      'memory-limit-mb': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
    return n;
  };
  const oneOf = <T extends string>(name: string, text: string, allowed: readonly T[]): T => {
    if (!(allowed as readonly string[]).includes(text)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${text}"`);
    return text as T;
  };
  return {
    records: positive('records', values.records),
    partitions: positive('partitions', values.partitions),
    codec: oneOf('codec', values.codec, Object.keys(PRODUCER_CODECS) as ProducerCodec[]),
    workers: positive('workers', values.workers),
    jobs: oneOf('jobs', values.jobs, ['1', '2'] as const) === '2' ? 2 : 1,
    partitionBy: oneOf('partition-by', values['partition-by'], ['round-robin', 'key'] as const),
    profile: oneOf('profile', values.profile, ['auto', 'always', 'never'] as const),
    s3: values.s3,
    memoryLimitMb: values['memory-limit-mb'] === undefined ? undefined : positive('memory-limit-mb', values['memory-limit-mb']),
    keep: values.keep,
  };
}

async function runBaseline(brokers: string[], topic: string, ends: TopicEnds, valueBytes: number): Promise<BaselineResult> {
  const measured = spawnMeasured([join(REPO, 'bench/e2e/baseline-consumer.ts'), '--brokers', brokers.join(','), '--topic', topic, '--group', `${topic}-baseline`], { cwd: REPO });
  const line = await Promise.race([
    measured.lineMatching((l) => l.startsWith('{')),
    measured.exited.then((code) => { throw new Error(`baseline consumer exited (${code}) before finishing:\n${measured.stderr()}`); }),
  ]);
  const seconds = (performance.now() - measured.spawnedAtMs) / 1000;
  const atEnd = measured.watcher.sample() ?? measured.watcher.last;
  const threads = sampleThreadCpu(measured.child.pid!);
  await measured.exited;
  const report = JSON.parse(line) as BaselineReport;
  if (report.records < ends.total) throw new Error(`baseline read ${report.records} of ${ends.total} records`);
  const cpuSeconds = atEnd?.cpuSeconds ?? 0;
  return {
    records: report.records,
    seconds: round(seconds, 2),
    recordsPerSecond: Math.round(ends.total / seconds),
    inputMBPerSecond: round(valueBytes / 1e6 / seconds, 1),
    steadyRecordsPerSecond: Math.round(ends.total / ((report.doneMs - report.firstBatchMs) / 1000)),
    firstBatchSeconds: round(report.firstBatchMs / 1000, 2),
    peakRssMB: round(Math.max(measured.watcher.maxRssBytes, atEnd?.peakRssBytes ?? 0) / 1e6, 0),
    cpuSeconds: round(cpuSeconds, 2),
    cpuSecondsPer100kRecords: round((cpuSeconds / ends.total) * 100_000, 2),
    threadCpuSeconds: threads,
    mainThreadCeilingRecordsPerSecond: threads && threads.main > 0 ? Math.round(ends.total / threads.main) : null,
    steadyMainThreadCpuMicrosPerRecord: round((report.mainThreadCpuMsSteady * 1000) / ends.total, 2),
  };
}

/**
 * Main thread (thread id 0 in the file name) first, then workers; only the run's steady window
 * (10%→90% committed, in ms after spawn; the main profile starts ~at spawn), so module loading,
 * connecting and the group join do not dilute the picture.
 */
function summariseProfiles(dir: string, steady: { fromSeconds: number; toSeconds: number } | null): Array<{ thread: string; summary: ProfileSummary }> {
  // CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile
  const threadOf = (file: string) => file.split('.').at(-3);
  const files = profileFiles([dir]);
  const main = files.find((f) => threadOf(f) === '0');
  const origin = main === undefined ? null : profileStartUs(main);
  const window = origin === null || steady === null ? null : { fromUs: origin + steady.fromSeconds * 1e6, toUs: origin + steady.toSeconds * 1e6 };
  return files.map((file) => {
    const threadId = threadOf(file);
    return { thread: threadId === '0' ? 'main thread' : `worker thread ${threadId}`, summary: summariseProfile(file, 20, window) };
  }).sort((a, b) => (a.thread === 'main thread' ? -1 : b.thread === 'main thread' ? 1 : a.thread.localeCompare(b.thread)));
}

function printTable(preload: PreloadResult, baseline: BaselineResult, sluice: SluiceRunResult): void {
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US'));
  const rows = [
    ['producer (preload, 1 kafkajs producer)', n(preload.recordsPerSecond), n(preload.valueMBPerSecond), n(preload.seconds), '–', '–', '–'],
    ['baseline: bare kafkajs consumer, spawn→end', n(baseline.recordsPerSecond), n(baseline.inputMBPerSecond), n(baseline.seconds), n(baseline.peakRssMB), n(baseline.cpuSecondsPer100kRecords), '–'],
    ['baseline: first batch→end', n(baseline.steadyRecordsPerSecond), '–', '–', '–', '–', '–'],
    ['sluice: spawn→all committed', n(sluice.recordsPerSecond), n(sluice.inputMBPerSecond), n(sluice.seconds), n(sluice.peakRssMB), n(sluice.cpuSecondsPer100kRecords), n(sluice.coresBusy)],
    ['sluice: steady (10%→90% committed)', n(sluice.steady?.recordsPerSecond), n(sluice.steady?.inputMBPerSecond), '–', '–', '–', '–'],
  ];
  const header = ['measurement', 'records/s', 'input MB/s', 'seconds', 'peak RSS MB', 'CPU s/100k', 'cores busy'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** The broker JVM's CPU seconds per benchmark phase (it shares this machine's cores). */
class BrokerCpu {
  readonly phases: Record<string, { cpuSeconds: number; cpuSecondsPer100kRecords: number } | null> = {};
  #start = brokerCpuSeconds();

  mark(): void {
    this.#start = brokerCpuSeconds();
  }

  phase(name: string, records: number): void {
    const now = brokerCpuSeconds();
    this.phases[name] = now === null || this.#start === null ? null
      : { cpuSeconds: round(now - this.#start, 2), cpuSecondsPer100kRecords: round(((now - this.#start) / records) * 100_000, 2) };
    this.#start = now;
  }
}

function printCpuBreakdown(baseline: BaselineResult, sluice: SluiceRunResult, broker: BrokerCpu['phases']): void {
  const threads = (t: ThreadCpu | null) => (t === null ? '–' : `main ${t.main}, workers ${t.workers}, V8 helpers ${t.v8}, libuv ${t.libuv}, other ${t.other}`);
  const ceiling = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US'));
  console.log(`
CPU seconds by thread (spawn → end):`);
  console.log(`  baseline: ${threads(baseline.threadCpuSeconds)} → main-thread ceiling ${ceiling(baseline.mainThreadCeilingRecordsPerSecond)} records/s`);
  console.log(`  sluice:   ${threads(sluice.threadCpuSeconds)} → main-thread ceiling ${ceiling(sluice.mainThreadCeilingRecordsPerSecond)} records/s`);
  const s = sluice.steadyCpuMicrosPerRecord;
  console.log(`  steady CPU µs/record: baseline main ${baseline.steadyMainThreadCpuMicrosPerRecord}; sluice main ${s?.main ?? '–'}, workers ${s?.workers ?? '–'}, V8 helpers ${s?.v8 ?? '–'}, all ${s?.total ?? '–'}`);
  const b = (name: string) => broker[name] ? `${broker[name].cpuSeconds} s (${broker[name].cpuSecondsPer100kRecords} s/100k)` : '–';
  console.log(`  broker JVM: preload ${b('preload')}, baseline ${b('baseline')}, sluice ${b('sluice')}`);
}

async function main(): Promise<void> {
  const params = flags();
  dropTimeoutNegativeWarnings();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const { brokers } = await ensureKafka();
  const topic = `bench-e2e-${startedAt.getTime().toString(36)}-${process.pid}`;
  const scratch = mkdtempSync(join(os.tmpdir(), 'sluice-bench-e2e-'));
  console.log(`topic ${topic}: producing ${params.records.toLocaleString('en-US')} records, ${params.partitions} partitions, codec ${params.codec} …`);
  try {
    const broker = new BrokerCpu();
    const preload = await preloadTopic({ brokers, topic, partitions: params.partitions, records: params.records, codec: params.codec, partitionBy: params.partitionBy });
    broker.phase('preload', params.records);
    const ends = await topicEnds(brokers, topic);
    console.log(`  ${preload.recordsPerSecond.toLocaleString('en-US')} records/s, ${preload.valueMBPerSecond} MB/s (${preload.averageRecordBytes} B/record); partition ends ${[...ends.ends.values()].join(', ')}`);

    console.log('baseline: bare kafkajs consumer …');
    broker.mark();
    const baseline = await runBaseline(brokers, topic, ends, preload.valueBytes);
    broker.phase('baseline', ends.total);
    console.log(`  ${baseline.recordsPerSecond.toLocaleString('en-US')} records/s spawn→end`);

    const s3 = params.s3 ? await benchBucket(topic) : undefined;
    const common = { brokers, topic, ends, valueBytes: preload.valueBytes, workers: params.workers, jobs: params.jobs, deadlineMs: RUN_DEADLINE_MS, ...(s3 ? { s3 } : {}),
      ...(params.memoryLimitMb === undefined ? {} : { memoryLimitMb: params.memoryLimitMb }) };
    console.log(`sluice: ${params.workers} workers, ${params.jobs} job(s) …`);
    broker.mark();
    const sluice = await runSluice({ ...common, groupId: `${topic}-sluice`, dir: join(scratch, 'run'), cpuProfileDir: null });
    broker.phase('sluice', ends.total);
    console.log(`  ${sluice.recordsPerSecond.toLocaleString('en-US')} records/s spawn→all committed`);

    let profile: { run: SluiceRunResult; threads: Array<{ thread: string; summary: ProfileSummary }> } | null = null;
    const slow = (sluice.steady?.recordsPerSecond ?? sluice.recordsPerSecond) < GOAL_RECORDS_PER_SECOND;
    if (params.profile === 'always' || (params.profile === 'auto' && slow)) {
      console.log('sluice under --cpu-prof (rates of this run are lower: the profiler costs time) …');
      const profileDir = join(scratch, 'profile');
      mkdirSync(profileDir);
      const run = await runSluice({ ...common, groupId: `${topic}-sluice-prof`, dir: join(scratch, 'run-prof'), cpuProfileDir: profileDir });
      if (readdirSync(profileDir).length === 0) throw new Error('--cpu-prof wrote no profile (did sluice exit gracefully?)');
      profile = { run, threads: summariseProfiles(profileDir, run.steady) };
    }
    const loadAfter = os.loadavg();

    const report = {
      benchmark: 'e2e-kafka',
      date: startedAt.toISOString(),
      machine: machine(loadBefore, loadAfter),
      node: process.version,
      commit: gitCommit(),
      parameters: {
        ...params,
        brokers,
        recordBytesAverage: preload.averageRecordBytes,
        inputMB: round(preload.valueBytes / 1e6, 1),
        jobs: params.jobs === 2 ? ['ndjson 10 fields zstd', 'csv 10 fields gzip'] : ['ndjson 10 fields zstd'],
        mainTenantShare: 'about 70% of records (generator default tenants); the rest is unrouted (acknowledged, not delivered)',
        sluice: 'default batch limits (max_upload_records/bytes), min_upload_interval_seconds 1, commit_interval_ms 250, in_flight_bytes default',
        destination: params.s3 ? 's3:// (local versitygw, scripts/s3.sh)' : 'file://',
      },
      results: { preload, baseline, sluice, brokerCpu: broker.phases, profile: profile && { run: { ...profile.run, samples: undefined }, threads: profile.threads } },
    };

    console.log('');
    printTable(preload, baseline, sluice);
    printCpuBreakdown(baseline, sluice, broker.phases);
    for (const line of sluice.summary) console.log(`  sluice: ${line}`);
    if (profile) {
      const w = profile.run.steady;
      console.log(`\nprofiled run: ${profile.run.recordsPerSecond.toLocaleString('en-US')} records/s (steady ${w?.recordsPerSecond.toLocaleString('en-US') ?? '–'}); self time ${w ? `from ${w.fromSeconds} s to ${w.toSeconds} s after spawn` : 'over the whole run'}:`);
      for (const t of profile.threads) printProfileSummary({ ...t.summary, topFunctions: t.summary.topFunctions.slice(0, t.thread === 'main thread' ? 20 : 8) }, t.thread);
    }
    console.log(`\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`wrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
  } finally {
    if (!params.keep) {
      rmSync(scratch, { recursive: true, force: true });
      await deleteTopic(topic).catch((error: unknown) => console.error(`could not delete topic ${topic}: ${(error as Error).message}`));
    } else {
      console.log(`kept topic ${topic} and ${scratch}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
});
