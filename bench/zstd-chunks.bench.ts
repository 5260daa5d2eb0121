// Micro benchmark: what `pipeline.chunk_bytes` costs in zstd-3 output size. Each chunk is an
// independent zstd frame (workers/codecs/zstd.ts), so a frame boundary loses the history before
// it; this measures how much, on one batch of the default size (32 MiB of generated
// http_requests events, LOGPUSH_LIMITS.default_upload_bytes) run through the worker's
// processBatch with the production codec (level 3, content checksum), for chunk sizes 1–32 MiB
// and one chunk per batch, for the 10-field ndjson of the other benchmarks and for every field.
// A last row cuts the batch as the pipeline does (src/core/batch-split.ts: parts of
// pipeline.part_bytes input, each encoded in its own task with the default chunk size, plus the
// compressed record delimiters between parts, as src/core/encode-batch.ts writes them).
//
//   node_modules/.bin/node bench/zstd-chunks.bench.ts [--batch-mib 32] [--rounds 3]
//
// Sizes are exact (deterministic input); times are the median of --rounds. Writes
// bench/results/zstd-chunks-<ISO time>.json.

import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CHUNK_BYTES, DEFAULT_PART_BYTES } from '../src/config/schema.ts';
import { splitBatch } from '../src/core/batch-split.ts';
import { getCatalog } from '../src/datasets/catalog.ts';
import type { Job } from '../src/jobs/types.ts';
import { getCodec } from '../workers/codecs/registry.ts';
import { compileJob } from '../workers/compile-job.ts';
import { batchFraming } from '../workers/encode.ts';
import { processBatch } from '../workers/pipeline-worker.ts';
import { batchTask, benchJob, generateRecords, packBatch, type PackedBatch } from './fixtures.ts';
import { median } from './median.ts';
import { resultHeader, round, writeResultFile } from './result-file.ts';
import { formatTable } from './text-table.ts';

const MIB = 1024 * 1024;
const CHUNK_SIZES_MIB = [1, 4, 8, 16, 32];

interface ChunkResult {
  name: string;
  output: string;
  /** 0 = one chunk per batch; for the pipeline row, the chunk size inside each part. */
  chunkBytes: number;
  parts: number;
  frames: number;
  encodedBytes: number;
  compressedBytes: number;
  compressionRatio: number;
  /** Compressed size ÷ the one-frame size of the same output. */
  sizeVsOneFrame: number;
  /** Records/s of processBatch (scan, encode, zstd) for the whole batch, median round. */
  recordsPerSecond: number;
  roundMillis: number[];
}

/** The first records of a generated stream that fit in `bytes`, packed as one batch. */
function batchOfBytes(bytes: number): PackedBatch {
  const records = generateRecords(Math.ceil(bytes / 1000));
  let total = 0;
  let count = 0;
  while (count < records.length && total + Buffer.byteLength(records[count]!) <= bytes) total += Buffer.byteLength(records[count++]!);
  return packBatch(records.slice(0, count));
}

interface Run {
  parts: number;
  frames: number;
  encodedBytes: number;
  compressedBytes: number;
}

/** The batch in one task with `chunkBytes`, as processBatch writes it for a batch below part_bytes. */
function oneTask(job: Job, batch: PackedBatch, chunkBytes: number): Run {
  const result = processBatch(compileJob(job), batchTask(job, batch, chunkBytes));
  return { parts: 1, frames: result.chunks.length, encodedBytes: result.bytesEncoded, compressedBytes: result.bytesCompressed };
}

/** The batch as the pipeline encodes it: parts of `partBytes`, each a task, and compressed delimiters between them. */
function asPipeline(job: Job, batch: PackedBatch, partBytes: number, chunkBytes: number): Run {
  const compiled = compileJob(job);
  const parts = splitBatch({ ends: batch.ends, count: batch.ends.length }, partBytes);
  const delimiter = batchFraming(job.output_options).delimiter;
  const delimiterBytes = delimiter === '' ? 0 : getCodec(job.compression).compress(Buffer.from(delimiter, 'utf8')).length;
  const run: Run = { parts: parts.length, frames: 0, encodedBytes: 0, compressedBytes: 0 };
  for (const part of parts) {
    const result = processBatch(compiled, {
      ...batchTask(job, batch, chunkBytes),
      ends: batch.ends.subarray(part.first, part.first + part.count),
      count: part.count,
      startByte: part.startByte,
      framed: parts.length === 1,
    });
    run.frames += result.chunks.length;
    run.encodedBytes += result.bytesEncoded;
    run.compressedBytes += result.bytesCompressed;
  }
  if (parts.length > 1 && delimiterBytes > 0) {
    run.frames += parts.length - 1;
    run.encodedBytes += (parts.length - 1) * Buffer.byteLength(delimiter);
    run.compressedBytes += (parts.length - 1) * delimiterBytes;
  }
  return run;
}

function printTable(results: readonly ChunkResult[]): void {
  const rows = results.map((r) => [
    r.output, r.name, String(r.parts), String(r.frames), r.encodedBytes.toLocaleString('en-US'), r.compressedBytes.toLocaleString('en-US'),
    r.compressionRatio.toFixed(3), `${((r.sizeVsOneFrame - 1) * 100).toFixed(2)} %`, r.recordsPerSecond.toLocaleString('en-US'),
  ]);
  console.log(formatTable(['output', 'chunks', 'parts', 'frames', 'encoded bytes', 'zstd-3 bytes', 'ratio', 'vs one frame', 'records/s'], rows, [0, 1]));
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { 'batch-mib': { type: 'string', default: '32' }, rounds: { type: 'string', default: '3' } } });
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const rounds = Number(values.rounds);
  const batch = batchOfBytes(Number(values['batch-mib']) * MIB);
  const recordCount = batch.ends.length;
  const outputs: Array<{ name: string; job: Job }> = [
    { name: 'ndjson, 10 fields', job: benchJob('zstd') },
    { name: 'ndjson, every field', job: benchJob('zstd', { field_names: [...getCatalog('http_requests')!.fieldNames] }) },
  ];
  const variants: Array<{ name: string; chunkBytes: number; run(job: Job): Run }> = [
    ...CHUNK_SIZES_MIB.map((mib) => ({ name: `${mib} MiB`, chunkBytes: mib * MIB, run: (job: Job) => oneTask(job, batch, mib * MIB) })),
    { name: 'one per batch (0)', chunkBytes: 0, run: (job: Job) => oneTask(job, batch, 0) },
    {
      name: `pipeline: ${DEFAULT_PART_BYTES / MIB} MiB parts × ${DEFAULT_CHUNK_BYTES / MIB} MiB chunks`,
      chunkBytes: DEFAULT_CHUNK_BYTES,
      run: (job: Job) => asPipeline(job, batch, DEFAULT_PART_BYTES, DEFAULT_CHUNK_BYTES),
    },
  ];

  const results: ChunkResult[] = [];
  for (const output of outputs) {
    const runs = variants.map(() => ({ millis: [] as number[], run: null as Run | null }));
    for (let r = 0; r < rounds + 1; r++) {
      variants.forEach((variant, v) => {
        const started = performance.now();
        runs[v]!.run = variant.run(output.job);
        // Round 0 warms the JIT and the codec's context.
        if (r > 0) runs[v]!.millis.push(performance.now() - started);
      });
    }
    const oneFrame = runs[CHUNK_SIZES_MIB.length]!.run!.compressedBytes;
    variants.forEach((variant, v) => {
      const { run, millis } = runs[v]!;
      results.push({
        name: variant.name,
        output: output.name,
        chunkBytes: variant.chunkBytes,
        parts: run!.parts,
        frames: run!.frames,
        encodedBytes: run!.encodedBytes,
        compressedBytes: run!.compressedBytes,
        compressionRatio: round(run!.encodedBytes / run!.compressedBytes, 3),
        sizeVsOneFrame: round(run!.compressedBytes / oneFrame, 4),
        recordsPerSecond: Math.round(recordCount / (median(millis) / 1000)),
        roundMillis: millis.map((m) => round(m, 1)),
      });
    });
  }
  const report = {
    ...resultHeader('zstd-chunks', startedAt, loadBefore, os.loadavg()),
    parameters: {
      batchInputBytes: batch.data.byteLength,
      records: recordCount,
      codec: 'zstd level 3 with content checksum (workers/codecs/zstd.ts)',
      partBytes: DEFAULT_PART_BYTES,
      rounds,
      input: 'src/generator/http-requests.ts, seed 42, fixed clock',
    },
    results: results.map((r) => ({ ...r, name: `${r.output}, chunks ${r.name}` })),
  };
  printTable(results);
  console.log(`\nload average before ${report.machine.loadAverageBefore.join(' ')}, after ${report.machine.loadAverageAfter.join(' ')} (${report.machine.cores} cores)`);
  console.log(`wrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
}
