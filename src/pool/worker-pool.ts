// The piscina pool that runs batches through workers/pipeline-worker.ts.
//
// A worker that crashes (or throws — which the worker never does for bad records, only for a
// bug) fails its task; piscina replaces a dead worker, and we run the batch again, up to
// `maxAttempts` times. The batch's bytes live in SharedArrayBuffers the main thread still
// holds, so a retry needs no copy. A batch that fails every attempt is handed back as a
// BatchCrashError so the caller can set it aside (quarantine) instead of looping forever.

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import type { BatchResult, BatchTask } from '../../workers/batch-task.ts';

export const DEFAULT_WORKER_FILE = new URL('../../workers/pipeline-worker.ts', import.meta.url).href;

export interface WorkerPoolOptions {
  /** Worker entry module (file URL). Tests point this at a worker that misbehaves on purpose. */
  filename?: string;
  threads?: number;
  /** Runs of one batch before it is given up on. */
  maxAttempts?: number;
  /** Called after each failed attempt, for logs and metrics. */
  onAttemptFailed?: (attempt: number, error: unknown) => void;
  /**
   * Each worker's V8 heap caps (from memory.limit_mb); absent = V8's defaults (in Node 24 up to
   * ~4 GB old and 192 MB young generation per worker). A worker that runs out dies, and its
   * batch is retried on a fresh one like any crash. src/config/memory-plan.ts derives them.
   */
  heapLimits?: Pick<ResourceLimits, 'maxOldGenerationSizeMb' | 'maxYoungGenerationSizeMb'> | null;
}

export class BatchCrashError extends Error {
  readonly code = 'ERR_BATCH_CRASHES_WORKERS';
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    super(`the batch failed in a worker ${attempts} times in a row (last: ${describe(cause)})`, { cause });
    this.name = 'BatchCrashError';
    this.attempts = attempts;
  }
}

export class WorkerPool {
  private readonly piscina: Piscina;
  private readonly maxAttempts: number;
  private readonly onAttemptFailed: (attempt: number, error: unknown) => void;
  readonly threads: number;
  private destroyed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.threads = options.threads ?? availableParallelism();
    this.maxAttempts = options.maxAttempts ?? 3;
    this.onAttemptFailed = options.onAttemptFailed ?? (() => {});
    this.piscina = new Piscina({
      filename: options.filename ?? DEFAULT_WORKER_FILE,
      minThreads: this.threads,
      maxThreads: this.threads,
      // Workers hold compiled jobs and codec contexts: keep them for the life of the process.
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      ...(options.heapLimits ? { resourceLimits: { ...options.heapLimits } } : {}),
    });
    // A worker that dies is reported here as well as through its task; the task path handles it.
    this.piscina.on('error', () => {});
  }

  async run(task: BatchTask): Promise<BatchResult> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        return (await this.piscina.run(task)) as BatchResult;
      } catch (error) {
        lastError = error;
        this.onAttemptFailed(attempt, error);
      }
    }
    throw new BatchCrashError(this.maxAttempts, lastError);
  }

  /** Tasks waiting for a worker. */
  get queueSize(): number {
    return this.piscina.queueSize;
  }

  /** Share of the pool's capacity that was busy, 0..1 (piscina's measure). */
  get utilization(): number {
    return this.piscina.utilization;
  }

  /** For /readyz: false once destroyed, or if piscina has no live worker thread. */
  get alive(): boolean {
    return !this.destroyed && this.piscina.threads.length > 0;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.piscina.destroy();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
  return String(error);
}
