// The worker pool at full load: the real WorkerPool (src/pool/worker-pool.ts) with N threads
// (default 2, this machine's cores), fed many batches at once, as the pipeline feeds it when
// intake outruns the workers. Each round submits `tasksPerRound` BatchTasks together (round-robin
// over a few distinct batches) and waits for every result; records/s is over all measured rounds
// of a contender (total records ÷ total wall time, from the first submit to the last result).
//
// Contenders run interleaved (each round runs each once) so the host's load hits them alike:
// sluice's pipeline worker per codec, and the JSON.parse baseline in its own pool of the same size
// (bench/pool/baseline-worker.ts), which pays the same dispatch and result-message costs.
// Used by bench/pipeline.bench.ts, which writes these rows into its result file and table.

import { WorkerPool } from '../../src/pool/worker-pool.ts';
import type { Job } from '../../src/jobs/types.ts';
import { DEFAULT_CHUNK_BYTES } from '../../src/config/schema.ts';
import { BASELINE_DESCRIPTION } from '../json-parse-baseline.ts';
import { batchTask, benchJob, type PackedBatch } from '../fixtures.ts';
import { median } from '../median.ts';
import type { PipelineBenchResult } from '../pipeline.bench.ts';

const BASELINE_WORKER = new URL('./baseline-worker.ts', import.meta.url).href;

export interface PoolBenchOptions {
  threads: number;
  /** Batches submitted at once per round. */
  tasksPerRound: number;
  rounds: number;
  warmup: number;
}

export interface PoolBenchResult extends PipelineBenchResult {
  threads: number;
  tasksPerRound: number;
  /** recordsPerSecond is over the whole run; this is the median round's. */
  medianRoundRecordsPerSecond: number;
  /** CPU of the whole process (main thread, workers, V8 helpers) per record. */
  cpuMicrosPerRecord: number;
  /** Main thread CPU per record: dispatching tasks and taking results. */
  mainThreadCpuMicrosPerRecord: number;
  /** Workers' own measured busy time ÷ (wall time × threads). */
  workerBusyShare: number;
}

interface Contender {
  name: string;
  description: string;
  pool: WorkerPool;
  /** One job for all rounds: workers compile it once, as they do a live job. */
  job: Job;
}

interface RoundTotals {
  millis: number;
  records: number;
  encodedBytes: number;
  compressedBytes: number;
  cpuMicros: number;
  mainCpuMicros: number;
  workerMicros: number;
}

const cpuMicros = (u: NodeJS.CpuUsage): number => u.user + u.system;

async function runRound(contender: Contender, batches: readonly PackedBatch[], tasks: number): Promise<RoundTotals> {
  const { job } = contender;
  const cpuBefore = process.cpuUsage();
  const mainBefore = process.threadCpuUsage();
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: tasks }, (_, i) =>
    contender.pool.run(batchTask(job, batches[i % batches.length]!, DEFAULT_CHUNK_BYTES))));
  const millis = performance.now() - started;
  const totals: RoundTotals = {
    millis, records: 0, encodedBytes: 0, compressedBytes: 0,
    cpuMicros: cpuMicros(process.cpuUsage(cpuBefore)), mainCpuMicros: cpuMicros(process.threadCpuUsage(mainBefore)), workerMicros: 0,
  };
  for (const result of results) {
    totals.records += result.recordsOut;
    totals.encodedBytes += result.bytesEncoded;
    totals.compressedBytes += result.bytesCompressed;
    totals.workerMicros += result.workerMicros;
  }
  return totals;
}

export async function runPoolBench(batches: readonly PackedBatch[], options: PoolBenchOptions): Promise<PoolBenchResult[]> {
  const { threads, tasksPerRound, rounds, warmup } = options;
  const pipelinePool = new WorkerPool({ threads, maxAttempts: 1 });
  const baselinePool = new WorkerPool({ threads, filename: BASELINE_WORKER, maxAttempts: 1 });
  const label = `pool ×${threads}`;
  const contenders: Contender[] = [
    { name: `${label}: ndjson 10 fields, zstd-3`, description: `WorkerPool, ${threads} threads, scanner pipeline, ndjson, 10 fields`, pool: pipelinePool, job: benchJob('zstd') },
    { name: `${label}: ndjson 10 fields, gzip-6`, description: `WorkerPool, ${threads} threads, scanner pipeline, ndjson, 10 fields`, pool: pipelinePool, job: benchJob('gzip') },
    { name: `${label} baseline: JSON.parse+pick+stringify, zstd-3`, description: `WorkerPool, ${threads} threads, ${BASELINE_DESCRIPTION}`, pool: baselinePool, job: benchJob('zstd') },
  ];
  const inputBytesPerTask = batches.reduce((sum, b) => sum + b.data.byteLength, 0) / batches.length;
  try {
    const measured = contenders.map(() => [] as RoundTotals[]);
    for (let round = 0; round < warmup + rounds; round++) {
      for (const [c, contender] of contenders.entries()) {
        const totals = await runRound(contender, batches, tasksPerRound);
        if (round >= warmup) measured[c]!.push(totals);
      }
    }
    return contenders.map((contender, c): PoolBenchResult => {
      const runs = measured[c]!;
      const sum = (pick: (r: RoundTotals) => number): number => runs.reduce((s, r) => s + pick(r), 0);
      const seconds = sum((r) => r.millis) / 1000;
      const records = sum((r) => r.records);
      const encodedBytes = sum((r) => r.encodedBytes);
      const compressedBytes = sum((r) => r.compressedBytes);
      return {
        name: contender.name,
        description: contender.description,
        threads,
        tasksPerRound,
        recordsPerSecond: Math.round(records / seconds),
        medianRoundRecordsPerSecond: Math.round(median(runs.map((r) => r.records / (r.millis / 1000)))),
        inputMBPerSecond: Math.round(((inputBytesPerTask * tasksPerRound * runs.length) / 1e6 / seconds) * 10) / 10,
        encodedBytes: Math.round(encodedBytes / (tasksPerRound * runs.length)),
        compressedBytes: Math.round(compressedBytes / (tasksPerRound * runs.length)),
        compressionRatio: Math.round((encodedBytes / compressedBytes) * 100) / 100,
        cpuMicrosPerRecord: Math.round((sum((r) => r.cpuMicros) / records) * 100) / 100,
        mainThreadCpuMicrosPerRecord: Math.round((sum((r) => r.mainCpuMicros) / records) * 100) / 100,
        workerBusyShare: Math.round((sum((r) => r.workerMicros) / 1000 / (sum((r) => r.millis) * threads)) * 100) / 100,
        roundMillis: runs.map((r) => Math.round(r.millis * 10) / 10),
      };
    });
  } finally {
    await Promise.all([pipelinePool.destroy(), baselinePool.destroy()]);
  }
}
