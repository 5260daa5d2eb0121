// One memory limit (memory.limit_mb) split into the defaults of the settings that decide how
// much memory sluice holds. Each share is a default: a setting the config gives explicitly wins.
// What is not split here (the main thread's V8 heap, Node and kafkajs themselves, pages glibc
// keeps after a free) is what the remaining quarter is for, and what the runtime guard
// (src/core/memory-guard.ts) watches through the process RSS.

/**
 * Off by default. At 512 (bench:jobs, 500,000 records, 8 MiB batches) one job lost nothing
 * (305 MB, 91.8k records/s) and 10 jobs stayed under it (488 MB) at half their speed without a
 * limit; 1,000 jobs stayed near it (502–524 MB) at 35–60% of their speed, and 10,000 jobs
 * neither held it (847 MB) nor kept going (1.9k records/s): what is not batch data, idle ~272 MB
 * with 1,000 jobs, leaves the guard little room, and it holds intake most of the time (README
 * "Memory"). A limit is for a container that must not pass it, at that cost in speed.
 */
export const DEFAULT_MEMORY_LIMIT_MB = 0;

/** Today's fixed defaults, kept when there is no limit (memory.limit_mb: 0). */
export const UNLIMITED_IN_FLIGHT_BYTES = 256 * 1024 * 1024;
export const UNLIMITED_KAFKA_MAX_BYTES = 10 * 1024 * 1024; // kafkajs's own default
export const UNLIMITED_KAFKA_MAX_BYTES_PER_PARTITION = 1024 * 1024; // kafkajs's own default

const MIB = 1024 * 1024;

/**
 * Batches: a quarter of the limit. The buffer pool keeps idle batch buffers up to the budget
 * again (pipeline.ts), so batch data can occupy half the limit.
 */
const IN_FLIGHT_SHARE = 1 / 4;

/**
 * Worker V8 heaps: a quarter of the limit over all workers. A worker's live heap is ~25 MB
 * (bench/README.md "Where the memory goes": compiled jobs and codec state; batch data is in
 * SharedArrayBuffers, outside the heap); the 180–220 MB seen with 1,000 jobs was garbage V8 had
 * no reason to collect under its default 4 GB old space.
 */
const WORKER_HEAPS_SHARE = 1 / 4;
/**
 * Below this a worker compiling many jobs would spend its time in GC, or die of OOM (its batch
 * is then retried, and quarantined after 3 attempts): ~2.5× the live heap measured.
 */
const MIN_WORKER_OLD_GENERATION_MB = 64;
/**
 * Node 24 lets a worker's young generation grow to 192 MB (64 MB semi-spaces). 24 MB (8 MB
 * semi-spaces) measured the same records/s on the worker pipeline as the default
 * (bench/pipeline.bench.ts, ndjson + gzip/zstd, in process with --max-semi-space-size=8).
 */
const WORKER_YOUNG_GENERATION_MB = 24;

/**
 * Kafka fetches: 1/32 of the limit per fetch response (kafkajs keeps the response and a JS object
 * per record while the batch is pushed: 2–3× its bytes), at most kafkajs's 10 MiB default,
 * and per partition a quarter of that (so 4 partitions fill one fetch), at most its 1 MiB.
 * A broker returns a first record larger than these anyway (KIP-74), so nothing stalls.
 */
const KAFKA_FETCH_SHARE = 1 / 32;
const MIN_KAFKA_MAX_BYTES = 64 * 1024;

/** A worker thread's V8 heap caps, in piscina's / worker_threads' resourceLimits shape. */
export interface WorkerHeapLimits {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
}

export interface MemoryPlan {
  /** The whole limit in bytes; 0 = no limit (no guard, today's fixed defaults). */
  limitBytes: number;
  inFlightBytes: number;
  /** null = V8's defaults. */
  workerHeap: WorkerHeapLimits | null;
  kafkaMaxBytes: number;
  kafkaMaxBytesPerPartition: number;
}

/** The defaults that follow from `limitMb` (0 = none) with `workers` worker threads. */
export function planMemory(limitMb: number, workers: number): MemoryPlan {
  if (limitMb === 0) {
    return {
      limitBytes: 0,
      inFlightBytes: UNLIMITED_IN_FLIGHT_BYTES,
      workerHeap: null,
      kafkaMaxBytes: UNLIMITED_KAFKA_MAX_BYTES,
      kafkaMaxBytesPerPartition: UNLIMITED_KAFKA_MAX_BYTES_PER_PARTITION,
    };
  }
  const limitBytes = limitMb * MIB;
  const perWorkerMb = Math.floor((limitMb * WORKER_HEAPS_SHARE) / Math.max(1, workers));
  const kafkaMaxBytes = Math.max(MIN_KAFKA_MAX_BYTES, Math.min(UNLIMITED_KAFKA_MAX_BYTES, Math.floor(limitBytes * KAFKA_FETCH_SHARE)));
  return {
    limitBytes,
    inFlightBytes: Math.floor(limitBytes * IN_FLIGHT_SHARE),
    workerHeap: {
      maxOldGenerationSizeMb: Math.max(MIN_WORKER_OLD_GENERATION_MB, perWorkerMb - WORKER_YOUNG_GENERATION_MB),
      maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
    },
    kafkaMaxBytes,
    kafkaMaxBytesPerPartition: maxBytesPerPartitionFor(kafkaMaxBytes),
  };
}

/** The per-partition fetch size that goes with a fetch size (also one the config gives). */
export function maxBytesPerPartitionFor(kafkaMaxBytes: number): number {
  return Math.max(1024, Math.min(UNLIMITED_KAFKA_MAX_BYTES_PER_PARTITION, Math.floor(kafkaMaxBytes / 4)));
}
