// The sluice config file (JSON or YAML), declared as zod schemas with descriptions. load.ts
// parses with these, validates each job with validateJob, and resolves cross-field defaults.
// Sources are a discriminated union on `type`: a new source kind (kafka) is one more schema
// added to SOURCE_SCHEMAS.

import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { listDatasets } from '../datasets/catalog.ts';
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_INTERVAL_SECONDS, MAX_UPLOAD_RECORDS, TenantIdSchema } from '../jobs/schema.ts';
import { LOGPUSH_LIMITS, type Job, type JobLimits } from '../jobs/types.ts';
import { cidrProblem } from '../destinations/net/cidr.ts';
import { DEFAULT_MEMORY_LIMIT_MB, type WorkerHeapLimits } from './memory-plan.ts';

export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
export const DEFAULT_DATA_DIR = './data';

const DatasetSchema = z.enum(listDatasets() as [string, ...string[]]);

export const LimitsSchema = z.strictObject({
  min_upload_interval_seconds: z.number().gt(0).max(MAX_UPLOAD_INTERVAL_SECONDS).default(LOGPUSH_LIMITS.min_upload_interval_seconds)
    .describe('Lowest max_upload_interval_seconds a job may ask for (Logpush: 30). May be fractional (e.g. 0.2) for tests.'),
  min_upload_records: z.int().min(1).max(MAX_UPLOAD_RECORDS).default(LOGPUSH_LIMITS.min_upload_records)
    .describe('Lowest max_upload_records a job may ask for (Logpush: 1000).'),
  min_upload_bytes: z.int().min(1).max(MAX_UPLOAD_BYTES).default(LOGPUSH_LIMITS.min_upload_bytes)
    .describe('Lowest max_upload_bytes a job may ask for (Logpush: 5,000,000).'),
  default_upload_bytes: z.int().min(1).max(MAX_UPLOAD_BYTES).optional()
    .describe(`Batch size for jobs that leave max_upload_bytes at 0; default ${LOGPUSH_LIMITS.default_upload_bytes} (or min_upload_bytes if larger).`),
  max_record_bytes: z.int().min(1).default(DEFAULT_MAX_RECORD_BYTES)
    .describe('Records larger than this are dropped as oversized (counted and acknowledged); default 1 MiB.'),
}).describe('Operator limits that bound what jobs may ask for.');

export const ParkingSchema = z.strictObject({
  enabled: z.boolean().optional()
    .describe('Park jobs whose destination keeps failing or stalls, and catch them up from Kafka later (docs/architecture.md "Parking and catch-up"), so one job cannot pause intake for all. Needs exactly one kafka source. Default: on when the config has exactly one source and it is kafka, off otherwise (true with other sources is an error).'),
  job_share: z.number().gt(0).max(1).default(0.5)
    .describe('Share of pipeline.in_flight_bytes one job may hold before it may be parked (when it also stalls); default 0.5. Also each catch-up reader\'s budget.'),
  after_failing_seconds: z.number().gt(0).max(86_400).default(60)
    .describe('A job whose destination has failed this long without a success is parked; default 60.'),
  stalled_seconds: z.number().gt(0).max(86_400).default(15)
    .describe('A job at its share is parked when none of its batches was delivered for this long; default 15.'),
  disable_after_hours: z.number().gt(0).max(8760).default(24)
    .describe('A job parked this long is disabled in the job store (with an audit event and an error_message saying why), as Logpush disables a job that fails for a day; enabling it again resumes from its saved positions while Kafka still holds them. Default 24. Jobs from a config file without api: stay parked.'),
  catch_up_readers: z.int().min(1).max(64).default(2)
    .describe('Parked jobs caught up at once (each reader is its own Kafka consumer); default 2.'),
  catch_up_records_per_second: z.int().min(1).default(20_000)
    .describe('Records per second each catch-up reader takes from Kafka at most (a token bucket that pauses and resumes its partitions), so re-reading a backlog cannot starve the live path; default 20000.'),
  hand_back_lag: z.int().min(0).default(1000)
    .describe('A reader hands its job back to the live path once it is at most this many offsets behind on every partition; default 1000.'),
}).describe('Isolation of failing jobs (invariant 4).');
export type ParkingConfig = z.output<typeof ParkingSchema>;

export const PipelineSchema = z.strictObject({
  workers: z.int().min(1).max(1024).default(() => availableParallelism())
    .describe('Worker threads that filter, encode and compress batches; default: the number of CPUs.'),
  in_flight_bytes: z.int().min(1).optional()
    .describe('Global budget of memory held by open and in-flight batches: their record bytes plus each batch\'s own cost (tables, buffer pages, objects; ~12 KiB a batch); intake pauses when reached. Default: 256 MiB, or a quarter of memory.limit_mb when one is set (128 MiB at 512).'),
  chunk_bytes: z.int().min(0).default(DEFAULT_CHUNK_BYTES)
    .describe('Uncompressed bytes per independently compressed chunk; 0 = one chunk per batch. Default 8 MiB.'),
  part_bytes: z.int().min(64 * 1024).default(DEFAULT_PART_BYTES)
    .describe('A batch with more input bytes than this is encoded as several parts on several workers at once, and its first parts are uploaded while later ones encode. Default 16 MiB.'),
  parking: ParkingSchema.prefault({}),
}).describe('How the pipeline uses the machine.');

export const GeneratorSourceSchema = z.strictObject({
  type: z.literal('generator'),
  dataset: DatasetSchema.default('http_requests').describe('Which dataset the generated events belong to: http_requests events are realistic, other datasets get values of their fields\' catalog types. Default http_requests.'),
  rate: z.number().min(0).default(5000).describe('Records per second; 0 = as fast as possible. Default 5000.'),
  seed: z.int().default(1).describe('Random seed; the same seed gives the same events. Default 1.'),
  tenants: z.array(TenantIdSchema).min(1).optional().describe('Zone/account ids to spread events over; default: the generator\'s built-in zones.'),
  records: z.int().min(1).optional().describe('Stop after this many records; default: run until stopped.'),
}).describe('Built-in generator of realistic events.');

export const NdjsonSourceSchema = z.strictObject({
  type: z.literal('ndjson'),
  path: z.string().min(1).describe('File of NDJSON events, or "-" for standard input.'),
  dataset: DatasetSchema.describe('Which dataset the events belong to.'),
  tenant: TenantIdSchema.describe('The zone or account id every event in the file belongs to.'),
}).describe('NDJSON events from a file or stdin.');

export const DEFAULT_KAFKA_CLIENT_ID = 'sluice';
export const DEFAULT_KAFKA_COMMIT_INTERVAL_MS = 1000;
export const DEFAULT_KAFKA_SESSION_TIMEOUT_MS = 30_000;
/** At memory.limit_mb 64 and above (memory-plan.ts); bench/e2e/baseline-consumer.ts uses it too. */
export const DEFAULT_KAFKA_MAX_BYTES_PER_PARTITION = 1024 * 1024;

/** host:port or [ipv6]:port, port 1–65535. */
const BROKER_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):([0-9]{1,5})$/;

const BrokerSchema = z.string().check((ctx) => {
  const match = BROKER_PATTERN.exec(ctx.value);
  const port = match ? Number(match[1]) : 0;
  if (!match || port < 1 || port > 65535) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: `must be host:port (e.g. 127.0.0.1:9092), got ${JSON.stringify(ctx.value)}` });
  }
});

/** Kafka's legal topic names: 1–249 of [a-zA-Z0-9._-], not "." or "..". */
const KafkaTopicNameSchema = z.string().check((ctx) => {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(ctx.value) || ctx.value === '.' || ctx.value === '..') {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: `is not a legal Kafka topic name (1–249 of a-z A-Z 0-9 . _ -), got ${JSON.stringify(ctx.value)}` });
  }
});

export const TenantFromSchema = z.strictObject({
  key: z.literal(true).optional().describe('The tenant (zone or account id) is the record key.'),
  header: z.string().min(1).optional().describe('The tenant is the value of this record header.'),
}).check((ctx) => {
  const byKey = ctx.value.key === true;
  const byHeader = ctx.value.header !== undefined;
  if (byKey === byHeader) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: byKey ? 'set either key: true or header: "<name>", not both' : 'must say where the tenant is: { key: true } or { header: "<name>" }' });
  }
}).describe('Where each record\'s tenant (zone or account id) comes from.');

export const KafkaTopicSchema = z.strictObject({
  topic: KafkaTopicNameSchema.describe('Topic name.'),
  dataset: DatasetSchema.describe('Which dataset the topic\'s records belong to.'),
  tenant_from: TenantFromSchema,
}).describe('A topic to consume and what its records are.');

export const KafkaSaslSchema = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).default('plain').describe('SASL mechanism; default plain.'),
  username: z.string().min(1).describe('SASL user name (env SLUICE_KAFKA_USERNAME overrides).'),
  password: z.string().min(1).describe('SASL password (env SLUICE_KAFKA_PASSWORD overrides). Never logged.'),
}).describe('SASL authentication.');

export const KafkaSourceSchema = z.strictObject({
  type: z.literal('kafka'),
  brokers: z.array(BrokerSchema).min(1).describe('Bootstrap brokers, host:port (env SLUICE_KAFKA_BROKERS, comma separated, overrides).'),
  client_id: z.string().min(1).default(DEFAULT_KAFKA_CLIENT_ID).describe(`Kafka client id; default "${DEFAULT_KAFKA_CLIENT_ID}".`),
  group_id: z.string().min(1).describe('Consumer group id; committed offsets belong to it.'),
  topics: z.array(KafkaTopicSchema).min(1).check((ctx) => {
    const seen = new Map<string, number>();
    ctx.value.forEach((t, i) => {
      const first = seen.get(t.topic);
      if (first === undefined) seen.set(t.topic, i);
      else ctx.issues.push({ code: 'custom', input: t.topic, path: [i, 'topic'], message: `topic ${JSON.stringify(t.topic)} is already listed at topics[${first}]` });
    });
  }).describe('Topics to consume, each with its dataset and tenant location.'),
  sasl: KafkaSaslSchema.optional(),
  ssl: z.boolean().default(false).describe('Connect with TLS (system CAs); default false.'),
  from_beginning: z.boolean().default(true).describe('A group with no committed offset starts at the earliest record (true, default) or the latest (false).'),
  commit_interval_ms: z.int().min(10).max(3_600_000).default(DEFAULT_KAFKA_COMMIT_INTERVAL_MS)
    .describe(`How often delivered positions are committed; also on rebalance and shutdown. Default ${DEFAULT_KAFKA_COMMIT_INTERVAL_MS}.`),
  session_timeout_ms: z.int().min(1000).max(3_600_000).default(DEFAULT_KAFKA_SESSION_TIMEOUT_MS)
    .describe(`Consumer group session timeout; default ${DEFAULT_KAFKA_SESSION_TIMEOUT_MS}.`),
  max_bytes_per_partition: z.int().min(1024).optional()
    .describe('Most bytes one fetch returns per partition; default: a quarter of max_bytes, at most 1 MiB (1 MiB without memory.limit_mb, or at 64 and above).'),
  max_bytes: z.int().min(1024).optional()
    .describe('Most bytes one fetch returns over all partitions; default: 10 MiB (kafkajs\'s), or with memory.limit_mb set 1/32 of it, at most 10 MiB (10 MiB at 320 and above).'),
  dead_letter_topic: KafkaTopicNameSchema.optional().describe('Topic poison records (not JSON, oversized, wrong field type) are copied to, with the error in headers, before they are acknowledged. Checked at startup like the source topics.'),
}).describe('Kafka consumer group (kafkajs); at-least-once: offsets are committed only up to delivered records.');

/** host:port of a listener (the admin API, the telemetry port). */
const ListenSchema = z.string().check((ctx) => {
  const match = BROKER_PATTERN.exec(ctx.value);
  const port = match ? Number(match[1]) : -1;
  if (!match || port < 0 || port > 65535) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: `must be host:port (e.g. 127.0.0.1:8787), got ${JSON.stringify(ctx.value)}` });
  }
});

/** A validated listen address split for server.listen: `[::1]:0` → { host: '::1', port: 0 }. */
export function splitListen(listen: string): { host: string; port: number } {
  const cut = listen.lastIndexOf(':');
  return { host: listen.slice(0, cut).replace(/^\[|\]$/g, ''), port: Number(listen.slice(cut + 1)) };
}

export const DEFAULT_API_LISTEN = '127.0.0.1:8787';

export const ApiTlsConfigSchema = z.strictObject({
  cert_file: z.string().min(1).describe('PEM certificate the admin API presents, followed by any intermediate certificates. Relative to the working directory.'),
  key_file: z.string().min(1).describe('PEM private key of that certificate, unencrypted (keep it mode 0600). Relative to the working directory.'),
  min_version: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted; default TLSv1.2.'),
}).describe('Serve the admin API over HTTPS (without this section: plain HTTP). Both files are checked at start (a missing file or a key of another certificate stops sluice) and re-read on SIGHUP.');
export type ApiTlsConfig = z.output<typeof ApiTlsConfigSchema>;

export const ApiConfigSchema = z.strictObject({
  listen: ListenSchema.default(DEFAULT_API_LISTEN).describe(`Address of the admin API; default ${DEFAULT_API_LISTEN} (loopback only).`),
  tls: ApiTlsConfigSchema.optional(),
  tokens_file: z.string().min(1).optional()
    .describe('JSON file of API tokens (SHA-256 hashes and scopes); default <data_dir>/api-tokens.json. The operator token comes from env SLUICE_OPERATOR_TOKEN.'),
  max_jobs_per_zone: z.int().min(1).max(10_000).default(4).describe('Jobs a zone may have; default 4 (as Logpush).'),
  max_jobs_per_account: z.int().min(1).max(10_000).default(4).describe('Jobs an account may have; default 4.'),
  max_body_bytes: z.int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024).describe('Largest request body; default 1 MiB.'),
  rate_per_second: z.number().gt(0).default(20).describe('Requests per second per token; default 20.'),
  rate_burst: z.int().min(1).default(40).describe('Requests a token may send at once; default 40.'),
  ownership_ttl_seconds: z.int().min(60).max(30 * 86400).default(86400).describe('How long an ownership challenge stays valid; default 24 h.'),
}).describe('Admin HTTP API (Logpush-compatible job management).');

export type ApiConfig = z.output<typeof ApiConfigSchema>;

export const DEFAULT_TELEMETRY_LISTEN = '127.0.0.1:9464';

export const TelemetryConfigSchema = z.strictObject({
  listen: ListenSchema.default(DEFAULT_TELEMETRY_LISTEN)
    .describe(`Address of the operations listener (GET /metrics, /healthz, /readyz); default ${DEFAULT_TELEMETRY_LISTEN} (loopback only). Port 0 picks a free port.`),
  default_metrics: z.boolean().default(true).describe('Also export prom-client\'s process_* and nodejs_* metrics (event loop delay, heap, GC); default true.'),
}).describe('Prometheus metrics and health probes (docs/metrics.md). Without this section no listener is opened.');
export type TelemetryConfig = z.output<typeof TelemetryConfigSchema>;

/**
 * Below Kubernetes' default terminationGracePeriodSeconds (30): the whole shutdown, final offset
 * commit included, ends before the kubelet's SIGKILL would cut it off.
 */
export const DEFAULT_SHUTDOWN_DEADLINE_SECONDS = 25;

export const ShutdownConfigSchema = z.strictObject({
  deadline_seconds: z.number().gt(0).max(3600).default(DEFAULT_SHUTDOWN_DEADLINE_SECONDS)
    .describe(`Everything after the first SIGTERM/SIGINT (or --seconds, or the end of the input) fits in this: the admin API and catch-up readers stop, open batches are flushed and delivered, the final Kafka offset commit is made and the group is left. Deliveries still failing are abandoned (not acknowledged, so not committed) early enough to leave time for the commit; if the commit itself is still running at the deadline, sluice exits with status 1 anyway. Keep it below the orchestrator's grace period (Kubernetes terminationGracePeriodSeconds, docker stop -t). Env SLUICE_SHUTDOWN_DEADLINE_SECONDS overrides. Default ${DEFAULT_SHUTDOWN_DEADLINE_SECONDS}.`),
}).describe('Graceful shutdown. A second signal exits at once (status 130).');
export type ShutdownConfig = z.output<typeof ShutdownConfigSchema>;

export const DEFAULT_JOB_STORE_TOPIC = 'sluice-jobs';
export const DEFAULT_AUDIT_TOPIC = 'audit_logs';

export const FileJobStoreConfigSchema = z.strictObject({
  type: z.literal('file'),
}).describe('Jobs in <data_dir>/jobs.json (atomic writes, previous version kept as jobs.json.bak): one instance.');

export const KafkaJobStoreConfigSchema = z.strictObject({
  type: z.literal('kafka'),
  brokers: z.array(BrokerSchema).min(1).optional()
    .describe('Bootstrap brokers; default: the first kafka source\'s brokers (env SLUICE_KAFKA_BROKERS overrides, as for sources).'),
  topic: KafkaTopicNameSchema.default(DEFAULT_JOB_STORE_TOPIC).describe(`Compacted topic keyed by job id; default "${DEFAULT_JOB_STORE_TOPIC}". Created at start if missing.`),
  client_id: z.string().min(1).default('sluice-job-store').describe('Kafka client id; default "sluice-job-store".'),
  sasl: KafkaSaslSchema.optional().describe('SASL; default: the first kafka source\'s (env SLUICE_KAFKA_USERNAME/PASSWORD override).'),
  ssl: z.boolean().optional().describe('TLS; default: the first kafka source\'s setting, else false.'),
  replication_factor: z.int().min(-1).max(32).refine((n) => n !== 0, 'must be -1 (broker default) or 1..32').default(-1)
    .describe('Replication of the topic when sluice creates it; default -1 = the broker\'s default.replication.factor.'),
  load_timeout_ms: z.int().min(1000).max(600_000).default(30_000).describe('Deadline for reading the whole topic at start; default 30000.'),
  write_timeout_ms: z.int().min(500).max(120_000).default(10_000)
    .describe('Deadline for a change to be written and read back by this instance before the API answers; default 10000.'),
}).describe('Jobs in a compacted Kafka topic shared by every instance (as Kafka Connect keeps connector configs).');

export const JobStoreConfigSchema = z.discriminatedUnion('type', [FileJobStoreConfigSchema, KafkaJobStoreConfigSchema])
  .describe('Where API-managed jobs live. Default (with api:) { type: file }.');

export const AuditConfigSchema = z.strictObject({
  type: z.enum(['kafka', 'file']).optional()
    .describe('kafka: produce each event onto `topic` (default when job_store is kafka); file: append to <data_dir>/audit.ndjson.'),
  topic: KafkaTopicNameSchema.default(DEFAULT_AUDIT_TOPIC).describe(`The audit_logs dataset's topic; default "${DEFAULT_AUDIT_TOPIC}". Must exist.`),
  account_id: TenantIdSchema.describe('The operator account: the record key (tenant) and OwnerID of every event, so an audit_logs job of this account delivers them.'),
}).describe('Audit events for every job change made through the admin API.');

export const DIGEST_SIGNING_KEY_FILE = 'digest-signing-key.pem';

export const AuditDigestsConfigSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Write signed digests for audit_logs jobs to file:// and object storage destinations; default true.'),
  interval_seconds: z.int().min(1).max(86_400).default(3600).describe('The digest chain\'s heartbeat: a digest is written about every half of it, never more than 3/4 apart while writes succeed (objects are listed before they are acknowledged, so traffic writes more often), and a chain silent for two intervals without a final digest is reported by sluice verify as stopped. Default 3600.'),
  signing_key_file: z.string().min(1).optional()
    .describe(`Ed25519 private key (PKCS#8 PEM) that signs digests; default <data_dir>/${DIGEST_SIGNING_KEY_FILE}, created with its .pub.pem on first use (or make one with \`sluice keygen\`).`),
}).describe('Integrity evidence for audit logs: signed digests list every delivered object with its SHA-256 before its records are acknowledged, and chain to each other; `sluice verify` checks a destination against them.');
export type AuditDigestsConfig = z.output<typeof AuditDigestsConfigSchema>;

/** One IPv4 or IPv6 network in CIDR form (a bare address means that one address). */
const CidrSchema = z.string().check((ctx) => {
  const problem = cidrProblem(ctx.value);
  if (problem !== null) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

export const DestinationsConfigSchema = z.strictObject({
  allow_networks: z.array(CidrSchema).default([])
    .describe('Networks that destinations may reach although they are loopback, private, link-local, multicast or metadata addresses (CIDR, e.g. "127.0.0.0/8", "::1/128", "10.20.0.0/16"). Applies to every job, to validate/destination and to ownership writes; checked on the address actually connected to. Default: none.'),
  file_roots: z.array(z.string().min(1)).default([])
    .describe('Directories under which jobs created through the admin API may write file:// output (and ownership challenges). Default: none, so API-created jobs cannot use file://. Jobs from the config file are the operator\'s own and are not limited.'),
  tenant_folders: z.boolean().default(true)
    .describe('An API-created file:// destination must also lie in its tenant\'s own folder, <root>/<zone or account id>/; default true. false lets every tenant write anywhere under the roots.'),
}).describe('Where jobs may deliver: the boundary between a tenant\'s destination and the host and network sluice runs on.');
export type DestinationsConfig = z.output<typeof DestinationsConfigSchema>;

export const MemorySchema = z.strictObject({
  limit_mb: z.int().min(0).default(DEFAULT_MEMORY_LIMIT_MB)
    .describe(`Memory the whole process (main thread, workers, batch data, the Kafka client) should stay under, in MiB; default ${DEFAULT_MEMORY_LIMIT_MB} (no limit: at 512 the RSS check slowed 10- and 1,000-job runs up to 3×, README "Memory"). It sets the defaults of pipeline.in_flight_bytes (1/4), each worker's V8 heap cap (together 1/4, at least 88 MiB a worker) and the Kafka fetch sizes (max_bytes, max_bytes_per_partition); a setting given explicitly wins. While the resident memory (RSS) is above 90% of it and batches are held, intake pauses until it is below 80% or nothing is held. It does not cover memory the kernel or the allocator keeps after sluice frees it, nor more than the minimums with many workers: lower pipeline.workers in a small container. 0 = no limit (the fixed defaults: in_flight_bytes 256 MiB, V8's heap sizes, kafkajs's fetch sizes; no RSS check).`),
}).describe('The process\'s memory limit (docs/architecture.md, invariant 3).');

/** Add new source kinds here (and a case in src/sources/create.ts). */
export const SOURCE_SCHEMAS = [GeneratorSourceSchema, NdjsonSourceSchema, KafkaSourceSchema] as const;
export const SourceSchema = z.discriminatedUnion('type', SOURCE_SCHEMAS);

export const ConfigSchema = z.strictObject({
  data_dir: z.string().min(1).default(DEFAULT_DATA_DIR).describe('Where sluice keeps its state; relative paths are relative to the working directory.'),
  limits: LimitsSchema.prefault({}),
  pipeline: PipelineSchema.prefault({}),
  sources: z.array(SourceSchema).min(1).optional().describe('Where records come from; at least one, unless `sluice run --input` gives them.'),
  // Jobs are checked one by one with validateJob (catalog- and limits-aware) after this parse.
  jobs: z.array(z.unknown()).default([]).describe('Logpush job objects; id defaults to position + 1.'),
  api: ApiConfigSchema.optional(),
  job_store: JobStoreConfigSchema.optional(),
  audit: AuditConfigSchema.optional(),
  audit_digests: AuditDigestsConfigSchema.prefault({}),
  telemetry: TelemetryConfigSchema.optional(),
  destinations: DestinationsConfigSchema.prefault({}),
  shutdown: ShutdownConfigSchema.prefault({}),
  memory: MemorySchema.prefault({}),
}).describe('sluice configuration file.');

export type LimitsConfig = JobLimits & { max_record_bytes: number };
/** The pipeline section with in_flight_bytes resolved (from memory.limit_mb unless given). */
export type PipelineConfig = Omit<z.output<typeof PipelineSchema>, 'in_flight_bytes'> & { in_flight_bytes: number };
export type SourceConfig = z.output<typeof SourceSchema>;
export type GeneratorSourceConfig = z.output<typeof GeneratorSourceSchema>;
export type NdjsonSourceConfig = z.output<typeof NdjsonSourceSchema>;
export type KafkaSourceConfig = z.output<typeof KafkaSourceSchema>;
export type KafkaTopicConfig = z.output<typeof KafkaTopicSchema>;
export type TenantFrom = z.output<typeof TenantFromSchema>;
export type KafkaJobStoreConfig = z.output<typeof KafkaJobStoreConfigSchema>;
/** The kafka store with brokers and connection settings resolved (load.ts fills them in). */
export type ResolvedKafkaJobStoreConfig = KafkaJobStoreConfig & { brokers: string[]; ssl: boolean };
export type JobStoreConfig = { type: 'file' } | ResolvedKafkaJobStoreConfig;
export type AuditConfig = { type: 'kafka' | 'file'; topic: string; account_id: string };

export interface Config {
  data_dir: string;
  limits: LimitsConfig;
  pipeline: PipelineConfig;
  sources: SourceConfig[];
  jobs: Job[];
  /** Present when the config has an `api:` section (load.ts must pass `top.api` through). */
  api?: ApiConfig;
  /**
   * Present with `api:` (default { type: file }). With a store, `jobs` only seeds the store at
   * its first start (when it holds no job yet); without one, `jobs` are the static job set.
   */
  job_store?: JobStoreConfig;
  /** Present with `api:` when the config has an `audit:` section. */
  audit?: AuditConfig;
  /** Present when the config has a `telemetry:` section: the ops listener is opened. */
  telemetry?: TelemetryConfig;
  /** Digests for audit_logs jobs (defaults when the section is absent). */
  audit_digests: AuditDigestsConfig;
  /** Which networks and host directories destinations may reach (defaults when absent). */
  destinations: DestinationsConfig;
  /** How long a graceful shutdown may take (defaults when absent). */
  shutdown: ShutdownConfig;
  /** The memory limit and what follows from it that no other section holds (memory-plan.ts). */
  memory: MemoryConfig;
}

export interface MemoryConfig {
  /** 0 = no limit. */
  limit_mb: number;
  /** Each worker's V8 heap caps; null = V8's defaults. */
  worker_heap: WorkerHeapLimits | null;
}
