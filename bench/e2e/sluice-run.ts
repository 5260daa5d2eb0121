// One measured sluice run: writes a config (Kafka source with a fresh group, file:// jobs on the
// main tenant), starts `sluice run --config` as a child process, waits until the group's
// committed offsets reach the topic's end (sluice commits only delivered records, so that is
// "everything delivered"), samples the child's RSS and CPU, then stops it with SIGTERM.

import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { TEN_FIELDS } from '../fixtures.ts';
import { spawnMeasured, stopChild } from './child.ts';
import { sampleThreadCpu, type ThreadCpu } from './proc-stats.ts';
import { steadyRate, watchGroup, type ProgressSample, type TopicEnds } from './group-progress.ts';
import { round } from '../result-file.ts';

const REPO = resolve(import.meta.dirname, '../..');
const MAIN_TENANT = DEFAULT_TENANTS[0]!;

export interface SluiceRunOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  ends: TopicEnds;
  valueBytes: number;
  workers: number;
  /** 1: ndjson zstd; 2: plus csv gzip. */
  jobs: number;
  /** Scratch directory for the config, state and output. */
  dir: string;
  /** Directory for --cpu-prof output, or null for an unprofiled run. */
  cpuProfileDir: string | null;
  deadlineMs: number;
  /** Write to this S3 server and bucket instead of file:// (bench:e2e --s3). */
  s3?: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string };
  /** sluice's memory.limit_mb (bench:e2e --memory-limit-mb); absent = sluice's default. */
  memoryLimitMb?: number;
}

export interface SluiceRunResult {
  profiled: boolean;
  exitCode: number | string;
  /** Spawn → committed offsets at the end. */
  seconds: number;
  recordsPerSecond: number;
  inputMBPerSecond: number;
  /** When the first commit was seen, s after spawn (startup: load, connect, join, first batch). */
  firstCommitSeconds: number | null;
  steady: { recordsPerSecond: number; inputMBPerSecond: number; fromSeconds: number; toSeconds: number } | null;
  peakRssMB: number;
  cpuSeconds: number;
  cpuSecondsPer100kRecords: number;
  /** Average cores busy over the window (CPU seconds / wall seconds). */
  coresBusy: number;
  /** CPU seconds by thread group over the window (spawn → all committed). */
  threadCpuSeconds: ThreadCpu | null;
  /**
   * Records/s the main thread could sustain if it had a core to itself: records ÷ its CPU
   * seconds (startup included, so a slight underestimate). Independent of machine load.
   */
  mainThreadCeilingRecordsPerSecond: number | null;
  /**
   * CPU microseconds per record over the steady window (first poll at ≥10% committed → last
   * poll below 90%), by thread group: what each record costs once startup is out of the way.
   */
  steadyCpuMicrosPerRecord: { main: number; workers: number; v8: number; total: number } | null;
  outputBytes: number;
  /** sluice's own summary lines, printed at exit. */
  summary: string[];
  /** sluice's progress lines (every 3 s: rates in/out, buffered bytes against the budget). */
  progress: string[];
  samples: ProgressSample[];
}

export function sluiceConfig(options: SluiceRunOptions): Record<string, unknown> {
  const s3 = options.s3;
  const out = (name: string) => s3
    ? `s3://${s3.bucket}/${name}/{DATE}?endpoint=${s3.endpoint}&region=${s3.region}&access-key-id=${s3.accessKeyId}&secret-access-key=${s3.secretAccessKey}`
    : `${pathToFileURL(join(options.dir, 'out', name)).href}/{DATE}`;
  const jobs: Record<string, unknown>[] = [{
    id: 1,
    name: 'main-ndjson-zstd',
    zone_id: MAIN_TENANT,
    dataset: 'http_requests',
    destination_conf: out('ndjson-zstd'),
    output_options: { field_names: TEN_FIELDS },
    compression: 'zstd',
    max_upload_interval_seconds: 1,
  }];
  if (options.jobs >= 2) {
    jobs.push({
      id: 2,
      name: 'main-csv-gzip',
      zone_id: MAIN_TENANT,
      dataset: 'http_requests',
      destination_conf: out('csv-gzip'),
      output_options: { output_type: 'csv', field_names: TEN_FIELDS },
      compression: 'gzip',
      max_upload_interval_seconds: 1,
    });
  }
  const config = kafkaBenchConfig(options, jobs);
  // The S3 server listens on loopback, which destinations may not reach unless allowed.
  if (s3) config.destinations = { allow_networks: ['127.0.0.0/8'] };
  if (options.memoryLimitMb !== undefined) config.memory = { limit_mb: options.memoryLimitMb };
  return config;
}

/**
 * A benchmark's sluice config: one Kafka source reading `topic` from the beginning with a fresh
 * group, tenant from the record key, and `jobs`. Also used by bench/jobs/jobs-run.ts.
 */
export function kafkaBenchConfig(options: { dir: string; workers: number; brokers: string[]; groupId: string; topic: string }, jobs: unknown[]): Record<string, unknown> {
  return {
    data_dir: join(options.dir, 'state'),
    // Logpush's batch limits (records, bytes) stay; only the 30 s interval floor is lowered so
    // the last batches close within a second of the input ending.
    limits: { min_upload_interval_seconds: 1 },
    pipeline: { workers: options.workers },
    sources: [{
      type: 'kafka',
      brokers: options.brokers,
      group_id: options.groupId,
      from_beginning: true,
      // Finer than the 1 s default so the end of the run is seen within ~0.25 s (a commit is
      // one small request; it does not change throughput).
      commit_interval_ms: 250,
      topics: [{ topic: options.topic, dataset: 'http_requests', tenant_from: { key: true } }],
    }],
    jobs,
  };
}

export async function runSluice(options: SluiceRunOptions): Promise<SluiceRunResult> {
  mkdirSync(options.dir, { recursive: true });
  const configFile = join(options.dir, 'sluice.yaml');
  writeFileSync(configFile, stringify(sluiceConfig(options)));
  const nodeArgs = options.cpuProfileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir];
  const measured = spawnMeasured([...nodeArgs, join(REPO, 'src/cli/main.ts'), 'run', '--config', configFile], {
    cwd: options.dir,
    env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' },
  });
  const cpuAt: Array<{ committed: number; cpu: ThreadCpu }> = [];
  const watch = await watchGroup({
    onSample: (sample) => {
      const cpu = sampleThreadCpu(measured.child.pid!);
      if (cpu !== null) cpuAt.push({ committed: sample.committed, cpu });
    },
    brokers: options.brokers,
    topic: options.topic,
    groupId: options.groupId,
    ends: options.ends,
    originMs: measured.spawnedAtMs,
    deadlineMs: options.deadlineMs,
    abandon: measured.exited,
  });
  // Before the shutdown: CPU and peak RSS of the measured window only.
  const atEnd = measured.watcher.sample() ?? measured.watcher.last;
  const threads = sampleThreadCpu(measured.child.pid!);
  const exitCode = await stopChild(measured);
  if (watch.reachedAtMs === null) {
    throw new Error(`sluice did not deliver all ${options.ends.total} records (exit ${exitCode}; last committed ${watch.samples.at(-1)?.committed ?? 0})\n${measured.stderr().slice(-4000)}`);
  }
  const total = options.ends.total;
  const seconds = watch.reachedAtMs / 1000;
  const bytesPerRecord = options.valueBytes / total;
  const steady = steadyRate(watch.samples, total);
  const firstCommit = watch.samples.find((s) => s.committed > 0);
  const cpuSeconds = atEnd?.cpuSeconds ?? 0;
  return {
    profiled: options.cpuProfileDir !== null,
    exitCode,
    seconds: round(seconds, 2),
    recordsPerSecond: Math.round(total / seconds),
    inputMBPerSecond: round(options.valueBytes / 1e6 / seconds, 1),
    firstCommitSeconds: firstCommit ? round(firstCommit.atMs / 1000, 2) : null,
    steady: steady && {
      recordsPerSecond: steady.recordsPerSecond,
      inputMBPerSecond: round((steady.recordsPerSecond * bytesPerRecord) / 1e6, 1),
      fromSeconds: round(steady.fromMs / 1000, 2),
      toSeconds: round(steady.toMs / 1000, 2),
    },
    peakRssMB: round(Math.max(measured.watcher.maxRssBytes, atEnd?.peakRssBytes ?? 0) / 1e6, 0),
    cpuSeconds: round(cpuSeconds, 2),
    cpuSecondsPer100kRecords: round((cpuSeconds / total) * 100_000, 2),
    coresBusy: round(cpuSeconds / seconds, 2),
    threadCpuSeconds: threads,
    steadyCpuMicrosPerRecord: steadyCpu(cpuAt, total),
    mainThreadCeilingRecordsPerSecond: threads && threads.main > 0 ? Math.round(total / threads.main) : null,
    outputBytes: directoryBytes(join(options.dir, 'out')),
    summary: measured.stdout().split('\n').filter((l) => /^(records in|routed|delivered|filtered|dropped|bytes|delivery)/.test(l)),
    progress: measured.stdout().split('\n').filter((l) => l.startsWith('in ')),
    samples: watch.samples.map((s) => ({ atMs: Math.round(s.atMs), committed: s.committed })),
  };
}

function steadyCpu(cpuAt: ReadonlyArray<{ committed: number; cpu: ThreadCpu }>, total: number): SluiceRunResult['steadyCpuMicrosPerRecord'] {
  const first = cpuAt.find((s) => s.committed >= total * 0.1);
  const last = cpuAt.findLast((s) => s.committed < total * 0.9 && s.committed > (first?.committed ?? Infinity));
  if (first === undefined || last === undefined) return null;
  const records = last.committed - first.committed;
  const per = (key: keyof ThreadCpu) => round(((last.cpu[key] - first.cpu[key]) / records) * 1e6, 2);
  const all = (c: ThreadCpu) => c.main + c.workers + c.v8 + c.libuv + c.other;
  return { main: per('main'), workers: per('workers'), v8: per('v8'), total: round(((all(last.cpu) - all(first.cpu)) / records) * 1e6, 2) };
}

function directoryBytes(dir: string): number {
  let sum = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const e of entries) if (e.isFile()) sum += statSync(join(e.parentPath, e.name)).size;
  return sum;
}
