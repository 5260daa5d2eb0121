// Reads, parses and validates the config file. Every problem in the file — syntax, unknown
// keys, bad values, bad jobs — is collected and thrown at once as one ConfigError, so an
// operator fixes the file in one pass instead of one error per restart.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { pathJoin } from '../jobs/json-path.ts';
import { LOGPUSH_LIMITS, type Job, type Problem } from '../jobs/types.ts';
import { validateJob } from '../jobs/validation/validate.ts';
import { parseWithProblems } from '../jobs/zod-problems.ts';
import { applyDeploymentEnv, type DeploymentEnv } from './deployment-env.ts';
import { ConfigError } from './errors.ts';
import { jsonErrorOffset, lineColumn } from './json-error-position.ts';
import { maxBytesPerPartitionFor, planMemory, type MemoryPlan } from './memory-plan.ts';
import { ConfigSchema, DEFAULT_MAX_RECORD_BYTES, LimitsSchema, type AuditConfig, type Config, type JobStoreConfig, type LimitsConfig, type SourceConfig } from './schema.ts';

export type ConfigFormat = 'json' | 'yaml';

function own(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** Limits with cross-field defaults resolved; a bad limits block falls back to Logpush's for job checks. */
function resolveLimits(raw: unknown, problems: Problem[]): LimitsConfig {
  const parsed = LimitsSchema.prefault({}).safeParse(raw);
  if (!parsed.success) return { ...LOGPUSH_LIMITS, max_record_bytes: DEFAULT_MAX_RECORD_BYTES };
  const limits = parsed.data;
  if (limits.default_upload_bytes !== undefined && limits.default_upload_bytes < limits.min_upload_bytes) {
    problems.push({
      path: '$.limits.default_upload_bytes',
      message: `must be at least min_upload_bytes (${limits.min_upload_bytes}); got ${limits.default_upload_bytes}`,
    });
  }
  return {
    min_upload_interval_seconds: limits.min_upload_interval_seconds,
    min_upload_records: limits.min_upload_records,
    min_upload_bytes: limits.min_upload_bytes,
    default_upload_bytes: limits.default_upload_bytes ?? Math.max(LOGPUSH_LIMITS.default_upload_bytes, limits.min_upload_bytes),
    max_record_bytes: limits.max_record_bytes,
  };
}

function validateJobs(rawJobs: unknown[], limits: LimitsConfig, problems: Problem[]): Job[] {
  const jobs: Job[] = [];
  const firstWithId = new Map<number, number>();
  rawJobs.forEach((raw, index) => {
    const base = pathJoin('$.jobs', index);
    const explicitId = own(raw, 'id');
    const positional = explicitId === undefined || explicitId === null;
    const result = validateJob(
      positional && raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? { ...raw, id: undefined } : raw,
      positional ? { limits, id: index + 1 } : { limits },
    );
    if (!result.ok) {
      for (const p of result.problems) problems.push({ path: base + p.path.slice(1), message: p.message });
      return;
    }
    const id = result.value.id;
    const first = firstWithId.get(id);
    if (first !== undefined) {
      const why = positional ? ` (its position gives it id ${id}; set "id" explicitly)` : '';
      problems.push({ path: pathJoin(base, 'id'), message: `duplicate job id ${id}, already used by jobs[${first}]${why}` });
      return;
    }
    firstWithId.set(id, index);
    jobs.push(result.value);
  });
  return jobs;
}

/** Environment variables that override the Kafka connection settings of every kafka source. */
export interface KafkaEnv {
  SLUICE_KAFKA_BROKERS?: string | undefined;
  SLUICE_KAFKA_USERNAME?: string | undefined;
  SLUICE_KAFKA_PASSWORD?: string | undefined;
}

/**
 * Applies SLUICE_KAFKA_BROKERS (comma list), SLUICE_KAFKA_USERNAME and SLUICE_KAFKA_PASSWORD to
 * every `type: kafka` source and a `type: kafka` job_store before validation, so a bad override is reported at the JSON path
 * it lands on. Credentials in the environment keep them out of the config file; a username or
 * password given without a `sasl` block creates one (mechanism plain unless the file says).
 * Returns a copy; the input is not modified.
 */
export function applyKafkaEnv(value: unknown, env: KafkaEnv): unknown {
  const brokers = env.SLUICE_KAFKA_BROKERS?.trim() ? env.SLUICE_KAFKA_BROKERS.split(',').map((b) => b.trim()).filter((b) => b !== '') : undefined;
  const username = env.SLUICE_KAFKA_USERNAME || undefined;
  const password = env.SLUICE_KAFKA_PASSWORD || undefined;
  const sources = own(value, 'sources');
  if (!brokers && !username && !password) return value;
  const store = own(value, 'job_store');
  // The Kafka job store is overridden like a source: one environment, one cluster.
  const patchedStore = own(store, 'type') === 'kafka' ? { job_store: patchKafka(store, brokers, username, password) } : {};
  if (!Array.isArray(sources)) return Object.keys(patchedStore).length > 0 ? { ...(value as Record<string, unknown>), ...patchedStore } : value;
  const patched = sources.map((source: unknown) => {
    if (own(source, 'type') !== 'kafka') return source;
    return patchKafka(source, brokers, username, password);
  });
  return { ...(value as Record<string, unknown>), sources: patched, ...patchedStore };
}

function patchKafka(target: unknown, brokers: string[] | undefined, username: string | undefined, password: string | undefined): unknown {
  const copy: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  if (brokers) copy.brokers = brokers;
  if (username || password) {
    const sasl = own(copy, 'sasl');
    const base = sasl !== null && typeof sasl === 'object' && !Array.isArray(sasl) ? (sasl as Record<string, unknown>) : {};
    copy.sasl = { ...base, ...(username ? { username } : {}), ...(password ? { password } : {}) };
  }
  return copy;
}

type ParsedTop = NonNullable<ReturnType<typeof ConfigSchema.safeParse>['data']>;

/**
 * The job store and audit sink of a config with `api:`. Kafka settings the store leaves out
 * come from the first kafka source (one cluster is the common case). Problems are pushed, not
 * thrown, so they are reported with the rest of the file.
 */
function resolveStoreAndAudit(top: ParsedTop, problems: Problem[]): { job_store?: JobStoreConfig; audit?: AuditConfig } {
  if (top.api === undefined) {
    if (top.job_store !== undefined) problems.push({ path: '$.job_store', message: 'needs an api: section (without the admin API the config\'s jobs are the static job set)' });
    if (top.audit !== undefined) problems.push({ path: '$.audit', message: 'needs an api: section (audit events record changes made through the admin API)' });
    return {};
  }
  const declared = top.job_store ?? { type: 'file' as const };
  let job_store: JobStoreConfig = { type: 'file' };
  if (declared.type === 'kafka') {
    const kafkaSource = top.sources?.find((s) => s.type === 'kafka');
    const brokers = declared.brokers ?? kafkaSource?.brokers;
    if (brokers === undefined) {
      problems.push({ path: '$.job_store.brokers', message: 'is required when no kafka source is configured (or set env SLUICE_KAFKA_BROKERS)' });
    }
    const sasl = declared.sasl ?? kafkaSource?.sasl;
    job_store = { ...declared, brokers: brokers ?? [], ssl: declared.ssl ?? kafkaSource?.ssl ?? false, ...(sasl ? { sasl } : {}) };
  }
  if (top.audit === undefined) return { job_store };
  const type = top.audit.type ?? (job_store.type === 'kafka' ? 'kafka' : 'file');
  if (type === 'kafka' && job_store.type !== 'kafka') {
    problems.push({ path: '$.audit.type', message: 'kafka needs job_store: { type: kafka } (audit events use its connection); use type: file for <data_dir>/audit.ndjson' });
  }
  return { job_store, audit: { type, topic: top.audit.topic, account_id: top.audit.account_id } };
}

export interface ParseOptions {
  /**
   * The records come from the command line (`sluice run --input`), not the config's sources: a
   * config of jobs alone is then complete, and parking (which re-reads a Kafka source) is off
   * unless asked for.
   */
  sourcesFromCommandLine?: boolean;
}

/**
 * Validates an already-parsed config value (tests, the embedded default). Throws ConfigError.
 * `env` supplies the SLUICE_KAFKA_* overrides and the deployment ones (listen addresses, the
 * shutdown deadline: deployment-env.ts) (default: process.env).
 */
export function parseConfig(rawValue: unknown, source: string, env: KafkaEnv & DeploymentEnv = process.env, options: ParseOptions = {}): Config {
  const problems: Problem[] = [];
  const value = applyDeploymentEnv(applyKafkaEnv(rawValue, env), env, problems);
  const top = parseWithProblems(ConfigSchema, value, '$', problems);
  const fromCommandLine = options.sourcesFromCommandLine === true;
  if (top !== undefined && top.sources === undefined && !fromCommandLine) {
    problems.push({ path: '$.sources', message: 'is required: add at least one source (kafka, generator or ndjson), or give the records with `sluice run --input FILE|- --dataset NAME --tenant ID`' });
  }
  // Jobs are validated even when other parts of the config are broken: all problems at once.
  const limits = resolveLimits(own(value, 'limits'), problems);
  const rawJobs = own(value, 'jobs');
  const jobs = Array.isArray(rawJobs) ? validateJobs(rawJobs, limits, problems) : [];
  const store = top === undefined ? {} : resolveStoreAndAudit(top, problems);
  // Parked jobs are read again from Kafka: on by default where that is possible, an error where asked for and not.
  const oneKafkaSource = top !== undefined && !fromCommandLine && top.sources?.length === 1 && top.sources[0]!.type === 'kafka';
  if (top?.pipeline.parking.enabled === true && !oneKafkaSource) {
    const why = fromCommandLine ? '--input replaces the config\'s sources' : 'needs exactly one source, of type kafka';
    problems.push({ path: '$.pipeline.parking.enabled', message: `${why} (parked jobs are read again from Kafka); remove it or set it to false` });
  }
  if (top === undefined || problems.length > 0) {
    throw new ConfigError(source, problems.length > 0 ? problems : [{ path: '$', message: 'is not a valid config' }]);
  }
  const plan = planMemory(top.memory.limit_mb, top.pipeline.workers);
  const pipeline = { ...top.pipeline, in_flight_bytes: top.pipeline.in_flight_bytes ?? plan.inFlightBytes, parking: { ...top.pipeline.parking, enabled: top.pipeline.parking.enabled ?? oneKafkaSource } };
  const sources = (top.sources ?? []).map((source) => withFetchSizes(source, plan));
  const memory = { limit_mb: top.memory.limit_mb, worker_heap: plan.workerHeap };
  return { data_dir: top.data_dir, limits, pipeline, sources, jobs, memory, ...(top.api ? { api: top.api } : {}), ...store, ...(top.telemetry ? { telemetry: top.telemetry } : {}), audit_digests: top.audit_digests, destinations: top.destinations, shutdown: top.shutdown };
}

/** A kafka source with the fetch sizes it leaves out taken from the memory plan. */
function withFetchSizes(source: SourceConfig, plan: MemoryPlan): SourceConfig {
  if (source.type !== 'kafka') return source;
  const maxBytes = source.max_bytes ?? plan.kafkaMaxBytes;
  return { ...source, max_bytes: maxBytes, max_bytes_per_partition: source.max_bytes_per_partition ?? maxBytesPerPartitionFor(maxBytes) };
}

function firstLine(message: string): string {
  // yaml's messages are "Reason at line L, column C:\n\n<excerpt>"; the position is reported separately.
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function parseText(text: string, format: ConfigFormat, source: string): unknown {
  if (format === 'json') {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    try {
      return JSON.parse(body);
    } catch (error) {
      // V8's message may quote a stretch of the file; config files hold credentials
      // (destination_conf), so only the reason is kept, never the quoted text.
      const v8 = (error as Error).message;
      const reason = v8.startsWith('Unexpected token') ? 'unexpected token' : v8.replace(/ in JSON at position \d+[\s\S]*$/, '');
      const { line, column } = lineColumn(body, Math.max(0, jsonErrorOffset(body)));
      throw new ConfigError(source, [{ path: '$', message: `invalid JSON at line ${line}, column ${column}: ${reason}` }]);
    }
  }
  const document = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(source, document.errors.map((error) => {
      const position = error.linePos?.[0];
      const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
      return { path: '$', message: `invalid YAML${where}: ${firstLine(error.message)}` };
    }));
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(source, [{ path: '$', message: `invalid YAML: ${(error as Error).message}` }]);
  }
}

/** Parses JSON or YAML text and validates it. Throws ConfigError. */
export function parseConfigText(text: string, format: ConfigFormat, source: string, options: ParseOptions = {}): Config {
  return parseConfig(parseText(text, format, source), source, process.env, options);
}

export function configFormat(path: string): ConfigFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return undefined;
}

/** Reads a .json, .yaml or .yml config file and validates it. Throws ConfigError (code ERR_CONFIG). */
export async function loadConfig(path: string, options: ParseOptions = {}): Promise<Config> {
  const format = configFormat(path);
  if (format === undefined) {
    throw new ConfigError(path, [{ path: '$', message: `unsupported file extension "${extname(path)}"; use .json, .yaml or .yml` }]);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '$', message: `cannot read the file: ${(error as Error).message}` }]);
  }
  return parseConfigText(text, format, path, options);
}
