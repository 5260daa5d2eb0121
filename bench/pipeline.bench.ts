// Micro benchmark: the worker pipeline (workers/pipeline-worker.ts processBatch: decode → scan →
// filter → sample → encode → compress) per output format and codec, on one core, in process (no
// pool), against the obvious alternative: JSON.parse each record, pick the fields,
// JSON.stringify, zstd-3. Then the same work on the real worker pool with 2 threads, fed many
// batches at once, against the same baseline in a pool of its own (bench/pool/throughput.ts).
//
//   node_modules/.bin/node bench/pipeline.bench.ts [--records 10000] [--rounds 9] [--warmup 3]
//       [--pool-threads 2] [--pool-tasks 16] [--pool-batches 4] [--pool-rounds 5] [--pool-warmup 2]
//       [--no-pool]
//
// Input: one batch of generated http_requests events (bench/fixtures.ts); the pool gets
// --pool-batches distinct batches of --records each. Contenders run interleaved (round r runs
// each once), so JIT state and machine noise affect them alike; one-core rows are the median
// round, pool rows the whole run. Writes bench/results/pipeline-<ISO time>.json with the load
// average before and after.

import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BatchTask } from '../workers/batch-task.ts';
import { getCodec } from '../workers/codecs/registry.ts';
import { compileJob, type CompiledJob } from '../workers/compile-job.ts';
import { processBatch } from '../workers/pipeline-worker.ts';
import { batchTask, benchJob, generateRecords, packBatch, TEN_FIELDS, type PackedBatch } from './fixtures.ts';
import { BASELINE_DESCRIPTION, parseAndStringifyBatch } from './json-parse-baseline.ts';
import { median } from './median.ts';
import { runPoolBench, type PoolBenchOptions, type PoolBenchResult } from './pool/throughput.ts';
import { resultHeader, writeResultFile } from './result-file.ts';
import { formatTable } from './text-table.ts';

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
  return {
    name: 'baseline: JSON.parse+pick+stringify, zstd-3',
    description: BASELINE_DESCRIPTION,
    run(task) {
      const { encodedBytes, compressed } = parseAndStringifyBatch(task, fields);
      return [encodedBytes, compressed.length];
    },
  };
}

export function runPipelineBench(batch: PackedBatch, rounds: number, warmup: number): {
  parameters: Record<string, unknown>;
  results: PipelineBenchResult[];
} {
  const recordCount = batch.ends.length;
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

function printTable(results: Array<PipelineBenchResult | PoolBenchResult>): void {
  const rows = results.map((r) => [
    r.name, r.recordsPerSecond.toLocaleString('en-US'), r.inputMBPerSecond.toFixed(1), r.compressionRatio.toFixed(2),
    'cpuMicrosPerRecord' in r ? r.cpuMicrosPerRecord.toFixed(2) : '',
    'workerBusyShare' in r ? `${Math.round(r.workerBusyShare * 100)} %` : '',
  ]);
  console.log(formatTable(['contender', 'records/s', 'input MB/s', 'ratio', 'CPU µs/record', 'workers busy'], rows));
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '9' },
      warmup: { type: 'string', default: '3' },
      'pool-threads': { type: 'string', default: '2' },
      'pool-tasks': { type: 'string', default: '16' },
      'pool-batches': { type: 'string', default: '4' },
      'pool-rounds': { type: 'string', default: '5' },
      'pool-warmup': { type: 'string', default: '2' },
      'no-pool': { type: 'boolean', default: false },
    },
  });
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const recordCount = Number(values.records);
  const batch = packBatch(generateRecords(recordCount));
  const { parameters, results } = runPipelineBench(batch, Number(values.rounds), Number(values.warmup));

  const pool: PoolBenchOptions = {
    threads: Number(values['pool-threads']),
    tasksPerRound: Number(values['pool-tasks']),
    rounds: Number(values['pool-rounds']),
    warmup: Number(values['pool-warmup']),
  };
  const poolBatchCount = Number(values['pool-batches']);
  let poolResults: PoolBenchResult[] = [];
  if (!values['no-pool']) {
    // The one-core batch (seed 42) plus more from other seeds: different bytes in each batch.
    const batches = [batch, ...Array.from({ length: poolBatchCount - 1 }, (_, i) => packBatch(generateRecords(recordCount, 43 + i)))];
    poolResults = await runPoolBench(batches, pool);
  }
  const report = {
    ...resultHeader('pipeline', startedAt, loadBefore, os.loadavg()),
    parameters: {
      ...parameters,
      pool: values['no-pool'] ? null : {
        ...pool,
        batches: poolBatchCount,
        recordsPerBatch: recordCount,
        chunkBytes: 'DEFAULT_CHUNK_BYTES (8 MiB)',
        statistic: 'whole run: records of all measured rounds ÷ their wall time (median round in medianRoundRecordsPerSecond)',
        input: 'seeds 42, 43, …',
      },
    },
    results: [...results, ...poolResults],
  };
  printTable(report.results);
  console.log(`\nload average before ${report.machine.loadAverageBefore.join(' ')}, after ${report.machine.loadAverageAfter.join(' ')} (${report.machine.cores} cores)`);
  console.log(`wrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
}
