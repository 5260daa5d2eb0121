// What happens to a sealed batch: encode it in a worker, write the result to the job's
// destination (retrying with backoff until it is durable), then acknowledge every record.
// A record is never acknowledged before its batch is delivered (invariant 1); a batch whose
// records were all filtered, sampled or dropped is acknowledged without writing an object.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DeliveryError, type DeliveryObject } from '../destinations/destination.ts';
import { contentTypeForOutput } from '../destinations/content-type.ts';
import { batchIdFor } from '../destinations/object-name.ts';
import { redactDestinationConf } from '../destinations/destination-conf.ts';
import { BatchCrashError, type WorkerPool } from '../pool/worker-pool.ts';
import type { DatasetCounters } from './dataset-counters.ts';
import type { RateLimiter } from '../shared/log.ts';
import type { DeliveryMetrics } from './delivery-metrics.ts';
import { encodeBatch, type BatchTotals } from './encode-batch.ts';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff.ts';
import { isoOfNs } from './completion-mark.ts';
import type { JobRuntime } from './job-runtime.ts';
import { storePoison, type DeadLetterContext } from './dead-letter.ts';
import type { OpenBatch } from './open-batch.ts';
import type { PipelineStats } from './stats.ts';
import type { PoisonRecord } from './source.ts';

export interface DeliveryContext {
  /** Runs a batch's tasks on the worker pool (the pipeline counts them: pipeline-tasks.ts). */
  pool: Pick<WorkerPool, 'run'>;
  stats: PipelineStats;
  log: Logger;
  limiter: RateLimiter;
  backoff: BackoffPolicy;
  chunkBytes: number;
  /** Input bytes above which a batch is encoded as several parts on several workers. */
  partBytes: number;
  /** Aborted at a hard shutdown: pending retries stop, their records stay unacknowledged. */
  signal: AbortSignal;
  /** Where the worker's rejected records go before they are acknowledged; null = count and drop. */
  deadLetter: DeadLetterContext | null;
  /** Sets a batch aside that crashed workers repeatedly, so it neither loops nor is lost. */
  quarantine(runtime: JobRuntime, batch: OpenBatch, batchId: string, reason: string): Promise<void>;
  /** Batch-level metric emitters (called per batch or per upload attempt, never per record). */
  metrics: DeliveryMetrics;
  /** The per-dataset record counters (metrics read them at scrape time). */
  countersOf(dataset: string): DatasetCounters;
}

/**
 * Called in sealing order (pipeline dispatch), which the job's completion mark relies on.
 * `onEncoded` is called once every part is encoded, with the encoded bytes: the batch's record
 * data is no longer needed then (rejected records are copied out first) and the caller frees it.
 */
export async function deliverBatch(
  ctx: DeliveryContext, runtime: JobRuntime, batch: OpenBatch, sealedAt: number, onEncoded: (outputBytes: number) => void = () => {},
): Promise<boolean> {
  const { job } = runtime;
  const seq = runtime.completion.sealed();
  // The newest log time this batch delivers: its records' event times, else (none has one) the
  // end time its object is named with, the time it was sealed.
  let newestNs: bigint | null = null;
  const batchId = batchIdFor(
    job.id,
    batch.spans.map((span) => ({ partition: span.tracker.name, first: span.firstOffset, last: span.lastOffset })),
  );
  const encoded = encodeBatch({
    job,
    batch,
    pool: ctx.pool,
    sampleSeed: seedFrom(batchId),
    chunkBytes: ctx.chunkBytes,
    partBytes: ctx.partBytes,
    reportDrops: ctx.deadLetter !== null,
    sealedAt,
  });
  let crash: BatchCrashError | null = null;
  encoded.totals.catch((error: unknown) => {
    if (error instanceof BatchCrashError) crash = error;
  });

  // Start writing as soon as the object's name is known; later parts may still be encoding.
  let delivering: Promise<boolean> | null = null;
  try {
    const range = await encoded.timeRange;
    if (range !== null) {
      const object: DeliveryObject = {
        jobId: job.id, batchId, startNs: range.startNs, endNs: range.endNs, compression: job.compression, chunks: encoded.stream, contentType: contentTypeForOutput(job.output_options),
        signal: ctx.signal,
      };
      delivering = deliverWithRetry(ctx, runtime, object, () => crash !== null);
    }
    const totals = await encoded.totals;
    const poison = ctx.deadLetter && totals.droppedRecords.length > 0 ? rejectedRecords(job, batch, totals) : null;
    onEncoded(totals.bytesCompressed);
    countTotals(ctx, runtime, totals);
    newestNs = totals.maxEventTimeNs ?? (range !== null ? BigInt(range.endNs) : null);
    if (delivering && !(await delivering)) return false;
    if (totals.recordsOut > 0) {
      ctx.stats.batchesDelivered++;
      ctx.countersOf(job.dataset).delivered += totals.recordsOut;
    } else {
      ctx.stats.batchesEmpty++;
    }
    if (ctx.deadLetter && poison !== null && !(await storePoison(ctx.deadLetter, poison))) return false;
  } catch (error) {
    if (!(error instanceof BatchCrashError)) throw error;
    // A part of the batch kills workers: stop the upload (its chunk stream failed, so the
    // destination aborts it) and set the whole batch aside rather than loop on it.
    if (delivering) await delivering;
    ctx.log.error({ job_id: job.id, batch_id: batchId, records: batch.count, err: error.message }, 'batch set aside: it crashes workers');
    await ctx.quarantine(runtime, batch, batchId, error.message);
    ctx.countersOf(job.dataset).dropped.quarantined += batch.count;
  }
  batch.ackAll();
  markComplete(runtime, seq, newestNs);
  return true;
}

/** The records the workers rejected, with copies of their bytes (the batch's data is freed once encoded). */
function rejectedRecords(job: JobRuntime['job'], batch: OpenBatch, totals: BatchTotals): PoisonRecord[] {
  const tenant = job.tenant.zone_id ?? job.tenant.account_id!;
  return totals.droppedRecords.map((dropped) => {
    const { tracker, offset } = batch.positionOf(dropped.index);
    return { partition: tracker, offset, tenant, value: batch.recordBytes(dropped.index).slice(), reason: dropped.reason, message: dropped.message, jobId: job.id };
  });
}

/** A quarantined batch counts as done too (set aside, acknowledged): it must not hold the mark back for ever. */
function markComplete(runtime: JobRuntime, seq: number, newestNs: bigint | null): void {
  const mark = runtime.completion.done(seq, newestNs);
  if (mark === null) return;
  const current = runtime.health.last_complete;
  // A job's new version or a handed-back job starts a new mark but keeps its health: never move back.
  if (current === null || Number(mark / 1_000_000n) > Date.parse(current)) runtime.health.last_complete = isoOfNs(mark);
}

/** Resolves true once the object is durable, false if shutdown cut the retries short. */
async function deliverWithRetry(ctx: DeliveryContext, runtime: JobRuntime, object: DeliveryObject, encodingFailed: () => boolean): Promise<boolean> {
  const destinationType = runtime.destination.kind;
  for (let attempt = 0; ; attempt++) {
    const startedAt = performance.now();
    try {
      await untilAborted(runtime.destination.deliver(object), ctx.signal);
      ctx.metrics.uploadFinished(destinationType, 'success', (performance.now() - startedAt) / 1000);
      runtime.health.delivered_at_ms = Date.now();
      runtime.health.error_message = null;
      runtime.failingSince = null;
      return true;
    } catch (error) {
      // Shutdown's deadline cut the attempt short: the batch stays unacknowledged.
      if (ctx.signal.aborted) return false;
      // The batch could not be encoded (a part crashes workers): the caller quarantines it.
      if (encodingFailed()) return false;
      const failure = asDeliveryError(error);
      ctx.metrics.uploadFinished(destinationType, failure.retryable ? 'retryable_error' : 'fatal_error', (performance.now() - startedAt) / 1000);
      ctx.metrics.deliveryRetried(destinationType, failure.code);
      runtime.health.last_error = new Date().toISOString();
      runtime.health.error_message = failure.message;
      runtime.failingSince ??= Date.now();
      ctx.stats.deliveryRetries++;
      const suppressed = ctx.limiter.take(`deliver:${runtime.job.id}:${failure.code}`);
      if (suppressed >= 0) {
        ctx.log.warn(
          { job_id: runtime.job.id, destination: redactDestinationConf(runtime.job.destination_conf), code: failure.code, retryable: failure.retryable, attempt, suppressed, ...(failure.detail !== null ? { detail: failure.detail } : {}) },
          `delivery failed, will retry: ${failure.message}`,
        );
      }
      // A non-retryable error (bad credentials, missing bucket) waits the longest interval:
      // the records are kept (no loss) until the operator fixes the destination.
      // A destination that says when to come back (Retry-After, SlowDown) is believed, within the cap.
      const delay = !failure.retryable
        ? ctx.backoff.capMs
        : failure.retryAfterMs !== null
          ? Math.min(ctx.backoff.capMs, failure.retryAfterMs)
          : backoffDelay(attempt, ctx.backoff);
      try {
        await sleep(delay, undefined, { signal: ctx.signal });
      } catch {
        return false;
      }
    }
  }
}

/**
 * The attempt, or a rejection as soon as `signal` aborts: an upload that hangs (a server that
 * accepts and never answers holds a request up to undici's 60 s headers timeout) must not hold
 * a shutdown past its deadline. A destination that honours `DeliveryObject.signal` also stops
 * the request; one that does not finishes it in the background, unacknowledged.
 */
function untilAborted<T>(attempt: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    attempt.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    attempt.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function countTotals(ctx: DeliveryContext, runtime: JobRuntime, result: BatchTotals): void {
  const { stats } = ctx;
  const jobId = runtime.job.id;
  const counters = ctx.countersOf(runtime.job.dataset);
  counters.filtered += result.filtered;
  counters.sampled += result.sampled;
  counters.dropped.invalid_json += result.dropped.invalid_json;
  counters.dropped.wrong_type += result.dropped.wrong_type;
  counters.invalidUtf8 += result.invalidUtf8;
  ctx.metrics.batchEncoded(runtime.destination.kind, runtime.job.compression, result.bytesEncoded, result.bytesCompressed, result.workerMicros / 1e6);
  stats.bytesEncoded += result.bytesEncoded;
  stats.bytesCompressed += result.bytesCompressed;
  const dropped = result.dropped.invalid_json + result.dropped.wrong_type;
  if (dropped > 0 && ctx.limiter.take(`drop:${jobId}`) >= 0) {
    ctx.log.warn({ job_id: jobId, invalid_json: result.dropped.invalid_json, wrong_type: result.dropped.wrong_type, examples: result.dropSamples }, 'records dropped');
  }
}

function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError('ERR_DELIVERY', message, true, { cause: error });
}

/** A stable 32-bit seed from the batch id, so a rebuilt batch samples the same records. */
function seedFrom(batchId: string): number {
  return Number.parseInt(batchId.slice(0, 8), 16) >>> 0 || 1;
}
