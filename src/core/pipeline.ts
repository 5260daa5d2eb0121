// The main-thread pipeline: sources push raw records in; the router finds their jobs; the
// batcher fills one batch per job; sealed batches go through the worker pool to their
// destination; delivered records are acknowledged back to their partition's ack tracker, and
// committable positions flow back to the source.
//
// Memory is bounded by one global budget of buffered bytes (open + in-flight batches: records
// and each batch's own cost, open-batch.ts), a limit on how many batches exist, and one on the
// worker tasks waiting or running (pipeline-tasks.ts), and, with memory.limit_mb, the process RSS
// (memory-guard.ts). When any is reached, `push` returns false and the source must wait for
// `onDrain` (Kafka: pause).
// With a source that can re-read records (a ParkingPort), a job that fails for too long, or
// that holds its whole share of the budget without delivering, is parked instead: its memory
// is freed and its resume positions go with the source's commits (docs/architecture.md, invariant 4),
// so one tenant's broken destination does not pause everyone's intake.

import type { Logger } from 'pino';
import type { Destination } from '../destinations/destination.ts';
import type { Job } from '../jobs/types.ts';
import type { WorkerPool } from '../pool/worker-pool.ts';
import type { PartitionHandle, PartitionRegistry, PoisonRecord, RecordSink } from './source.ts';
import { CountedPartition, DatasetCounterTable, type DatasetCounters } from './dataset-counters.ts';
import { RateLimiter } from '../shared/log.ts';
import { NO_DELIVERY_METRICS, type DeliveryMetrics } from './delivery-metrics.ts';
import { PartitionTracker } from './ack-tracker.ts';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../shared/backoff.ts';
import { Batcher } from './batcher.ts';
import { SharedBufferPool } from './buffer-pool.ts';
import { storePoison, type DeadLetterWriter } from './dead-letter.ts';
import { deliverBatch, type DeliveryContext } from './delivery.ts';
import { createJobRuntime, type JobRuntime } from './job-runtime.ts';
import { PipelineTasks, TASKS_PER_WORKER } from './pipeline-tasks.ts';
import { SAMPLE_EVERY_MS, type MemoryGuard } from './memory-guard.ts';
import { parkingReason, resumePositions, type ParkingPort, type ParkingRules } from './parking.ts';
import type { OpenBatch } from './open-batch.ts';
import { Router } from './router.ts';
import { createStats, type PipelineStats } from './stats.ts';

export interface PipelineOptions {
  jobs: readonly Job[];
  pool: WorkerPool;
  createDestination(job: Job): Destination;
  log: Logger;
  /** Global budget of buffered bytes (open and in-flight batches together: records and each batch's own cost). */
  inFlightBytes: number;
  /** Most batches that may exist at once, open and in flight (default MAX_BATCHES). */
  maxBatches?: number;
  /** Most worker tasks given to the pool and not finished (default TASKS_PER_WORKER per pool thread). */
  maxTasks?: number;
  /** Pauses intake while the process RSS is near memory.limit_mb; sampled every SAMPLE_EVERY_MS. Absent = no limit. */
  memoryGuard?: MemoryGuard;
  /** Records larger than this are dropped as oversized (counted, acknowledged, logged). */
  maxRecordBytes: number;
  /** Uncompressed bytes per compressed chunk of a batch. */
  chunkBytes: number;
  /** Input bytes above which a batch is encoded as several parts at once. */
  partBytes: number;
  backoff?: BackoffPolicy;
  /** Stores poison records before they are acknowledged (Kafka: a dead-letter topic); absent = count and drop. */
  deadLetter?: DeadLetterWriter;
  /** Position updates for the source (Kafka commits them). */
  onCommittable?(partition: PartitionHandle, offset: number): void;
  quarantine(runtime: JobRuntime, batch: OpenBatch, batchId: string, reason: string): Promise<void>;
  /** Batch-level metric emitters (src/telemetry/metrics.ts); absent = none. */
  metrics?: DeliveryMetrics;
  /**
   * Parks failing or stalled jobs (a source that can re-read records); absent = never park.
   * `disable` is called once for a job parked longer than rules.disableAfterMs (the service
   * disables it in the job store; its positions are kept, so enabling it again resumes).
   */
  parking?: { port: ParkingPort; rules: ParkingRules; disable?(runtime: JobRuntime): void };
}

/** How often parking rules are looked at (failing time is known to this resolution). */
const PARKING_TICK_MS = 1000;

/** How often, and past what age, multipart uploads left behind by a crash are aborted. */
const SWEEP_EVERY_MS = 15 * 60_000;
const SWEEP_OLDER_THAN_MS = 60 * 60_000;

/** Resume intake only once usage is this far below the budget, so pause/resume does not flap. */
export const RESUME_FRACTION = 0.75;

/**
 * Batches that may exist at once. Each holds a buffer that is a mapping of its own
 * (buffer-pool.ts), and past the kernel's limit of mappings per process (vm.max_map_count,
 * 65,530 by default) the allocator falls back to heap memory it zeroes in full: 64 MiB resident
 * per batch (seen here: 22 GB of RSS at ~68,000 buffers). Half the default leaves room for
 * everything else the process maps. Batch charges (open-batch.ts) keep the default budget below
 * it anyway; this holds for larger budgets.
 */
export const MAX_BATCHES = 32_768;

export class Pipeline implements RecordSink, PartitionRegistry {
  readonly stats: PipelineStats;
  /** The same counts by dataset, for metrics (read at scrape time). */
  private readonly datasets = new DatasetCounterTable();
  private runtimesById = new Map<number, JobRuntime>();
  private router: Router;
  /** Destinations of replaced jobs, closed once their last in-flight batch is done. */
  private readonly retired = new Set<JobRuntime>();
  private readonly batcher: Batcher;
  private readonly options: PipelineOptions;
  private readonly delivery: DeliveryContext;
  private readonly abort = new AbortController();
  private readonly pending = new Set<Promise<void>>();
  private readonly partitions = new Set<PartitionTracker>();
  private readonly limiter = new RateLimiter(10_000);
  private drainWaiters: Array<() => void> = [];
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly parkingTimer: NodeJS.Timeout | null = null;
  private readonly memoryTimer: NodeJS.Timeout | null = null;
  readonly memoryGuard: MemoryGuard | null;
  /** Each runtime's delivery context: the shared one with a signal that also stops when the job is parked. */
  private readonly contexts = new WeakMap<JobRuntime, DeliveryContext>();
  /** A job reaches its share at this many held bytes (Infinity without parking: no check in push). */
  private readonly shareBytes: number;
  /** Bytes held in open or in-flight batches, as they are charged (OpenBatch.charged), and oversized records on their way to the dead-letter store. */
  bufferedBytes = 0;
  /** Sealed batches not yet delivered or given up (with the batcher's open ones: the batches that exist). */
  private sealedBatches = 0;
  private readonly maxBatches: number;
  private readonly tasks: PipelineTasks;
  private readonly maxTasks: number;

  constructor(options: PipelineOptions) {
    this.stats = createStats(this.datasets);
    this.options = options;
    this.maxBatches = options.maxBatches ?? MAX_BATCHES;
    this.maxTasks = options.maxTasks ?? TASKS_PER_WORKER * options.pool.threads;
    this.tasks = new PipelineTasks(options.pool, () => this.wakeIfRoom());
    for (const job of options.jobs) this.runtimesById.set(job.id, createJobRuntime(job, options.createDestination(job)));
    this.router = new Router(this.runtimes);
    // Idle batch buffers kept for reuse: at most the budget again, so batch memory stays within
    // twice the budget whatever the GC does.
    this.batcher = new Batcher((runtime, batch, sealedAt) => this.dispatch(runtime, batch, sealedAt), Date.now, new SharedBufferPool(options.inFlightBytes));
    this.delivery = {
      pool: this.tasks,
      stats: this.stats,
      log: options.log,
      limiter: this.limiter,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      chunkBytes: options.chunkBytes,
      partBytes: options.partBytes,
      signal: this.abort.signal,
      deadLetter: options.deadLetter
        ? { write: options.deadLetter, log: options.log, limiter: this.limiter, backoff: options.backoff ?? DEFAULT_BACKOFF, signal: this.abort.signal }
        : null,
      quarantine: options.quarantine,
      metrics: options.metrics ?? NO_DELIVERY_METRICS,
      countersOf: (dataset) => this.datasets.of(dataset),
    };
    this.batcher.start(this.tickMs());
    this.shareBytes = options.parking?.rules.shareBytes ?? Infinity;
    if (options.parking) {
      this.parkingTimer = setInterval(() => this.checkParking(Date.now()), PARKING_TICK_MS);
      this.parkingTimer.unref();
    }
    this.memoryGuard = options.memoryGuard ?? null;
    if (this.memoryGuard !== null) {
      this.memoryTimer = setInterval(() => this.sampleMemory(), SAMPLE_EVERY_MS);
      this.memoryTimer.unref();
    }
    this.sweepTimer = setInterval(() => this.sweepAbandonedUploads(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
    setImmediate(() => this.sweepAbandonedUploads());
  }

  /** Aborts old multipart uploads of every object-storage job (left by a crash mid-upload). */
  sweepAbandonedUploads(): void {
    for (const runtime of this.runtimes) {
      runtime.destination.sweepAbandonedUploads?.(SWEEP_OLDER_THAN_MS).catch((error: unknown) => {
        this.options.log.warn({ job_id: runtime.job.id, err: error instanceof Error ? error.message : String(error) }, 'sweeping abandoned uploads failed; will try again');
      });
    }
  }

  get runtimes(): readonly JobRuntime[] {
    return [...this.runtimesById.values()];
  }

  /**
   * Replaces the running job set (a job store change) without a restart. A job that is gone or
   * changed has its open batch sealed and delivered under the definition it was filled with;
   * records arriving from now on are routed by the new set. A job's health carries over to its
   * next version, and its destination is reused while destination_conf is unchanged.
   */
  updateJobs(jobs: readonly Job[]): void {
    const next = new Map<number, JobRuntime>();
    for (const job of jobs) {
      const current = this.runtimesById.get(job.id);
      if (current && current.job.version === job.version) {
        next.set(job.id, current);
        continue;
      }
      if (current) this.batcher.seal(current);
      const sameDestination = current !== undefined && current.job.destination_conf === job.destination_conf;
      const runtime = createJobRuntime(job, sameDestination ? current.destination : this.options.createDestination(job));
      if (current) Object.assign(runtime.health, current.health);
      // A new version of a parked job stays parked: its positions still say where it resumes
      // (also when it was disabled: enabling it again catches it up from there).
      if (current?.parked) {
        this.markParked(runtime);
        runtime.parkedAt = current.parkedAt;
        runtime.disableRequested = current.disableRequested && !job.enabled;
      }
      if (current && !sameDestination) this.retire(current);
      next.set(job.id, runtime);
    }
    for (const [id, runtime] of this.runtimesById) {
      if (next.has(id)) continue;
      this.batcher.seal(runtime);
      this.retire(runtime);
      if (runtime.parked) this.options.parking?.port.forget(id);
    }
    this.runtimesById = next;
    this.router = new Router(next.values());
    this.batcher.stop();
    this.batcher.start(this.tickMs());
  }

  /** Check intervals at a quarter of the shortest one: batches close at most 25% late. */
  private tickMs(): number {
    const intervals = this.runtimes.map((r) => r.job.max_upload_interval_seconds * 1000);
    return Math.min(1000, Math.max(20, Math.min(...intervals, 4000) / 4));
  }

  private retire(runtime: JobRuntime): void {
    this.retired.add(runtime);
    this.closeRetiredWhenIdle();
  }

  private closeRetiredWhenIdle(): void {
    for (const runtime of this.retired) {
      if (runtime.inFlight > 0) continue;
      this.retired.delete(runtime);
      runtime.destination.close().catch((error: unknown) => this.options.log.warn({ job_id: runtime.job.id, err: String(error) }, 'closing a replaced destination failed'));
    }
  }

  open(name: string, dataset: string, firstOffset: number): PartitionHandle {
    // The partition carries its dataset's counters so push bumps them without a lookup.
    const tracker = new CountedPartition(name, dataset, firstOffset, this.datasets.of(dataset));
    this.partitions.add(tracker);
    for (const runtime of this.runtimesById.values()) {
      // A parked job has delivered nothing of a partition it never saw: it resumes at its start.
      if (!runtime.parked || runtime.job.dataset !== dataset) continue;
      // The port makes room for every partition of a topic when it accepts a job, so this holds.
      if (!this.options.parking!.port.keepPositions(runtime.job.id, new Map([[tracker, firstOffset]]))) {
        this.options.log.error({ job_id: runtime.job.id, partition: name }, 'BUG: a parked job\'s position on a new partition was refused');
      }
    }
    return tracker;
  }

  close(partition: PartitionHandle): void {
    const tracker = partition as PartitionTracker;
    tracker.open = false;
    this.partitions.delete(tracker);
  }

  push(partition: PartitionHandle, offset: number, tenant: string, value: Uint8Array): boolean {
    const tracker = partition as CountedPartition;
    const counters = tracker.counters;
    counters.received++;
    counters.receivedBytes += value.length;
    if (value.length > this.options.maxRecordBytes) {
      counters.dropped.oversized++;
      if (this.limiter.take('oversized') >= 0) {
        this.options.log.warn({ partition: tracker.name, offset, bytes: value.length, limit: this.options.maxRecordBytes }, 'record dropped: larger than limits.max_record_bytes');
      }
      if (this.delivery.deadLetter) this.deadLetterOversized(tracker, offset, tenant, value);
      else this.trackDone(tracker, offset);
      return this.hasRoom();
    }
    const jobs = this.router.jobsFor(tracker.dataset, tenant);
    if (jobs.length === 0) {
      counters.unrouted++;
      this.trackDone(tracker, offset);
      return this.hasRoom();
    }
    const seq = tracker.track(offset, jobs.length);
    let atShare: JobRuntime | null = null;
    let charged = 0;
    for (let i = 0; i < jobs.length; i++) {
      const runtime = jobs[i]!;
      // The record, and a new batch's own cost if this opened one: what the job holds is what
      // it is charged, so its share (parking) and the budget count the same bytes.
      const cost = this.batcher.add(runtime, value, tracker, seq, offset);
      charged += cost;
      // Checked as the job crosses its share, not on every record past it (that costs a clock
      // read and a date parse per record); while it stays there, the 1 s parking timer checks.
      const held = runtime.heldBytes;
      runtime.heldBytes = held + cost;
      if (held < this.shareBytes && runtime.heldBytes >= this.shareBytes) atShare = runtime;
    }
    if (atShare !== null) this.parkIfDue(atShare, Date.now());
    counters.matched++;
    counters.routed += jobs.length;
    this.bufferedBytes += charged;
    if (this.hasRoom()) return true;
    // Full of work for the workers or of batches: wait (sealing more would only add to them).
    if (this.bufferedBytes < this.options.inFlightBytes && !this.memoryPressed()) return false;
    this.sealFullest();
    return false;
  }

  onDrain(callback: () => void): void {
    if (this.hasRoom()) queueMicrotask(callback);
    else this.drainWaiters.push(callback);
  }

  /** Seals every open batch and waits until all sealed batches are delivered (or shutdown aborts them). */
  async flush(): Promise<void> {
    this.batcher.sealAll();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops retries of undelivered batches (their records stay unacknowledged) and stops the timers. */
  abortDeliveries(): void {
    this.abort.abort();
  }

  async shutdown(): Promise<void> {
    this.batcher.stop();
    clearInterval(this.sweepTimer);
    if (this.parkingTimer) clearInterval(this.parkingTimer);
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    await Promise.all([...this.runtimes, ...this.retired].map((r) => r.destination.close()));
  }

  /** Records acknowledged by every job they matched, per partition. */
  positions(): Array<{ partition: string; committable: number; outstanding: number }> {
    return [...this.partitions].map((t) => ({ partition: t.name, committable: t.committable(), outstanding: t.outstanding() }));
  }

  /** Record counts by dataset (metrics read them at scrape time). */
  datasetCounters(): Iterable<[string, DatasetCounters]> {
    return this.datasets.entries();
  }

  /** Enabled jobs parked now: the ones to catch up (a disabled job waits until it is enabled). */
  parkedJobs(): JobRuntime[] {
    return this.runtimes.filter((runtime) => runtime.parked && runtime.job.enabled);
  }

  private contextOf(runtime: JobRuntime): DeliveryContext {
    let ctx = this.contexts.get(runtime);
    if (ctx === undefined) {
      ctx = { ...this.delivery, signal: AbortSignal.any([this.abort.signal, runtime.abort.signal]) };
      this.contexts.set(runtime, ctx);
    }
    return ctx;
  }

  /** Parks the jobs the rules say and disables those parked too long (once a second). */
  checkParking(now: number): void {
    for (const runtime of this.runtimesById.values()) {
      this.parkIfDue(runtime, now);
      this.disableIfDue(runtime, now);
    }
  }

  private disableIfDue(runtime: JobRuntime, now: number): void {
    const parking = this.options.parking;
    if (!runtime.parked || runtime.parkedAt === null || runtime.disableRequested || !runtime.job.enabled || parking?.disable === undefined) return;
    if (now - runtime.parkedAt < parking.rules.disableAfterMs) return;
    runtime.disableRequested = true;
    parking.disable(runtime);
  }

  private parkIfDue(runtime: JobRuntime, now: number): void {
    const parking = this.options.parking;
    if (parking === undefined) return;
    const reason = parkingReason(runtime, parking.rules, now);
    if (reason !== null) this.park(runtime, reason);
  }

  /**
   * Parks a job: its resume positions go to the source first, then it leaves the router, its
   * retries stop, and its open and sealed batches are acknowledged (the positions cover them)
   * and released. Returns false when the source could not keep the positions (nothing changes).
   */
  park(runtime: JobRuntime, reason: string): boolean {
    const port = this.options.parking?.port;
    if (port === undefined || runtime.parked) return false;
    const jobId = runtime.job.id;
    const positions = resumePositions(runtime, this.partitions);
    if (!port.keepPositions(jobId, positions)) {
      if (this.limiter.take(`park:${jobId}`) >= 0) this.options.log.error({ job_id: jobId, reason }, 'a job could not be parked: the source has no room for its positions; it keeps its records');
      return false;
    }
    this.markParked(runtime);
    runtime.health.error_message = `parked: ${reason}; its records are read again from Kafka once the destination answers`;
    runtime.health.last_error = new Date().toISOString();
    this.router = new Router(this.runtimesById.values());
    const open = this.batcher.discard(runtime);
    if (open !== null) {
      open.ackAll();
      runtime.heldBytes -= open.charged;
      this.release(open.charged);
      open.release(); // no worker has seen an unsealed batch
    }
    // In-flight batches are acknowledged now; their deliveries stop at the next retry (or
    // finish, a duplicate the resume positions allow) and release their memory then.
    for (const batch of runtime.sealed) batch.ackAll();
    for (const tracker of positions.keys()) this.reportPosition(tracker);
    this.options.log.warn({ job_id: jobId, reason, partitions: positions.size, held_bytes: runtime.heldBytes }, 'job parked');
    return true;
  }

  /**
   * Jobs a previous owner of a newly assigned partition had parked (its commit metadata says
   * so): they are parked here too, before any of their records there is taken. Jobs that no
   * longer exist are forgotten.
   */
  parkFromElsewhere(jobIds: readonly number[]): void {
    for (const jobId of jobIds) {
      const runtime = this.runtimesById.get(jobId);
      if (runtime === undefined) this.options.parking?.port.forget(jobId);
      else this.park(runtime, 'it was parked by the previous owner of one of its partitions');
    }
  }

  /**
   * Hands a parked job back to the live path: from the next push on, its records are routed to
   * it again (the caller, the catch-up reader, delivers everything before that point). Its
   * destination and health carry over; the parked runtime's in-flight batches finish on their own.
   * Returns false if the job is not parked here.
   */
  unpark(jobId: number): boolean {
    const parked = this.runtimesById.get(jobId);
    if (parked === undefined || !parked.parked) return false;
    const runtime = createJobRuntime(parked.job, parked.destination);
    Object.assign(runtime.health, parked.health, { error_message: null });
    // The destination is shared with the new runtime: it is not retired (closed) here.
    this.runtimesById.set(jobId, runtime);
    this.router = new Router(this.runtimesById.values());
    this.options.log.info({ job_id: jobId }, 'job handed back to the live path');
    return true;
  }

  private markParked(runtime: JobRuntime): void {
    runtime.parked = true;
    runtime.parkedAt ??= Date.now();
    runtime.abort.abort();
  }

  private hasRoom(): boolean {
    return this.below(1);
  }

  /**
   * Whether bytes, batches and worker tasks are each below `fraction` of their limit, and the
   * memory guard does not hold intake (it has its own hysteresis).
   */
  private below(fraction: number): boolean {
    return this.bufferedBytes < this.options.inFlightBytes * fraction &&
      this.batcher.openCount + this.sealedBatches < this.maxBatches * fraction &&
      this.tasks.outstanding < this.maxTasks * fraction &&
      !this.memoryPressed();
  }

  private memoryPressed(): boolean {
    return this.memoryGuard !== null && this.memoryGuard.pressed;
  }

  /** Whether anything is held that delivering would free (what the memory guard may wait for). */
  private holdsData(): boolean {
    return this.bufferedBytes > 0 || this.batcher.openCount + this.sealedBatches > 0 || this.tasks.outstanding > 0;
  }

  /** One sample of the memory guard (its timer calls this; tests call it directly). */
  sampleMemory(): void {
    const guard = this.memoryGuard;
    if (guard === null || !guard.sample(this.holdsData())) return;
    // While pressed, intake waits for this timer alone to resume it: it must keep the process
    // alive (a source waiting in onDrain holds no handle), or node exits with the work undone.
    if (guard.pressed) {
      this.memoryTimer?.ref();
      this.sealFullest();
    } else {
      this.memoryTimer?.unref();
      this.wakeIfRoom();
    }
  }

  /**
   * Over budget or over the memory limit: closes the fullest batch now rather than wait for its
   * interval, so memory is freed by delivery instead of sitting in a half-full batch.
   */
  private sealFullest(): void {
    const fullest = this.batcher.largestOpen();
    if (fullest) this.batcher.seal(fullest);
  }

  /** Keeps an oversized record unacknowledged until its dead-letter copy is stored. */
  private deadLetterOversized(tracker: PartitionTracker, offset: number, tenant: string, value: Uint8Array): void {
    const seq = tracker.track(offset, 1);
    const copy = value.slice(); // the source may reuse its buffer once push returns
    this.bufferedBytes += copy.length;
    const record: PoisonRecord = {
      partition: tracker,
      offset,
      tenant,
      value: copy,
      reason: 'oversized',
      message: `record of ${copy.length} bytes is larger than limits.max_record_bytes (${this.options.maxRecordBytes})`,
      jobId: null,
    };
    const done = storePoison(this.delivery.deadLetter!, [record])
      .then((stored) => {
        if (!stored) return;
        tracker.ack(seq);
        this.reportPosition(tracker);
      })
      .finally(() => {
        this.release(copy.length);
        this.pending.delete(done);
      });
    this.pending.add(done);
  }

  private trackDone(tracker: PartitionTracker, offset: number): void {
    tracker.track(offset, 0);
    this.reportPosition(tracker);
  }

  private dispatch(runtime: JobRuntime, batch: OpenBatch, sealedAt: number): void {
    this.stats.batchesSealed++;
    this.delivery.metrics.batchSealed(runtime.destination.kind, batch.count, batch.bytes);
    runtime.sealed.add(batch);
    this.sealedBatches++;
    // Once encoded, the batch holds its output, not its records: the difference is free again.
    const encoded = (outputBytes: number): void => {
      const freed = batch.encoded(outputBytes);
      runtime.heldBytes -= freed;
      this.release(freed);
    };
    const done = deliverBatch(this.contextOf(runtime), runtime, batch, sealedAt, encoded)
      .then((acknowledged) => {
        if (acknowledged) for (const span of batch.spans) this.reportPosition(span.tracker);
        // Every task that read the batch has finished by now (deliverBatch waits for them).
        batch.release();
      })
      .catch((error: unknown) => {
        // deliverBatch handles every expected failure; reaching here is a bug. Keep running:
        // the batch stays unacknowledged, so its records are not committed (not lost).
        this.options.log.error({ job_id: runtime.job.id, err: error }, 'unexpected error delivering a batch');
      })
      .finally(() => {
        runtime.sealed.delete(batch);
        runtime.heldBytes -= batch.charged;
        this.sealedBatches--;
        if (this.retired.size > 0) this.closeRetiredWhenIdle();
        this.release(batch.charged);
        this.pending.delete(done);
      });
    this.pending.add(done);
  }

  private release(bytes: number): void {
    this.bufferedBytes -= bytes;
    this.wakeIfRoom();
  }

  /** Resumes the sources once every limit is well below (RESUME_FRACTION), so pause/resume does not flap. */
  private wakeIfRoom(): void {
    if (this.drainWaiters.length > 0 && this.below(RESUME_FRACTION)) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  private reportPosition(tracker: PartitionTracker): void {
    if (!tracker.open || !this.options.onCommittable) return;
    const offset = tracker.takeCommittableChange();
    if (offset >= 0) this.options.onCommittable(tracker, offset);
  }
}
