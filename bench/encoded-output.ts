// What a worker hands its codec: the encoded output of generated http_requests batches, made by
// the worker's own processBatch without compression. The compression benchmarks (gzip, zstd
// chunk sizes) measure codecs on these bytes rather than on raw events, because the codec only
// ever sees the job's output (10 fields here, as the pipeline benchmark's jobs).

import { compileJob } from '../workers/compile-job.ts';
import { processBatch } from '../workers/pipeline-worker.ts';
import { batchTask, benchJob, generateRecords, packBatch, type PackedBatch } from './fixtures.ts';
import type { OutputOptions } from '../src/jobs/types.ts';

/** At least `minBytes` of 10-field ndjson output, from batches of `perBatch` generated records (seeds 42, 43, …). */
export function ndjsonOutput(minBytes: number, perBatch = 10_000): Buffer {
  const outputs: Uint8Array[] = [];
  let total = 0;
  for (let seed = 42; total < minBytes; seed++) {
    const output = encodedOutput(packBatch(generateRecords(perBatch, seed)));
    outputs.push(output);
    total += output.length;
  }
  return Buffer.concat(outputs);
}

/** The uncompressed output the job's encoder writes for `batch` (one chunk, no codec). */
export function encodedOutput(batch: PackedBatch, options: Partial<OutputOptions> = {}): Uint8Array {
  const job = benchJob('none', options);
  const result = processBatch(compileJob(job), batchTask(job, batch));
  return result.chunks.length === 1 ? result.chunks[0]! : Buffer.concat(result.chunks);
}

/** Cuts `bytes` into pieces of about `pieceBytes`, each ending after a '\n' (whole records, as the worker cuts chunks). */
export function piecesAtLines(bytes: Uint8Array, pieceBytes: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + pieceBytes, bytes.length);
    if (end < bytes.length) {
      const newline = bytes.indexOf(0x0a, end - 1);
      end = newline < 0 ? bytes.length : newline + 1;
    }
    pieces.push(bytes.subarray(start, end));
    start = end;
  }
  return pieces;
}
