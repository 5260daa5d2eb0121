// The uploader: streams a batch's compressed chunks into one object.
//
// Chunks are read in order while later ones may still be compressing. The first part is filled
// before anything is sent: if the stream ends before the part size is reached, the object is
// small and goes out as one PutObject (one request instead of three). Otherwise a multipart
// upload starts and each part is sent as soon as it has filled (whole chunks concatenated until
// ≥ part size; the last part may be smaller), with at most `partsInFlight` UploadPart calls at
// once, and completed with the parts in order. Any failure — a part, the chunk stream, the
// completion — aborts the upload (best effort: sweep.ts removes what an abort missed), so no
// half-written object ever becomes visible.

import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type BackoffPolicy } from '../../shared/backoff.ts';
import { DeliveryError } from '../destination.ts';
import { MAX_PART_SIZE } from './config.ts';
import { s3DeliveryError, type S3ErrorContext } from './errors.ts';
import type { ObjectHeaders, ObjectRef, ObjectStore, UploadedPart, UploadRef } from './store.ts';

export const MAX_PARTS = 10_000;
/** Parts per size step: part size doubles every this many parts. */
const PARTS_PER_SIZE_STEP = 1000;
/** A single failed part is retried this briefly (the pipeline's backoff handles the object). */
const PART_RETRY_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 1000 };

export interface UploadPlan {
  /** Target part size in bytes (S3's minimum, 5 MiB, is enforced by config.ts, not here). */
  partSize: number;
  /** Most UploadPart calls at once. */
  partsInFlight: number;
  /** Tries per part for retryable failures (2 = one retry), before the whole object fails. */
  partAttempts: number;
}

export interface UploadHooks {
  /** A multipart upload was created; the sweep must leave it alone until onUploadEnded. */
  onUploadStarted?(uploadId: string): void;
  onUploadEnded?(uploadId: string): void;
}

export interface UploadResult {
  kind: 'put' | 'multipart';
  parts: number;
  bytes: number;
}

export type ErrorScope = Omit<S3ErrorContext, 'operation' | 'bucket' | 'key'>;

/**
 * Size of part `partNumber` (1-based): the configured size for the first 1000 parts, then
 * doubling every 1000 parts (capped at 5 GiB), and "everything left" for part 10,000, so an
 * object never needs more than 10,000 parts. With the default 8 MiB the first 1000 parts already
 * hold 8 GiB, far above the largest batch (max_upload_bytes ≤ 1 GB before compression); the
 * growth only matters for unusual settings.
 */
export function partSizeFor(partNumber: number, partSize: number): number {
  if (partNumber >= MAX_PARTS) return Number.POSITIVE_INFINITY;
  return Math.min(MAX_PART_SIZE, partSize * 2 ** Math.floor((partNumber - 1) / PARTS_PER_SIZE_STEP));
}

export async function uploadObject(
  store: ObjectStore,
  ref: ObjectRef,
  headers: ObjectHeaders,
  chunks: AsyncIterable<Uint8Array>,
  plan: UploadPlan,
  scope: ErrorScope,
  hooks: UploadHooks = {},
): Promise<UploadResult> {
  const fail = (error: unknown, operation: string): DeliveryError => s3DeliveryError(error, { ...scope, operation, bucket: ref.bucket, key: ref.key });
  const iterator = chunks[Symbol.asyncIterator]();
  const reader = new ChunkReader(iterator);
  try {
    const first = new PartBuffer();
    while (first.bytes < plan.partSize) {
      const result = await reader.next();
      if (result.done) {
        const body = first.take();
        try {
          await store.putObject(ref, body, headers);
        } catch (error) {
          throw fail(error, 'PutObject');
        }
        return { kind: 'put', parts: 1, bytes: body.length };
      }
      first.add(result.value);
    }

    let uploadId: string;
    try {
      uploadId = await store.createMultipartUpload(ref, headers);
    } catch (error) {
      throw fail(error, 'CreateMultipartUpload');
    }
    const upload: UploadRef = { ...ref, uploadId };
    hooks.onUploadStarted?.(uploadId);
    try {
      const { parts, bytes } = await uploadParts(store, upload, first, reader, plan, fail);
      try {
        await store.completeMultipartUpload(upload, parts);
      } catch (error) {
        throw fail(error, 'CompleteMultipartUpload');
      }
      return { kind: 'multipart', parts: parts.length, bytes };
    } catch (error) {
      // Best effort: the sweep aborts whatever this misses (e.g. the store is down right now).
      await store.abortMultipartUpload(upload).catch(() => {});
      throw error instanceof DeliveryError ? error : fail(error, 'multipart upload');
    } finally {
      hooks.onUploadEnded?.(uploadId);
    }
  } finally {
    reader.release();
  }
}

async function uploadParts(
  store: ObjectStore,
  upload: UploadRef,
  first: PartBuffer,
  reader: ChunkReader,
  plan: UploadPlan,
  fail: (error: unknown, operation: string) => DeliveryError,
): Promise<{ parts: UploadedPart[]; bytes: number }> {
  const parts: UploadedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: DeliveryError | null = null;
  let failed!: () => void;
  // Resolves at the first part failure, so a reader waiting on a slow chunk stops at once.
  const failedSignal = new Promise<typeof FAILED>((resolve) => (failed = () => resolve(FAILED)));
  let partNumber = 0;
  let bytes = 0;

  const start = (body: Uint8Array): void => {
    const number = ++partNumber;
    bytes += body.length;
    const settled: Promise<void> = uploadPartWithRetry(store, upload, number, body, plan, fail)
      .then(
        (part) => {
          parts[number - 1] = part;
        },
        (error: DeliveryError) => {
          failure ??= error;
          failed();
        },
      )
      .finally(() => inFlight.delete(settled));
    inFlight.add(settled);
  };

  try {
    let current = first;
    for (;;) {
      while (inFlight.size >= plan.partsInFlight) await Promise.race(inFlight);
      if (failure) break;
      start(current.take());
      if (reader.ended) break;
      const target = partSizeFor(partNumber + 1, plan.partSize);
      current = new PartBuffer();
      while (current.bytes < target) {
        const result = await Promise.race([reader.next(), failedSignal]);
        if (result === FAILED || result.done) break;
        current.add(result.value);
      }
      if (failure || current.bytes === 0) break;
    }
  } catch (error) {
    // The chunk stream threw (ChunkReader already made it a DeliveryError).
    failure ??= error instanceof DeliveryError ? error : fail(error, 'read chunks');
  }
  // Parts still in flight must settle before an abort, or they could outlive it.
  while (inFlight.size > 0) await Promise.race(inFlight);
  if (failure) throw failure;
  return { parts, bytes };
}

async function uploadPartWithRetry(
  store: ObjectStore,
  upload: UploadRef,
  partNumber: number,
  body: Uint8Array,
  plan: UploadPlan,
  fail: (error: unknown, operation: string) => DeliveryError,
): Promise<UploadedPart> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.uploadPart(upload, partNumber, body);
    } catch (error) {
      const mapped = fail(error, `UploadPart ${partNumber}`);
      // A store that says when to come back is left to the pipeline's backoff.
      if (!mapped.retryable || mapped.retryAfterMs !== null || attempt >= plan.partAttempts) throw mapped;
      await sleep(backoffDelay(attempt, PART_RETRY_BACKOFF));
    }
  }
}

const FAILED: unique symbol = Symbol('part failed');

/**
 * Reads the chunk iterator one chunk at a time. A read abandoned because a part failed may
 * still settle later; its rejection is handled here so it never becomes an unhandled one.
 */
class ChunkReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  ended = false;

  constructor(iterator: AsyncIterator<Uint8Array>) {
    this.#iterator = iterator;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const result = this.#iterator.next().then(
      (r) => {
        if (r.done) this.ended = true;
        return r;
      },
      (error: unknown) => {
        throw error instanceof DeliveryError
          ? error
          : new DeliveryError('ERR_CHUNK_STREAM', `producing the batch failed: ${error instanceof Error ? error.message : String(error)}`, false, { cause: error });
      },
    );
    result.catch(() => {});
    return result;
  }

  /** Lets the iterator clean up; not awaited, since a pending read may never settle. */
  release(): void {
    if (this.ended) return;
    this.#iterator.return?.()?.catch(() => {});
  }
}

/** Whole chunks waiting to become one part. */
class PartBuffer {
  #chunks: Uint8Array[] = [];
  bytes = 0;

  add(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /**
   * The part as one buffer. A single chunk is sent as is; several are copied into one buffer,
   * because the SDK must know the body's length and checksum up front, and a streamed body
   * would be sent with aws-chunked encoding, which several S3-compatible stores reject. The
   * copy costs at most one part per in-flight slot.
   */
  take(): Uint8Array {
    const chunks = this.#chunks;
    this.#chunks = [];
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks, this.bytes);
  }
}
