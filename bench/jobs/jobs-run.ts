// One measured sluice run with N jobs, one per tenant: writes the config, starts
// `node --import bench/jobs/probe.ts <sluice>/src/cli/main.ts run` (the probe reports
// event-loop delay and per-thread heap peaks), watches the group's committed offsets and its
// membership, and stops the run at the end of the input, at a wall-clock deadline, or when
// RSS passes a cap (a run that cannot finish on this machine still reports how far it got).

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { TEN_FIELDS } from '../fixtures.ts';
import { spawnMeasured, stopChild } from '../e2e/child.ts';
import { kafkaBenchConfig } from '../e2e/sluice-run.ts';
import { sampleThreadCpu, type ThreadCpu } from '../e2e/proc-stats.ts';
import { steadyRate, watchGroup, type TopicEnds } from '../e2e/group-progress.ts';
import { round } from '../result-file.ts';
import { watchMembership, type MembershipReport } from './group-members.ts';
import type { ProbeFile } from './probe.ts';
import { summarise } from './heap-summary.ts';

const PROBE = resolve(import.meta.dirname, 'probe.ts');

/** Tenant (record key and job zone_id) of record `index` with `jobs` tenants, round-robin. */
export function tenantOf(index: number, jobs: number): string {
  return `zone-${(index % jobs).toString().padStart(5, '0')}`;
}

export interface JobsRunOptions {
  /** The sluice checkout to run (this one, or another commit's tree for before/after). */
  sluiceDir: string;
  brokers: string[];
  topic: string;
  groupId: string;
  ends: TopicEnds;
  valueBytes: number;
  jobs: number;
  workers: number;
  compression: string;
  intervalSeconds: number;
  dir: string;
  deadlineMs: number;
  rssCapBytes: number;
  /** Heap snapshots of every thread this long after spawn (summarised into the result), or none. */
  snapshotAtMs?: number;
  /** sluice's memory.limit_mb, or null for sluice's default. */
  memoryLimitMb?: number | null;
  /** sluice's pipeline.in_flight_bytes in MiB, or null for sluice's default. */
  inFlightMb?: number | null;
}

export interface JobsRunResult {
  sluice: string;
  jobs: number;
  /** 'delivered' (all committed), 'deadline' or 'rss-cap' (stopped), 'exited' (sluice died). */
  outcome: 'delivered' | 'deadline' | 'rss-cap' | 'exited';
  seconds: number;
  committed: number;
  /** Of the input, committed (delivered) when the run ended. */
  committedShare: number;
  /** Committed records / seconds (spawn → end of the run). */
  recordsPerSecond: number;
  /** 10 % → 90 % committed, when the run got that far. */
  steadyRecordsPerSecond: number | null;
  peakRssMB: number;
  cpuSeconds: number;
  threadCpuSeconds: ThreadCpu | null;
  eventLoopDelayMs: ProbeFile['loopDelayMs'];
  /** Main-thread 500 ms windows whose event-loop delay reached 100 ms: [s after start, max ms]. */
  stalls: Array<[number, number]>;
  /** bench/jobs/probe.ts's timeline: every 500 ms, MB, [ms, RSS, main heap, main external, workers' heaps, workers' external]. */
  timeline: ProbeFile['timeline'];
  rebalance: MembershipReport;
  /** Per thread: peak heap used / total, external, array buffers (SharedArrayBuffers included), MB. */
  threadPeaksMB: Array<{ thread: string; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; malloced: number }>;
  /** Per thread snapshot: heap MB and the largest items by type / constructor. */
  heapSnapshots: Array<{ thread: string } & ReturnType<typeof summarise>>;
  exitCode: number | string;
  stderrTail: string;
}

export function jobsConfig(options: JobsRunOptions): Record<string, unknown> {
  const jobs = [];
  for (let i = 0; i < options.jobs; i++) {
    jobs.push({
      id: i + 1,
      name: `tenant-${i}`,
      zone_id: tenantOf(i, options.jobs),
      dataset: 'http_requests',
      destination_conf: `${pathToFileURL(join(options.dir, 'out', String(i))).href}/{DATE}`,
      output_options: { field_names: TEN_FIELDS },
      compression: options.compression,
      max_upload_interval_seconds: options.intervalSeconds,
    });
  }
  const config = kafkaBenchConfig(options, jobs);
  if (options.inFlightMb !== null && options.inFlightMb !== undefined) {
    config.pipeline = { ...(config.pipeline as Record<string, unknown>), in_flight_bytes: options.inFlightMb * 1024 * 1024 };
  }
  return options.memoryLimitMb === null || options.memoryLimitMb === undefined ? config : { ...config, memory: { limit_mb: options.memoryLimitMb } };
}

export async function runJobs(options: JobsRunOptions): Promise<JobsRunResult> {
  mkdirSync(options.dir, { recursive: true });
  const probeDir = join(options.dir, 'probe');
  mkdirSync(probeDir, { recursive: true });
  const configFile = join(options.dir, 'sluice.yaml');
  // No anchors: every job shares the field list, and the YAML reader refuses thousands of aliases.
  writeFileSync(configFile, stringify(jobsConfig(options), { aliasDuplicateObjects: false }));
  const measured = spawnMeasured(['--import', pathToFileURL(PROBE).href, join(options.sluiceDir, 'src/cli/main.ts'), 'run', '--config', configFile], {
    cwd: options.dir,
    env: { ...process.env, SLUICE_LOG_LEVEL: 'warn', SLUICE_BENCH_PROBE_DIR: probeDir, SLUICE_BENCH_SNAPSHOT_AT_MS: String(options.snapshotAtMs ?? 0) },
  });
  const members = watchMembership(options.brokers, options.groupId, measured.spawnedAtMs);
  let outcome: JobsRunResult['outcome'] = 'deadline';
  let stopEarly!: () => void;
  const early = new Promise<void>((r) => (stopEarly = r));
  const capTimer = setInterval(() => {
    if (measured.watcher.maxRssBytes > options.rssCapBytes) {
      outcome = 'rss-cap';
      stopEarly();
    }
  }, 250);
  void measured.exited.then(() => {
    if (outcome === 'deadline') outcome = 'exited';
  });
  const watch = await watchGroup({
    brokers: options.brokers,
    topic: options.topic,
    groupId: options.groupId,
    ends: options.ends,
    originMs: measured.spawnedAtMs,
    deadlineMs: options.deadlineMs,
    abandon: Promise.race([measured.exited, early]),
  });
  clearInterval(capTimer);
  if (watch.reachedAtMs !== null) outcome = 'delivered';
  const endedMs = watch.reachedAtMs ?? (performance.now() - measured.spawnedAtMs);
  const atEnd = measured.watcher.sample() ?? measured.watcher.last;
  // Taken now: a run stopped at the cap goes on growing while it shuts down.
  const peakRssBytes = Math.max(measured.watcher.maxRssBytes, atEnd?.peakRssBytes ?? 0);
  const threads = sampleThreadCpu(measured.child.pid!);
  const rebalance = await members.stop();
  // A run stopped early is killed after 1 s: its graceful shutdown would deliver (and grow) on.
  const exitCode = await stopChild(measured, outcome === 'delivered' ? 30_000 : 1000);
  const committed = watch.samples.at(-1)?.committed ?? 0;
  const probe = readProbe(probeDir);
  const mb = (b: number) => round(b / 1e6, 1);
  const steady = steadyRate(watch.samples, options.ends.total);
  return {
    sluice: options.sluiceDir,
    jobs: options.jobs,
    outcome,
    seconds: round(endedMs / 1000, 2),
    committed,
    committedShare: round(committed / options.ends.total, 3),
    recordsPerSecond: Math.round(committed / (endedMs / 1000)),
    steadyRecordsPerSecond: steady?.recordsPerSecond ?? null,
    peakRssMB: round(peakRssBytes / 1e6, 0),
    cpuSeconds: round(atEnd?.cpuSeconds ?? 0, 2),
    threadCpuSeconds: threads,
    eventLoopDelayMs: probe?.loopDelayMs ?? null,
    stalls: probe?.stalls ?? [],
    timeline: probe?.timeline ?? [],
    rebalance,
    threadPeaksMB: (probe?.threads ?? []).map((p) => ({
      thread: p.thread, heapUsed: mb(p.heapUsed), heapTotal: mb(p.heapTotal), external: mb(p.external), arrayBuffers: mb(p.arrayBuffers), malloced: mb(p.mallocedMemory),
    })),
    heapSnapshots: readdirSync(probeDir).filter((n) => n.endsWith('.heapsnapshot'))
      .map((n) => ({ thread: n.replace('.heapsnapshot', ''), ...summarise(join(probeDir, n), 20) })),
    exitCode,
    stderrTail: measured.stderr().slice(-2000),
  };
}

function readProbe(dir: string): ProbeFile | null {
  const name = readdirSync(dir).find((n) => /^\d+\.json$/.test(n));
  return name === undefined ? null : JSON.parse(readFileSync(join(dir, name), 'utf8')) as ProbeFile;
}
