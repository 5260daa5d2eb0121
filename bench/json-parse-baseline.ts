// The obvious way to do a worker's job, which the pipeline benchmarks measure sluice against:
// decode each record, JSON.parse it, pick the fields, JSON.stringify, join with '\n', zstd-3.
// Shared by the one-core contender (bench/pipeline.bench.ts) and the pool's baseline worker
// (bench/pool/baseline-worker.ts), so both baselines do exactly the same work.

import type { BatchTask } from '../workers/batch-task.ts';
import { getCodec } from '../workers/codecs/registry.ts';

export const BASELINE_DESCRIPTION =
  'Buffer#toString per record, JSON.parse, pick 10 fields, JSON.stringify, join with \\n, zstd-3';

/** Runs the batch the obvious way; returns the encoded size and the compressed output. */
export function parseAndStringifyBatch(task: BatchTask, fields: readonly string[]): { encodedBytes: number; compressed: Uint8Array } {
  const bytes = Buffer.from(task.data);
  let out = '';
  let start = task.startByte ?? 0;
  for (let i = 0; i < task.count; i++) {
    const end = task.ends[i]!;
    const record = JSON.parse(bytes.toString('utf8', start, end)) as Record<string, unknown>;
    start = end;
    const picked: Record<string, unknown> = {};
    for (const field of fields) {
      if (field in record) picked[field] = record[field];
    }
    out += `${JSON.stringify(picked)}\n`;
  }
  const encoded = Buffer.from(out, 'utf8');
  return { encodedBytes: encoded.length, compressed: getCodec('zstd', 3).compress(encoded) };
}
