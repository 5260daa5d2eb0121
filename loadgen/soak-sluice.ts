// The sluice child of the outage soak: one Kafka source, N jobs (one per tenant) to S3, parking
// on, metrics on a free loopback port. Started, SIGKILLed and started again on the same config,
// data dir and consumer group (the `--kill9` variant), so a restart resumes from the commits.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { spawnMeasured, stopChild, type MeasuredChild } from '../bench/e2e/child.ts';
import { LOADGEN_FIELDS, loadgenSources, waitForStableGroup } from './sluice-child.ts';

const REPO = resolve(import.meta.dirname, '..');
const METRICS_LINE = /^sluice: metrics on (\S+)$/;

export interface SoakJob {
  id: number;
  tenant: string;
  destinationConf: string;
}

export interface SoakSluiceOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  jobs: SoakJob[];
  workers: number;
  maxUploadIntervalSeconds: number;
  workDir: string;
  /** Default true (the outage soak); the broker-restart measurement runs without it. */
  parking?: boolean;
}

export function soakSluiceConfig(options: SoakSluiceOptions): Record<string, unknown> {
  return {
    data_dir: join(options.workDir, 'state'),
    limits: { min_upload_interval_seconds: Math.min(options.maxUploadIntervalSeconds, 30) },
    // Parking's other settings stay at their defaults: the soak measures what an operator gets.
    pipeline: { workers: options.workers, parking: { enabled: options.parking ?? true } },
    telemetry: { listen: '127.0.0.1:0' },
    sources: loadgenSources(options),
    // The S3 server and the Toxiproxy in front of it listen on loopback.
    destinations: { allow_networks: ['127.0.0.0/8'] },
    jobs: options.jobs.map((job) => ({
      id: job.id,
      name: `soak-${job.id}`,
      zone_id: job.tenant,
      dataset: 'http_requests',
      destination_conf: job.destinationConf,
      output_options: { field_names: LOADGEN_FIELDS, timestamp_format: 'unixnano' },
      compression: 'zstd',
      max_upload_interval_seconds: options.maxUploadIntervalSeconds,
    })),
  };
}

/** One sluice process; `restart()` after `kill9()` starts the next one on the same config. */
export class SoakSluice {
  readonly #options: SoakSluiceOptions;
  readonly #configFile: string;
  #child: MeasuredChild | null = null;
  /** stderr of every process so far (JSON log lines). */
  readonly stderrs: string[] = [];
  peakRssBytes = 0;
  cpuSeconds = 0;

  constructor(options: SoakSluiceOptions) {
    this.#options = options;
    this.#configFile = join(options.workDir, 'sluice.yaml');
    writeFileSync(this.#configFile, stringify(soakSluiceConfig(options)));
  }

  /** Starts a process and resolves with its metrics URL once its consumer group is Stable. */
  async start(readyTimeoutMs = 120_000): Promise<string> {
    const child = spawnMeasured([join(REPO, 'src/cli/main.ts'), 'run', '--config', this.#configFile], {
      cwd: this.#options.workDir,
      // info: the parking lines ('job parked', 'catch-up finished', …) are read from the log.
      env: { ...process.env, SLUICE_LOG_LEVEL: process.env['SLUICE_LOG_LEVEL'] ?? 'info' },
    });
    this.#child = child;
    const url = await Promise.race([
      child.lineMatching((line) => METRICS_LINE.test(line)).then((line) => METRICS_LINE.exec(line)![1]!),
      child.exited.then((code) => { throw new Error(`sluice exited (${code}) before it served metrics:\n${child.stderr().slice(-4000)}`); }),
    ]);
    await waitForStableGroup(this.#options.brokers, this.#options.groupId, readyTimeoutMs, child.exited);
    return url;
  }

  /** SIGKILL: no flush, no commit; resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.#take();
    child.child.kill('SIGKILL');
    await child.exited;
  }

  /** SIGTERM (graceful), SIGKILL after 60 s. */
  async stop(): Promise<number | string> {
    const child = this.#take();
    return stopChild(child, 60_000);
  }

  #take(): MeasuredChild {
    const child = this.#child;
    if (child === null) throw new Error('no sluice process is running');
    this.#child = null;
    const sample = child.watcher.sample() ?? child.watcher.last;
    this.peakRssBytes = Math.max(this.peakRssBytes, child.watcher.maxRssBytes, sample?.peakRssBytes ?? 0);
    this.cpuSeconds += sample?.cpuSeconds ?? 0;
    child.exited.then(() => this.stderrs.push(child.stderr()), () => {});
    return child;
  }

  get running(): boolean {
    return this.#child !== null;
  }
}

export interface ParkingEvent {
  atMs: number;
  jobId: number | null;
  msg: string;
}

const PARKING_MESSAGES = ['job parked', 'catch-up started for a parked job', 'parked job handed back; catch-up finishes the records before that point', 'catch-up finished', 'job handed back to the live path', 'catch-up reader stopped; it starts again from the saved positions', 'partitions came with parked jobs from their previous owner; those jobs are parked here too'];

/** The parking lines of sluice's JSON log, in order. */
export function parkingEvents(stderr: string): ParkingEvent[] {
  const events: ParkingEvent[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { time?: number; msg?: string; job_id?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.msg !== undefined && PARKING_MESSAGES.includes(entry.msg)) events.push({ atMs: entry.time ?? 0, jobId: entry.job_id ?? null, msg: entry.msg });
  }
  return events;
}
