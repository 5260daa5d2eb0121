// Assembles a running sluice from a validated config: worker pool, pipeline, destinations and
// sources; prints progress; shuts down gracefully (flush open batches, wait for deliveries up
// to a deadline) on a signal, after --seconds, or when finite sources are done.

import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { DIGEST_SIGNING_KEY_FILE, type Config } from './config/schema.ts';
import { Pipeline } from './core/pipeline.ts';
import { MemoryGuard } from './core/memory-guard.ts';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './shared/backoff.ts';
import type { JobRuntime } from './core/job-runtime.ts';
import { quarantine, quarantinePoison } from './core/quarantine.ts';
import { createDestination } from './destinations/create.ts';
import { NetworkPolicy } from './destinations/net/network-policy.ts';
import { AuditDigests } from './audit/digesting-destination.ts';
import { WorkerPool } from './pool/worker-pool.ts';
import { deadLetterPaths, ownedRegistry, writeDeadLetters } from './sources/partition-owners.ts';
import type { PartitionHandle, PoisonRecord, Source } from './core/source.ts';
import { progressLine, snapshot, summaryLines } from './telemetry/progress.ts';
import { openAdminSide, type AdminSide } from './service-api.ts';
import { shutdownDeadline } from './service-shutdown.ts';
import { prepareParking } from './service-parking.ts';
import { SluiceMetrics, type KafkaEventsView, type LagView } from './telemetry/metrics.ts';
import { startOpsServer } from './telemetry/ops-server.ts';
import { Readiness } from './telemetry/readiness.ts';

/** The metrics registry and readiness checks a service reports into. */
export interface ServiceTelemetry {
  metrics: SluiceMetrics;
  readiness: Readiness;
}

export interface ServiceOptions {
  config: Config;
  sources: Source[];
  log: Logger;
  /** Stop after this many seconds (the bounded form for scripts); undefined = until a signal. */
  seconds?: number;
  /** Where progress and summary lines go (stdout by default). */
  print?: (line: string) => void;
  progressEveryMs?: number;
  /** How long everything after a stop request may take (default: config shutdown.deadline_seconds; service-shutdown.ts). */
  shutdownTimeoutMs?: number;
  /** Exit the process with status 1 if the shutdown is still running at its deadline (the CLI; never in-process tests). */
  exitAtShutdownDeadline?: boolean;
  /** Handle SIGINT/SIGTERM (off in tests that run several services in one process). */
  handleSignals?: boolean;
  /** Worker entry module; tests substitute one that misbehaves on purpose. */
  workerFile?: string;
  /** Delivery retry backoff (default DEFAULT_BACKOFF); tests shorten the 30 s wait after a non-retryable error. */
  backoff?: BackoffPolicy;
  /** Called once the pipeline exists, before sources start: tests sample its buffered bytes and stats. */
  onStarted?(pipeline: Pipeline): void;
  /**
   * Caller-owned telemetry (tests scrape it after the run); the caller serves it. Without it, a
   * config with `telemetry:` gets its own, served on telemetry.listen for the life of the run.
   */
  telemetry?: ServiceTelemetry;
  /** Called with the ops listener's URL once it listens (config `telemetry:`, no caller-owned telemetry). */
  onTelemetryListening?(url: string): void;
}

export interface ServiceOutcome {
  /** Records pushed but not acknowledged when the service stopped (0 = everything delivered). */
  undelivered: number;
  runtimes: readonly JobRuntime[];
  pipeline: Pipeline;
}

export async function runService(options: ServiceOptions): Promise<ServiceOutcome> {
  const { config } = options;
  const owned = !options.telemetry && config.telemetry
    ? { metrics: new SluiceMetrics({ defaultMetrics: config.telemetry.default_metrics }), readiness: new Readiness() }
    : null;
  const telemetry = options.telemetry ?? owned;
  // Opened first, so /healthz answers (and /readyz says what is missing) while a job store loads.
  const ops = owned && config.telemetry ? await startOpsServer({ listen: config.telemetry.listen, ...owned }) : null;
  if (ops) {
    (options.print ?? ((line: string) => process.stdout.write(`${line}\n`)))(`sluice: metrics on ${ops.url}/metrics`);
    options.onTelemetryListening?.(ops.url);
  }
  try {
    return await runPipeline(options, telemetry);
  } finally {
    await ops?.close();
  }
}

async function runPipeline(options: ServiceOptions, telemetry: ServiceTelemetry | null): Promise<ServiceOutcome> {
  const { config, log } = options;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  let sourcesStarted = false;
  const startedAt = Date.now();
  // With `api:`, jobs come from the job store (seeded from `jobs:` when it never held any);
  // without it, `jobs:` is the static set. Opened first: a store that cannot load stops the
  // start before anything else exists.
  let admin: AdminSide | null | undefined;
  telemetry?.readiness.set('job_store', () => (admin === undefined ? 'the job store is loading' : null));
  admin = config.api ? await openAdminSide(config, log) : null;
  if (admin && telemetry) {
    const { metrics } = telemetry;
    if (admin.store.lastRejection()) metrics.jobStoreRefused(admin.store.lastRejection()!.reason);
    admin.store.onRejected((rejection) => metrics.jobStoreRefused(rejection.reason));
  }
  const pool = new WorkerPool({
    threads: config.pipeline.workers,
    heapLimits: config.memory.worker_heap,
    ...(options.workerFile ? { filename: options.workerFile } : {}),
    onAttemptFailed: (attempt, error) => {
      pipeline.stats.workerFailures++;
      log.error({ attempt, err: error instanceof Error ? error.message : String(error) }, 'a worker failed a batch; retrying it');
    },
  });
  const quarantineRoot = resolve(config.data_dir, 'quarantine');
  // Every connection a job makes goes only where the operator's allow_networks permits.
  const network = NetworkPolicy.fromConfig(config.destinations);
  const digests = new AuditDigests({
    network,
    enabled: config.audit_digests.enabled,
    intervalSeconds: config.audit_digests.interval_seconds,
    signingKeyFile: resolve(config.data_dir, config.audit_digests.signing_key_file ?? DIGEST_SIGNING_KEY_FILE),
    log,
    ...(telemetry ? { onDigestAttempt: (outcome: 'written' | 'failed') => telemetry.metrics.auditDigestWritten(outcome) } : {}),
  });
  try {
    await digests.prepare(admin ? admin.jobs : config.jobs);
  } catch (error) {
    await admin?.close();
    await pool.destroy();
    throw error;
  }
  /** Which source opened each partition, so a poison record goes to its own source's dead letters. */
  const owners = new Map<PartitionHandle, Source>();
  /** Each dead-letter sink behind bounded retries, set aside to quarantine while it refuses writes. */
  const deadLetters = deadLetterPaths(options.sources, {
    quarantine: (records, why) => quarantinePoison(quarantineRoot, records, why),
    log,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    ...(telemetry ? { metrics: telemetry.metrics } : {}),
  });
  // Failing jobs are parked and caught up from Kafka instead of pausing everyone (on by default with one Kafka source).
  const parking = prepareParking(config, options.sources, log, (runtime) => disableParkedJob(runtime, config, admin, log), telemetry?.metrics);
  const pipeline: Pipeline = new Pipeline({
    ...(parking ? { parking: parking.option } : {}),
    jobs: admin ? admin.jobs : config.jobs,
    pool,
    createDestination: (job) => digests.wrap(job, createDestination(job.destination_conf, { network })),
    log,
    inFlightBytes: config.pipeline.in_flight_bytes,
    ...(config.memory.limit_mb > 0 ? { memoryGuard: new MemoryGuard(config.memory.limit_mb * 1024 * 1024) } : {}),
    maxRecordBytes: config.limits.max_record_bytes,
    chunkBytes: config.pipeline.chunk_bytes,
    partBytes: config.pipeline.part_bytes,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(deadLetters.size > 0 ? { deadLetter: (records: PoisonRecord[], signal: AbortSignal) => writeDeadLetters(owners, deadLetters, records, signal) } : {}),
    onCommittable: (partition, offset) => {
      for (const source of options.sources) source.committable?.(partition, offset);
    },
    quarantine: (runtime, batch, batchId, reason) => quarantine(quarantineRoot, runtime, batch, batchId, reason, log),
    ...(telemetry ? { metrics: telemetry.metrics } : {}),
  });
  if (telemetry) watch(telemetry, config, pipeline, pool, options.sources, () => sourcesStarted);
  // Parking runs with one Kafka source: a catch-up reader's poison goes to that source's path.
  const liveDeadLetter = options.sources[0]?.deadLetterSink ? deadLetters.get(options.sources[0].deadLetterSink) : undefined;
  parking?.start(pipeline, {
    ...(liveDeadLetter ? { deadLetter: (records: PoisonRecord[], signal: AbortSignal) => liveDeadLetter.store(records, signal) } : {}),
    pool,
    maxRecordBytes: config.limits.max_record_bytes,
    chunkBytes: config.pipeline.chunk_bytes,
    partBytes: config.pipeline.part_bytes,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    quarantine: (runtime, batch, batchId, reason) => quarantine(quarantineRoot, runtime, batch, batchId, reason, log),
  });

  // The clock starts at the first stop request and covers everything after it, final commit included.
  const deadline = shutdownDeadline({
    deadlineMs: options.shutdownTimeoutMs ?? config.shutdown.deadline_seconds * 1000,
    log,
    abortDeliveries: () => pipeline.abortDeliveries(),
    exitAtDeadline: options.exitAtShutdownDeadline === true,
  });
  let stopping = false;
  let resolveStop!: () => void;
  const stopRequested = new Promise<void>((r) => (resolveStop = r));
  const stop = (why: string, level: 'info' | 'debug' = 'info') => {
    if (stopping) return;
    stopping = true;
    deadline.start();
    log[level]({ reason: why }, 'stopping: no new records, flushing open batches');
    for (const source of options.sources) source.stop();
    resolveStop();
  };

  const onSignal = (signal: string) => {
    if (stopping) {
      // Second signal: leave at once. Nothing unacknowledged was committed, so a source that
      // can replay (Kafka) re-delivers it on restart.
      print(`${signal} again: exiting now without waiting for deliveries`);
      process.exit(130);
    }
    stop(signal);
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  if (options.handleSignals !== false) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  const bound = options.seconds !== undefined ? setTimeout(() => stop(`--seconds ${options.seconds}`), options.seconds * 1000) : null;

  let last = snapshot(pipeline.stats, Date.now());
  const progress = setInterval(() => {
    const now = snapshot(pipeline.stats, Date.now());
    print(progressLine(pipeline.stats, last, now, pipeline.bufferedBytes));
    last = now;
  }, options.progressEveryMs ?? 3000);
  progress.unref();
  options.onStarted?.(pipeline);
  if (admin) {
    try {
      print(`sluice: admin API on ${await admin.serve(pipeline)}`);
    } catch (error) {
      clearInterval(progress);
      if (bound) clearTimeout(bound);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      await admin.close();
      await pool.destroy();
      await pipeline.shutdown();
      throw error;
    }
  }

  // Finite sources end on their own; when all have, stop as if asked to.
  sourcesStarted = true;
  const sourcesDone = Promise.all(options.sources.map((source) => source.run(pipeline, ownedRegistry(pipeline, source, owners))));
  const failed = sourcesDone.then(
    () => stop('input finished'),
    (error: unknown) => {
      // The error itself is what the user sees (one line from the CLI); no need to say it twice.
      stop('a source failed', 'debug');
      throw error;
    },
  );
  failed.catch(() => {});
  await stopRequested;
  let sourceError: unknown = null;
  await failed.catch((error: unknown) => (sourceError = error));
  // No job changes while the last batches drain: the API stops answering, the store stops following.
  await admin?.close();
  // Catch-up readers stop first; what they delivered is in the positions the final commit carries.
  await parking?.close();

  await pipeline.flush();
  if (bound) clearTimeout(bound);
  clearInterval(progress);
  // Deliveries are done (or abandoned): sources record their final positions (Kafka commits)
  // first, before workers and destinations close, so that nothing slow there can delay it.
  await Promise.all(options.sources.map((source) => source.close?.()));
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  await pool.destroy();
  await pipeline.shutdown();
  deadline.clear();

  const undelivered = pipeline.positions().reduce((sum, p) => sum + p.outstanding, 0);
  // A source that failed before delivering anything (unreachable broker, unknown topic) is a
  // startup error: the CLI prints it as one line, and a summary of zeros would only be noise.
  const startedUp = !sourceError || pipeline.stats.recordsIn > 0;
  if (startedUp) for (const line of summaryLines(pipeline.stats, Date.now() - startedAt)) print(line);
  for (const runtime of pipeline.runtimes) {
    const h = runtime.health;
    if (h.error_message) print(`job ${runtime.job.id}: last error ${h.last_error}: ${h.error_message}`);
  }
  if (sourceError) throw sourceError;
  return { undelivered, runtimes: pipeline.runtimes, pipeline };
}

/**
 * A job parked for pipeline.parking.disable_after_hours is disabled in the job store (Logpush
 * disables a job that fails for a day). Its positions stay with the commits, so enabling it
 * again resumes where it stopped. Jobs of a config file (no api:) cannot be disabled: they stay
 * parked, and the log says so.
 */
function disableParkedJob(runtime: JobRuntime, config: Config, admin: AdminSide | null | undefined, log: Logger): void {
  const jobId = runtime.job.id;
  const reason = `disabled after ${config.pipeline.parking.disable_after_hours} h parked (${runtime.health.error_message ?? 'its destination kept failing'}); enable it again to resume from where it stopped, for records the topic still holds`;
  if (!admin) {
    log.error({ job_id: jobId }, 'a job has been parked for pipeline.parking.disable_after_hours; jobs from the config file cannot be disabled, so it stays parked');
    return;
  }
  runtime.health.error_message = reason;
  admin.disableJob(jobId, reason).catch((error: unknown) => {
    runtime.disableRequested = false; // asked again at the next tick
    log.error({ job_id: jobId, err: error instanceof Error ? error.message : String(error) }, 'disabling a job parked too long failed; will try again');
  });
}

/** Points metrics at the running parts and registers the /readyz checks. */
function watch(telemetry: ServiceTelemetry, config: Config, pipeline: Pipeline, pool: WorkerPool, sources: readonly Source[], started: () => boolean): void {
  const { metrics, readiness } = telemetry;
  metrics.watchPipeline(pipeline, config.pipeline.in_flight_bytes);
  if (pipeline.memoryGuard) metrics.watchMemory(pipeline.memoryGuard);
  metrics.watchPool(pool);
  const topics = config.sources.flatMap((source) => (source.type === 'kafka' ? source.topics.map((t) => t.topic) : []));
  for (const source of sources) {
    const lagging = source as Partial<LagView>;
    if (typeof lagging.consumerLag === 'function') metrics.watchConsumerLag(lagging as LagView, topics);
    const counting = source as Partial<KafkaEventsView>;
    if (typeof counting.recordsWithoutTenantByTopic === 'function' && counting.stats !== undefined) metrics.watchKafkaEvents(counting as KafkaEventsView);
  }
  readiness.set('worker_pool', () => (pool.alive ? null : 'the worker pool is not running'));
  readiness.set('sources', () => {
    if (!started()) return 'the sources have not started';
    const waiting = sources.filter((source) => source.connected === false).map((source) => source.kind);
    return waiting.length === 0 ? null : `not connected yet: ${waiting.join(', ')}`;
  });
}
