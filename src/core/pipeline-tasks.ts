// The worker tasks one pipeline has handed to the pool and that have not finished, so its
// intake can pause while enough work already waits for the workers (pipeline.ts).
//
// Why: with many jobs, batches are sealed by their interval, not by size (1,000 jobs × 1 s = at
// least 1,000 batches a second), and a budget of bytes let thousands of small batches queue for
// two workers with their records in memory. Records that wait for a worker can as well wait in
// Kafka. bench:jobs at 1,000 jobs (bench/README.md "Many jobs"): with at most 128 tasks (64 per
// worker thread) peak RSS was 710-760 MB against 826-985 MB without, at the same records/s
// within the noise (mean 20.5k against 20.7k over five interleaved pairs); 32 tasks lost
// throughput.

import type { BatchResult, BatchTask } from '../../workers/batch-task.ts';
import type { WorkerPool } from '../pool/worker-pool.ts';

/** Tasks a pipeline may have given the pool per worker thread before its intake pauses. */
export const TASKS_PER_WORKER = 64;

export class PipelineTasks {
  /** Tasks given to the pool and not finished (waiting for a worker or running). */
  outstanding = 0;
  private readonly pool: Pick<WorkerPool, 'run'>;
  private readonly onFinished: () => void;

  constructor(pool: Pick<WorkerPool, 'run'>, onFinished: () => void) {
    this.pool = pool;
    this.onFinished = onFinished;
  }

  run(task: BatchTask): Promise<BatchResult> {
    this.outstanding++;
    return this.pool.run(task).finally(() => {
      this.outstanding--;
      this.onFinished();
    });
  }
}
