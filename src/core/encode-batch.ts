// Runs a sealed batch through the worker pool and exposes its compressed output as a
// ChunkStream, so delivery can start before every part is encoded.
//
// Small batches are one task. A batch larger than `partBytes` of input is cut into parts that
// run on the pool concurrently. The parts are queued first, last, then the middle ones: the
// object's name needs the batch's first and last event times, which come from the first and
// last parts, and with those known the upload can start while the middle parts are encoding.
// Parts are encoded unframed; batch_prefix, record_delimiter between parts and batch_suffix are
// compressed here (tiny) and placed in the stream, so the concatenation equals what one task
// would have written.

import type { Job } from '../jobs/types.ts';
import type { WorkerPool } from '../pool/worker-pool.ts';
import { getCodec } from '../../workers/codecs/registry.ts';
import { batchFraming } from '../../workers/encode.ts';
import type { BatchResult, BatchTask, DroppedRecord } from '../../workers/batch-task.ts';
import { splitBatch } from './batch-split.ts';
import { ChunkStream } from '../destinations/chunk-stream.ts';
import type { OpenBatch } from './open-batch.ts';

export interface BatchTotals {
  recordsOut: number;
  filtered: number;
  sampled: number;
  dropped: { invalid_json: number; wrong_type: number };
  /** Records written (or filtered) with U+FFFD for invalid UTF-8 in a tracked value. */
  invalidUtf8: number;
  bytesEncoded: number;
  bytesCompressed: number;
  dropSamples: string[];
  /** Indices are batch-wide. */
  droppedRecords: DroppedRecord[];
  /** Worker time spent on all parts, as the workers measured it. */
  workerMicros: number;
  /** The newest event time (ns) among the records written, over every part, or null if none had one. */
  maxEventTimeNs: bigint | null;
}

export interface EncodedBatch {
  stream: ChunkStream;
  /** Resolves with the object's time range once known, or null if no record was kept. Rejects with BatchCrashError. */
  timeRange: Promise<{ startNs: string; endNs: string } | null>;
  /** Resolves once every part is encoded and in the stream. Rejects with BatchCrashError. */
  totals: Promise<BatchTotals>;
}

export interface EncodeOptions {
  job: Job;
  batch: OpenBatch;
  pool: Pick<WorkerPool, 'run'>;
  sampleSeed: number;
  chunkBytes: number;
  partBytes: number;
  reportDrops: boolean;
  /** Fallback times (ms) for the object name when the end parts hold no event time: batch.openedAt and this. */
  sealedAt: number;
}

export function encodeBatch(options: EncodeOptions): EncodedBatch {
  const { job, batch, pool } = options;
  const parts = splitBatch(batch, options.partBytes);
  const single = parts.length === 1;
  const runs: Array<Promise<BatchResult>> = new Array(parts.length);
  const order = single ? [0] : [0, parts.length - 1, ...parts.slice(1, -1).map((_, i) => i + 1)];
  for (const index of order) {
    const part = parts[index]!;
    const task: BatchTask = {
      job,
      data: batch.data.buffer as SharedArrayBuffer,
      ends: batch.ends.subarray(part.first, part.first + part.count),
      count: part.count,
      startByte: part.startByte,
      framed: single,
      // Each part samples with its own deterministic stream: a rebuilt batch samples the same records.
      sampleSeed: (options.sampleSeed + index * 0x9e3779b1) >>> 0 || 1,
      chunkBytes: options.chunkBytes,
      reportDrops: options.reportDrops,
    };
    runs[index] = pool.run(task);
  }
  for (const run of runs) run.catch(() => {}); // observed below; never an unhandled rejection

  const stream = new ChunkStream();
  const fallback = { start: `${batch.openedAt}000000`, end: `${options.sealedAt}000000` };
  const timeRange = Promise.all([runs[0]!, runs[runs.length - 1]!]).then(async ([first, last]) => {
    if (first.recordsOut > 0 || last.recordsOut > 0 || single) {
      if (first.recordsOut + last.recordsOut === 0) return null;
      return { startNs: first.minEventTimeNs ?? fallback.start, endNs: last.maxEventTimeNs ?? fallback.end };
    }
    // Both ends kept nothing: whether there is an object at all depends on the middle.
    const all = await Promise.all(runs);
    return all.some((r) => r.recordsOut > 0) ? { startNs: fallback.start, endNs: fallback.end } : null;
  });
  const totals = collect(runs, parts.map((p) => p.first), stream, single ? null : framingChunks(job));
  totals.catch((error: unknown) => stream.fail(error));
  timeRange.catch(() => {});
  return { stream, timeRange, totals };
}

async function collect(runs: Array<Promise<BatchResult>>, firsts: number[], stream: ChunkStream, framing: Framing | null): Promise<BatchTotals> {
  const totals: BatchTotals = {
    recordsOut: 0, filtered: 0, sampled: 0, dropped: { invalid_json: 0, wrong_type: 0 }, invalidUtf8: 0,
    bytesEncoded: 0, bytesCompressed: 0, dropSamples: [], droppedRecords: [], workerMicros: 0, maxEventTimeNs: null,
  };
  for (let i = 0; i < runs.length; i++) {
    const result = await runs[i]!;
    if (result.recordsOut > 0 && framing) {
      const piece = totals.recordsOut === 0 ? framing.prefix : framing.delimiter;
      if (piece) push(stream, totals, piece);
    }
    for (const chunk of result.chunks) push(stream, totals, chunk);
    totals.recordsOut += result.recordsOut;
    totals.filtered += result.filtered;
    totals.sampled += result.sampled;
    totals.dropped.invalid_json += result.dropped.invalid_json;
    totals.dropped.wrong_type += result.dropped.wrong_type;
    totals.invalidUtf8 += result.invalidUtf8;
    totals.bytesEncoded += result.bytesEncoded;
    totals.workerMicros += result.workerMicros;
    if (typeof result.maxEventTimeNs === 'string') {
      const ns = BigInt(result.maxEventTimeNs);
      if (totals.maxEventTimeNs === null || ns > totals.maxEventTimeNs) totals.maxEventTimeNs = ns;
    }
    if (totals.dropSamples.length < 5) totals.dropSamples.push(...result.dropSamples.slice(0, 5 - totals.dropSamples.length));
    for (const dropped of result.droppedRecords ?? []) totals.droppedRecords.push({ ...dropped, index: dropped.index + firsts[i]! });
  }
  if (totals.recordsOut > 0 && framing?.suffix) push(stream, totals, framing.suffix);
  stream.end();
  return totals;
}

function push(stream: ChunkStream, totals: BatchTotals, chunk: Uint8Array): void {
  stream.push(chunk);
  totals.bytesCompressed += chunk.length;
}

interface Framing {
  prefix: Uint8Array | null;
  delimiter: Uint8Array | null;
  suffix: Uint8Array | null;
}

const framingCache = new WeakMap<Job, Framing>();

/** batch_prefix, record_delimiter and batch_suffix compressed with the job's codec (each its own member/frame). */
function framingChunks(job: Job): Framing {
  let framing = framingCache.get(job);
  if (!framing) {
    const codec = getCodec(job.compression);
    const text = batchFraming(job.output_options);
    const compress = (s: string) => (s === '' ? null : codec.compress(Buffer.from(s, 'utf8')));
    framing = { prefix: compress(text.prefix), delimiter: compress(text.delimiter), suffix: compress(text.suffix) };
    framingCache.set(job, framing);
  }
  return framing;
}
