// The sluice CLI as a child process (`node src/cli/main.ts run --config <file>`), the way an
// operator runs it: tests kill it with SIGKILL or SIGTERM, read its exit status, and follow its
// structured log (JSON lines on stderr) for partition assignments. Every process started here is
// remembered so `killAllSluice()` in an `after` hook leaves nothing running.
// Debugging knobs: SLUICE_IT_LOG_LEVEL (the children's log level, default info) and
// SLUICE_IT_TAIL (stderr lines quoted in failure messages, default 15).

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const running = new Set<SluiceProcess>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KafkaJobSpec {
  id: number;
  /** The job's tenant: a zone (zone datasets) or, for account datasets such as audit_logs, account_id. */
  zone_id?: string;
  account_id?: string;
  /** Directory the job writes into (objects land directly in it: no {DATE} level). */
  dir: string;
  compression?: 'gzip' | 'zstd' | 'snappy' | 'none';
}

export interface KafkaConfigSpec {
  dataDir: string;
  brokers: string[];
  groupId: string;
  topic: string;
  jobs: KafkaJobSpec[];
  inFlightBytes: number;
  maxUploadRecords?: number;
  commitIntervalMs?: number;
  /** Record header holding the tenant; default: the record key. */
  tenantHeader?: string;
  /** The topic's and every job's dataset; default http_requests. */
  dataset?: string;
  /** Fields the jobs write; default RayID and EdgeStartTimestamp (http_requests). */
  fieldNames?: string[];
  /** audit_digests.interval_seconds (audit_logs jobs get digests); default: the config's default. */
  digestIntervalSeconds?: number;
}

/**
 * Writes a YAML config for one Kafka topic (tenant = record key or a header) and file:// jobs that keep
 * RayID (or spec.fieldNames), with small batches (≤ maxUploadRecords records or 1 s) so deliveries happen often,
 * and the broker's shortest session timeout (6 s) so a killed member's partitions move soon.
 */
export function writeKafkaConfig(path: string, spec: KafkaConfigSpec): string {
  const config = {
    data_dir: spec.dataDir,
    limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
    pipeline: { workers: 2, in_flight_bytes: spec.inFlightBytes },
    sources: [{
      type: 'kafka',
      brokers: spec.brokers,
      group_id: spec.groupId,
      from_beginning: true,
      commit_interval_ms: spec.commitIntervalMs ?? 200,
      session_timeout_ms: 6000,
      topics: [{ topic: spec.topic, dataset: spec.dataset ?? 'http_requests', tenant_from: spec.tenantHeader === undefined ? { key: true } : { header: spec.tenantHeader } }],
    }],
    ...(spec.digestIntervalSeconds === undefined ? {} : { audit_digests: { interval_seconds: spec.digestIntervalSeconds } }),
    jobs: spec.jobs.map((job) => ({
      id: job.id,
      ...(job.account_id === undefined ? { zone_id: job.zone_id } : { account_id: job.account_id }),
      dataset: spec.dataset ?? 'http_requests',
      destination_conf: pathToFileURL(job.dir).href,
      compression: job.compression ?? 'gzip',
      max_upload_records: spec.maxUploadRecords ?? 500,
      max_upload_interval_seconds: 1,
      output_options: { field_names: spec.fieldNames ?? ['RayID', 'EdgeStartTimestamp'] },
    })),
  };
  writeFileSync(path, stringify(config));
  return path;
}

export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export class SluiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  /** Structured log lines (stderr JSON) in order. */
  readonly logs: LogLine[] = [];
  #partial = '';
  #exit: Exit | null = null;

  /** `extraEnv` adds variables (e.g. SLUICE_SHUTDOWN_DEADLINE_SECONDS) to the child's environment. */
  constructor(name: string, configPath: string, extraEnv: Record<string, string> = {}) {
    this.name = name;
    // The config names the test broker: no SLUICE_KAFKA_* override from the caller's environment.
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_LOG_LEVEL: process.env['SLUICE_IT_LOG_LEVEL'] ?? 'info', ...extraEnv };
    delete env['SLUICE_KAFKA_BROKERS'];
    this.child = spawn(process.execPath, [MAIN, 'run', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env });
    running.add(this);
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d));
    this.child.stderr!.on('data', (d: Buffer) => this.#onStderr(d.toString('utf8')));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        running.delete(this);
        resolve(this.#exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exit(): Exit | null {
    return this.#exit;
  }

  #onStderr(text: string): void {
    this.stderr += text;
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  }

  /** The partitions of the latest "Kafka partitions assigned" line (undefined before the first join). */
  assignment(): string[] | undefined {
    for (let i = this.logs.length - 1; i >= 0; i--) {
      const line = this.logs[i]!;
      if (line.msg === 'Kafka partitions assigned') return line['partitions'] as string[];
    }
    return undefined;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.#exit === null) this.child.kill(signal);
  }

  /** Last lines of stderr, for assertion messages. */
  tail(lines = Number(process.env['SLUICE_IT_TAIL'] ?? 15)): string {
    return `[${this.name} stderr]\n${this.stderr.split('\n').slice(-lines).join('\n')}\n[${this.name} stdout]\n${this.stdout.split('\n').slice(-5).join('\n')}`;
  }
}

/** SIGKILLs every sluice process a test started that is still running, and waits for them. */
export async function killAllSluice(): Promise<void> {
  const all = [...running];
  for (const p of all) p.kill('SIGKILL');
  await Promise.all(all.map((p) => p.exited));
}
