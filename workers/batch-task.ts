// The contract between the main thread and the worker pool.
// A batch crosses the thread boundary as one buffer of concatenated raw record bytes plus a
// Uint32Array of record end offsets — never as an array of objects or strings (cloning those
// costs 0.6–2 µs per record, see docs/architecture.md). Both live in SharedArrayBuffers: handing them to
// a worker copies nothing (like a transfer), and unlike a transfer the main thread keeps them,
// so a batch whose worker crashed can be retried or set aside without losing a record.
// Workers only read them.

import type { Job } from '../src/jobs/types.ts';

export interface BatchTask {
  /** The validated job; the worker compiles it once per `${id}:${version}` and caches it. */
  job: Job;
  /** Concatenated record bytes (UTF-8 JSON objects, no separators). Only [0, ends[count-1]) is used. */
  data: SharedArrayBuffer;
  /** ends[i] is the byte offset one past record i inside `data`. Record i starts at ends[i-1] (or 0). */
  ends: Uint32Array;
  count: number;
  /** Seed for sampling so a rebuilt batch samples the same records (bounded, recognisable re-delivery). */
  sampleSeed: number;
  /** Uncompressed bytes per compressed chunk; 0 = one chunk for the whole batch. */
  chunkBytes: number;
  /** List every dropped record in BatchResult.droppedRecords (a dead-letter destination wants them). */
  reportDrops?: boolean;
  /**
   * Byte offset in `data` where this task's first record starts (0 for a whole batch). A large
   * batch is encoded as several tasks over the same shared buffers: each gets a view of `ends`
   * (absolute offsets) and its start.
   */
  startByte?: number;
  /**
   * Write batch_prefix / batch_suffix (default true). False for the parts of a batch encoded in
   * several tasks: the main thread writes the framing between them.
   */
  framed?: boolean;
}

/** A record the worker rejected, by its index in the batch. */
export interface DroppedRecord {
  index: number;
  reason: DropReason;
  /** What was wrong, at most a few hundred characters, never the whole record. */
  message: string;
}

/** Why a record was dropped in a worker. A closed set: these become metric label values. */
export type DropReason = 'invalid_json' | 'wrong_type';

export interface BatchResult {
  /** Compressed chunks in order; each is independently decodable and their concatenation is one valid file. */
  chunks: Uint8Array[];
  recordsIn: number;
  /** Records written to the output. */
  recordsOut: number;
  /** Records the filter rejected. */
  filtered: number;
  /** Records the sampler skipped. */
  sampled: number;
  dropped: Record<DropReason, number>;
  /**
   * Records whose tracked string values held invalid UTF-8: not dropped, but filtered and written
   * with U+FFFD in place of each invalid sequence (workers/utf8.ts).
   */
  invalidUtf8: number;
  /** Output bytes before compression (including batch/record prefixes). */
  bytesEncoded: number;
  /** Sum of chunk lengths. */
  bytesCompressed: number;
  /**
   * Earliest and latest event time of the records in the batch, in nanoseconds since the
   * epoch as a decimal string (exact), or null when no record carried a readable event time.
   */
  minEventTimeNs: string | null;
  maxEventTimeNs: string | null;
  /** Up to a few examples of dropped records' problems, for rate-limited logging. */
  dropSamples: string[];
  /** Every dropped record, only when the task asked (reportDrops). */
  droppedRecords?: DroppedRecord[];
  /** Worker-side time spent, for telemetry. */
  workerMicros: number;
}

/** Error codes that cross the worker boundary (structured clone drops prototypes; match on code). */
export const WorkerErrorCode = {
  /** The job could not be compiled in the worker — validation should have caught it. */
  JOB_COMPILE: 'ERR_JOB_COMPILE',
  /** Compression failed. */
  CODEC: 'ERR_CODEC',
} as const;
