// The destination interface: where a job's finished batches go.
// file:// is built here; S3-compatible object storage and HTTP endpoints plug in behind the
// same interface.

import type { Compression } from '../jobs/types.ts';

/** One finished batch, ready to be written as one object. */
export interface DeliveryObject {
  /** Job id, for the object name. */
  jobId: number;
  /**
   * Identifies the batch by job and source offsets (docs/architecture.md invariant 2): the same batch
   * rebuilt after a crash gets the same id, so its object overwrites the same key.
   */
  batchId: string;
  /** First and last event time of the batch, nanoseconds since the epoch as a decimal string. */
  startNs: string;
  endNs: string;
  compression: Compression;
  /**
   * Compressed chunks in order; their concatenation is the object's bytes (concatenated gzip
   * members, zstd frames and snappy frames each decode as one file). Later chunks may still be
   * compressing while the first are sent. Every iteration starts from the first chunk, so a
   * retry iterates again; an iteration throws if producing a chunk failed (abort the upload).
   */
  chunks: AsyncIterable<Uint8Array>;
  /**
   * MIME type of the *decoded* content (e.g. `application/x-ndjson`, `text/csv`), for object
   * stores and HTTP. The destination adds the content coding from `compression` itself.
   * Absent: `text/plain; charset=utf-8` (every encoder writes text).
   */
  contentType?: string;
  /** Records inside, when known up front (logs only). */
  records?: number;
  /**
   * Aborted when shutdown gives up on deliveries (its deadline): a destination that can cancel
   * a request in flight should, so the attempt ends at once. Delivery stops waiting either way.
   */
  signal?: AbortSignal;
}

export interface DeliveryReceipt {
  /** Where it went, secrets removed: a path for files, a bucket key for object storage. */
  location: string;
}

/** A delivery failure. `retryable` says whether trying the same object again can succeed. */
export class DeliveryError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** The destination asked to wait this long before retrying (HTTP Retry-After, S3 SlowDown). */
  readonly retryAfterMs: number | null;
  /**
   * For the operator's log only, never for a tenant: what the message deliberately leaves out
   * (e.g. which address was refused, or ECONNREFUSED behind a generic "could not be reached").
   */
  readonly detail: string | null;
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown; retryAfterMs?: number | null; detail?: string }) {
    super(message, options);
    this.name = 'DeliveryError';
    this.code = code;
    this.retryable = retryable;
    this.retryAfterMs = options?.retryAfterMs ?? null;
    this.detail = options?.detail ?? null;
  }
}

export interface Destination {
  /** 'file', 's3', 'http', … — a closed set, used as a metric label. */
  readonly kind: string;
  /** Writes one object. Resolves only once the object is durable at the destination. */
  deliver(object: DeliveryObject): Promise<DeliveryReceipt>;
  /** Object stores: aborts multipart uploads this destination left behind (a crash mid-upload) older than the age. */
  sweepAbandonedUploads?(olderThanMs: number): Promise<unknown>;
  close(): Promise<void>;
}
