// One open batch per job; a batch closes on whichever comes first of max_upload_bytes,
// max_upload_records and max_upload_interval_seconds (docs/architecture.md "The flow").
//
// Bytes are the raw record bytes appended (the uncompressed input), so an output file is never
// larger than max_upload_bytes before compression. Intervals are checked by one coarse timer
// for all jobs (undici style) instead of a timer per batch; the same timer hands idle pooled
// buffers back to the garbage collector every few seconds.

import type { PartitionTracker } from './ack-tracker.ts';
import type { JobRuntime } from './job-runtime.ts';
import type { SharedBufferPool } from './buffer-pool.ts';
import { OpenBatch } from './open-batch.ts';

export type SealHandler = (runtime: JobRuntime, batch: OpenBatch, sealedAt: number) => void;

/** How often buffers that stayed idle in the pool are let go (SharedBufferPool.trim). */
const TRIM_EVERY_MS = 5000;

export class Batcher {
  private readonly onSealed: SealHandler;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private readonly runtimes = new Set<JobRuntime>();
  /** Records in each job's last sealed batch: the next one's record tables are sized from it (open-batch.ts). */
  private readonly lastCount = new WeakMap<JobRuntime, number>();
  private lastTrim = 0;

  private readonly pool: SharedBufferPool | null;

  constructor(onSealed: SealHandler, now: () => number = Date.now, pool: SharedBufferPool | null = null) {
    this.onSealed = onSealed;
    this.now = now;
    this.pool = pool;
  }

  /** Starts the interval check. `tickMs` is how often open batches are looked at. */
  start(tickMs: number): void {
    this.lastTrim = this.now();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Adds a record to the job's open batch (opening one if needed). Returns the memory this
   * charged (OpenBatch.charged): the record, and a new batch's fixed cost when it opened one.
   */
  add(runtime: JobRuntime, value: Uint8Array, tracker: PartitionTracker, seq: number, offset: number): number {
    const job = runtime.job;
    let batch = runtime.batch;
    let opened = 0;
    if (batch === null) {
      batch = runtime.batch = new OpenBatch(this.now(), job.max_upload_bytes, this.pool, this.lastCount.get(runtime));
      this.runtimes.add(runtime);
      opened = batch.charged;
    }
    const charged = opened + batch.append(value, tracker, seq, offset);
    if (batch.bytes >= job.max_upload_bytes || batch.count >= job.max_upload_records) this.seal(runtime);
    return charged;
  }

  /** Open batches (one per job that has records waiting). */
  get openCount(): number {
    return this.runtimes.size;
  }

  /** Closes the job's open batch now (size limit, interval, shutdown or memory pressure). */
  seal(runtime: JobRuntime): void {
    const batch = runtime.batch;
    if (batch === null) return;
    runtime.batch = null;
    this.runtimes.delete(runtime);
    this.lastCount.set(runtime, batch.count);
    this.onSealed(runtime, batch, this.now());
  }

  /** Takes the job's open batch away unsealed (a parked job's records are re-read later). */
  discard(runtime: JobRuntime): OpenBatch | null {
    const batch = runtime.batch;
    runtime.batch = null;
    this.runtimes.delete(runtime);
    return batch;
  }

  private tick(): void {
    this.sealExpired();
    const now = this.now();
    if (this.pool !== null && now - this.lastTrim >= TRIM_EVERY_MS) {
      this.lastTrim = now;
      this.pool.trim();
    }
  }

  sealExpired(): void {
    const now = this.now();
    for (const runtime of this.runtimes) {
      const batch = runtime.batch!;
      if (now - batch.openedAt >= runtime.job.max_upload_interval_seconds * 1000) this.seal(runtime);
    }
  }

  sealAll(): void {
    for (const runtime of [...this.runtimes]) this.seal(runtime);
  }

  /** The open batch holding the most bytes, to seal first when memory runs short. */
  largestOpen(): JobRuntime | null {
    let best: JobRuntime | null = null;
    for (const runtime of this.runtimes) if (best === null || runtime.batch!.bytes > best.batch!.bytes) best = runtime;
    return best;
  }
}
