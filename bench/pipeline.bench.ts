// Micro benchmark: the worker pipeline (workers/pipeline-worker.ts processBatch: decode → scan →
// filter → sample → encode → compress) per output format and codec, on one core, in process (no
// pool), against the obvious alternative: JSON.parse each record, pick the fields,
// JSON.stringify, zstd-3.
//
//   node_modules/.bin/node bench/pipeline.bench.ts [--records 10000] [--rounds 9] [--warmup 3]
//
// Input: one batch of generated http_requests events (bench/fixtures.ts). Contenders run
// interleaved (round r runs each once), so JIT state and machine noise affect them alike; the
// median round is reported. Writes bench/results/pipeline-<ISO time>.json.

import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BatchTask } from '../workers/batch-task.ts';
import { getCodec } from '../workers/codecs/registry.ts';
import { compileJob, type CompiledJob } from '../workers/compile-job.ts';
import { processBatch } from '../workers/pipeline-worker.ts';
import { batchTask, benchJob, generateRecords, packBatch, TEN_FIELDS } from './fixtures.ts';
import { writeResultFile } from './result-file.ts';

interface Contender {
  name: string;
  description: string;
  /** Processes the batch; returns [bytes encoded, bytes compressed]. */
  run(task: BatchTask): [number, number];
}

export interface PipelineBenchResult {
  name: string;
  description: string;
  recordsPerSecond: number;
  inputMBPerSecond: number;
  encodedBytes: number;
  compressedBytes: number;
  compressionRatio: number;
  roundMillis: number[];
}

function pipeline(name: string, description: string, compiled: CompiledJob): Contender {
  return {
    name,
    description,
    run(task) {
      const result = processBatch(compiled, task);
      return [result.bytesEncoded, result.bytesCompressed];
    },
  };
}

/** The obvious implementation: parse every record, pick the fields, stringify, compress. */
function parseAndStringify(fields: readonly string[]): Contender {
  const zstd = getCodec('zstd', 3);
  return {
    name: 'baseline: JSON.parse+pick+stringify, zstd-3',
    description: 'Buffer#toString per record, JSON.parse, pick 10 fields, JSON.stringify, join with \\n, zstd-3',
    run(task) {
      const bytes = Buffer.from(task.data);
      let out = '';
      let start = 0;
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
      return [encoded.length, zstd.compress(encoded).length];
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function runPipelineBench(recordCount: number, rounds: number, warmup: number): {
  parameters: Record<string, unknown>;
  results: PipelineBenchResult[];
} {
  const records = generateRecords(recordCount);
  const batch = packBatch(records);
  const inputBytes = batch.data.byteLength;

  const withCodec = (compiled: CompiledJob, compression: 'gzip' | 'zstd', level: number): CompiledJob =>
    ({ ...compiled, codec: getCodec(compression, level) });
  const contenders: Contender[] = [
    pipeline('ndjson 10 fields, zstd-3', 'scanner pipeline, ndjson, 10 fields', compileJob(benchJob('zstd'))),
    pipeline('ndjson 10 fields, gzip-6', 'scanner pipeline, ndjson, 10 fields', compileJob(benchJob('gzip'))),
    pipeline('ndjson 10 fields, gzip-1', 'scanner pipeline, ndjson, 10 fields, gzip level 1',
      withCodec(compileJob(benchJob('gzip')), 'gzip', 1)),
    pipeline('csv 10 fields, zstd-3', 'scanner pipeline, csv, 10 fields', compileJob(benchJob('zstd', { output_type: 'csv' }))),
    pipeline('ndjson 10 fields, snappy', 'scanner pipeline, ndjson, 10 fields, framed snappy', compileJob(benchJob('snappy'))),
    pipeline('ndjson 10 fields, none', 'scanner pipeline, ndjson, 10 fields, no compression', compileJob(benchJob('none'))),
    pipeline('ndjson 10 fields rfc3339, zstd-3', 'scanner pipeline, ndjson, timestamps as RFC 3339',
      compileJob(benchJob('zstd', { timestamp_format: 'rfc3339' }))),
    parseAndStringify(TEN_FIELDS),
  ];

  const millis = contenders.map(() => [] as number[]);
  const sizes = contenders.map(() => [0, 0] as [number, number]);
  for (let round = 0; round < warmup + rounds; round++) {
    contenders.forEach((contender, c) => {
      const task = batchTask(benchJob('none'), batch);
      const started = performance.now();
      sizes[c] = contender.run(task);
      const elapsed = performance.now() - started;
      if (round >= warmup) millis[c]!.push(elapsed);
    });
  }

  const results = contenders.map((contender, c): PipelineBenchResult => {
    const ms = median(millis[c]!);
    const [encodedBytes, compressedBytes] = sizes[c]!;
    return {
      name: contender.name,
      description: contender.description,
      recordsPerSecond: Math.round(recordCount / (ms / 1000)),
      inputMBPerSecond: Math.round((inputBytes / 1e6 / (ms / 1000)) * 10) / 10,
      encodedBytes,
      compressedBytes,
      compressionRatio: Math.round((encodedBytes / compressedBytes) * 100) / 100,
      roundMillis: millis[c]!.map((m) => Math.round(m * 10) / 10),
    };
  });
  return {
    parameters: {
      recordsPerBatch: recordCount,
      averageRecordBytes: Math.round(inputBytes / recordCount),
      fields: TEN_FIELDS,
      rounds,
      warmupRounds: warmup,
      statistic: 'median round',
      input: 'src/generator/http-requests.ts, seed 42, fixed clock',
    },
    results,
  };
}

function printTable(results: PipelineBenchResult[]): void {
  const rows = results.map((r) => [
    r.name, r.recordsPerSecond.toLocaleString('en-US'), r.inputMBPerSecond.toFixed(1), r.compressionRatio.toFixed(2),
  ]);
  const header = ['contender', 'records/s', 'input MB/s', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '9' },
      warmup: { type: 'string', default: '3' },
    },
  });
  const { parameters, results } = runPipelineBench(Number(values.records), Number(values.rounds), Number(values.warmup));
  const report = {
    benchmark: 'pipeline',
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, platform: `${os.platform()} ${os.release()}` },
    node: process.version,
    parameters,
    results,
  };
  printTable(results);
  console.log(`\nwrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
}
