// The piscina worker entry: one BatchTask of one job in, compressed chunks out.
//
// Per record: scan (find the job's fields without JSON.parse) → filter → sample → encode into a
// reused byte buffer; when it reaches `chunkBytes` it is compressed as an independent chunk
// (concatenated chunks are one valid file).
//
// The batch is never decoded: every record is scanned, filtered and copied out in place in the
// batch's UTF-8 bytes (batch-bytes.ts, scanned-record.ts): no per-record copy or string.
//
// Bad records never throw: invalid JSON and wrong-typed filter fields are counted and sampled
// into dropSamples; invalid UTF-8 in a tracked string is replaced with U+FFFD and counted, and
// the record goes on (utf8.ts); an exception while handling one record (which would be a bug) drops that
// record as invalid_json with an ERR_INTERNAL sample rather than failing the whole batch,
// because a batch that always fails would stop its partition (docs/architecture.md invariant 5).

import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { BatchResult, BatchTask, DropReason, DroppedRecord } from './batch-task.ts';
import { CodecError } from './codecs/codec.ts';
import { CompiledJobCache, type CompiledJob } from './compile-job.ts';
import { batchBytes } from './batch-bytes.ts';
import { utf8Of } from './byte-text.ts';
import { ByteWriter, utf8 } from './encoders/byte-writer.ts';
import { createEventTimeRange } from './event-time-range.ts';
import { FilterVerdict } from './filter.ts';
import { HandleCollector } from './handle-collector.ts';
import { replaceInvalidUtf8 } from './utf8.ts';

const MAX_DROP_SAMPLES = 5;
const MAX_DROP_SAMPLE_CHARS = 200;
const SNIPPET_BYTES = 80;
/** An output buffer larger than this is not kept between batches (bounded worker memory). */
const MAX_KEPT_BUFFER_BYTES = 64 * 1024 * 1024;

/**
 * Estimated heap for compiled jobs per worker: ~2,000 jobs of 10 NDJSON fields (~31 KB each once
 * they have seen records), so every job of a 1,000-job instance stays compiled. Beyond that
 * jobs are compiled again as they come round; a worker per group of jobs would avoid it.
 */
export const COMPILED_JOBS_BYTES = 64 * 1024 * 1024;

const cache = new CompiledJobCache(COMPILED_JOBS_BYTES);
// One output buffer, reused by every batch this worker runs.
const writer = new ByteWriter();
const handles = new HandleCollector();

/** Piscina entry. Chunks' ArrayBuffers are moved (transferred) back, not copied. */
export default async function pipelineWorker(task: BatchTask): Promise<BatchResult> {
  const compiled = cache.get(task.job);
  const result = processBatch(compiled, task);
  cache.update(compiled);
  handles.afterTask(task.count > 0 ? task.ends[task.count - 1]! - (task.startByte ?? 0) : 0);
  const movable = {
    [Piscina.transferableSymbol]: result.chunks.map((chunk) => chunk.buffer),
    [Piscina.valueSymbol]: result,
  };
  // Piscina unwraps the movable on its way out: the pool's caller receives `result` itself.
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as BatchResult;
}

/** Processes one batch with an already compiled job. Exported for tests and benchmarks. */
const EMPTY_FRAGMENT = utf8('');
const NO_BYTES = new Uint8Array(0);

const DROP_MESSAGES: Record<DropReason, string> = {
  invalid_json: 'the record is not a valid JSON object',
  wrong_type: "a field the job's filter reads has the wrong type for its operator",
};

export function processBatch(job: CompiledJob, task: BatchTask): BatchResult {
  const startedAt = performance.now();
  const { scanner, record, filter, encoder, codec } = job;
  const sampler = job.sampler(task.sampleSeed);
  const eventTimes = createEventTimeRange(job.eventTimeSlot);
  const startByte = task.startByte ?? 0;
  const framed = task.framed ?? true;
  const { bytes, recordEnds: ends } = batchBytes(task.data, task.ends, task.count, startByte);
  const count = ends.length;
  const out = writer;
  out.reset();
  const chunkLimit = task.chunkBytes > 0 ? task.chunkBytes : Infinity;
  const { recordDelimiter } = encoder;
  const batchPrefix = framed ? encoder.batchPrefix : EMPTY_FRAGMENT;
  const batchSuffix = framed ? encoder.batchSuffix : EMPTY_FRAGMENT;

  const chunks: Uint8Array[] = [];
  const dropSamples: string[] = [];
  // Every dropped record, by index, when a dead-letter destination wants them (rare: poison only).
  const droppedRecords: DroppedRecord[] | null = task.reportDrops ? [] : null;
  let recordsOut = 0, filtered = 0, sampled = 0, invalidJson = 0, wrongType = 0, invalidUtf8 = 0;
  let bytesEncoded = 0, bytesCompressed = 0;

  const flush = (): void => {
    bytesEncoded += out.pos;
    let compressed: Uint8Array;
    try {
      compressed = codec.compress(out.view());
    } catch (cause) {
      throw cause instanceof CodecError ? cause : new CodecError(`${codec.name} compression failed`, { cause });
    }
    compressed = ownedBytes(compressed);
    chunks.push(compressed);
    bytesCompressed += compressed.length;
    out.pos = 0;
  };
  const sampleDrop = (reason: DropReason, index: number, start: number, end: number): void => {
    droppedRecords?.push({ index, reason, message: DROP_MESSAGES[reason] });
    if (dropSamples.length >= MAX_DROP_SAMPLES) return;
    const snippet = JSON.stringify(utf8Of(bytes, start, Math.min(end, start + SNIPPET_BYTES)));
    dropSamples.push(`${reason}: record ${index} (${end - start} bytes): ${snippet}`.slice(0, MAX_DROP_SAMPLE_CHARS));
  };

  let start = 0;
  for (let i = 0; i < count; i++) {
    const from = start;
    const to = ends[i]!;
    start = to;
    const rollback = out.pos;
    try {
      if (!scanner.scan(bytes, from, to, record)) {
        invalidJson++;
        sampleDrop('invalid_json', i, from, to);
        continue;
      }
      if (record.invalidUtf8 && replaceInvalidUtf8(record)) invalidUtf8++;
      const verdict = filter.test(record);
      if (verdict !== FilterVerdict.KEEP) {
        if (verdict === FilterVerdict.REJECT) {
          filtered++;
        } else {
          wrongType++;
          sampleDrop('wrong_type', i, from, to);
        }
        continue;
      }
      if (!sampler.keep()) {
        sampled++;
        continue;
      }
      out.fragment(recordsOut === 0 ? batchPrefix : recordDelimiter);
      encoder.encodeRecord(record, out);
      eventTimes.observe(record);
      recordsOut++;
    } catch (error) {
      out.pos = rollback; // no half-written record in the output
      invalidJson++;
      const message = error instanceof Error ? error.message : String(error);
      droppedRecords?.push({ index: i, reason: 'invalid_json', message: `ERR_INTERNAL: ${message}`.slice(0, MAX_DROP_SAMPLE_CHARS) });
      if (dropSamples.length < MAX_DROP_SAMPLES) {
        dropSamples.push(`ERR_INTERNAL: record ${i}: ${message}`.slice(0, MAX_DROP_SAMPLE_CHARS));
      }
      continue;
    }
    if (out.pos >= chunkLimit) flush();
  }
  if (recordsOut > 0) {
    out.fragment(batchSuffix);
    if (out.pos > 0) flush();
  }
  out.shrink(MAX_KEPT_BUFFER_BYTES);
  // The compiled job (cached, every job of the instance per worker) keeps its record and its
  // scanner between batches: without this their views would keep this batch's
  // SharedArrayBuffer alive in the worker after the main thread let it go (heap snapshots at
  // 1,000 jobs: ~17 GB of batch buffers referenced per worker, their touched pages resident
  // until the job was evicted or ran again).
  record.bytes = NO_BYTES;
  scanner.forgetBatch();

  return {
    chunks,
    recordsIn: count,
    recordsOut,
    filtered,
    sampled,
    dropped: { invalid_json: invalidJson, wrong_type: wrongType },
    invalidUtf8,
    bytesEncoded,
    bytesCompressed,
    minEventTimeNs: eventTimes.min,
    maxEventTimeNs: eventTimes.max,
    dropSamples,
    ...(droppedRecords ? { droppedRecords } : {}),
    workerMicros: Math.round((performance.now() - startedAt) * 1000),
  };
}

/**
 * A chunk whose ArrayBuffer holds exactly its bytes, so it can be transferred. A codec may
 * return a view into a larger or pooled buffer (Node's Buffer pool cannot be transferred, and
 * transferring a shared one would detach other data).
 */
function ownedBytes(chunk: Uint8Array): Uint8Array {
  const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength &&
    chunk.buffer instanceof ArrayBuffer;
  return whole ? chunk : new Uint8Array(chunk);
}
