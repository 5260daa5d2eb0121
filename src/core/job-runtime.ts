// The running state of one job on the main thread: its validated definition, its
// destination, the batch it is filling, and its health as Logpush reports it.

import type { Destination } from '../destinations/destination.ts';
import type { Job } from '../jobs/types.ts';
import { CompletionMark } from './completion-mark.ts';
import type { OpenBatch } from './open-batch.ts';

export interface JobHealth {
  /** The log time up to which records are delivered (ISO 8601; completion-mark.ts), or null. */
  last_complete: string | null;
  /** When (ms, wall clock) a batch was last delivered, or null: how long a job has stalled (parking.ts). */
  delivered_at_ms: number | null;
  /** When delivery last failed (ISO 8601), or null. */
  last_error: string | null;
  /** Why delivery last failed, secrets removed; cleared by the next success. */
  error_message: string | null;
}

export interface JobRuntime {
  readonly job: Job;
  readonly destination: Destination;
  readonly health: JobHealth;
  /** The batch being filled, or null until the next record for this job arrives. */
  batch: OpenBatch | null;
  /** Sealed batches of this job not yet delivered (a parked job acknowledges them and reads from its resume positions). */
  readonly sealed: Set<OpenBatch>;
  /** Which of its sealed batches are done, for health.last_complete. */
  readonly completion: CompletionMark;
  /** How many sealed batches are not yet delivered: `sealed.size`. */
  readonly inFlight: number;
  /** Bytes this job's open and sealed batches are charged (OpenBatch.charged: records and each batch's own cost): its share of the budget. */
  heldBytes: number;
  /** Parked: out of the router, its undelivered records left to a catch-up reader (docs/architecture.md). */
  parked: boolean;
  /** When (ms) the job was parked, carried across its versions; null while running. */
  parkedAt: number | null;
  /** The service was asked to disable this job for staying parked too long (asked once). */
  disableRequested: boolean;
  /** Aborted when the job is parked: its retries stop. */
  readonly abort: AbortController;
  /** When this runtime was made (ms): a job that never delivered is stalled since then. */
  readonly createdAt: number;
  /**
   * Since when (ms) its deliveries fail without a success in between, or null; set by delivery
   * results only, not by error_message, which also carries notices (parked, records lost to
   * retention) that must not count as failing: an idle job handed back with such a notice would
   * otherwise be parked again and again.
   */
  failingSince: number | null;
}

export function createJobRuntime(job: Job, destination: Destination): JobRuntime {
  return {
    job,
    destination,
    health: { last_complete: null, delivered_at_ms: null, last_error: null, error_message: null },
    batch: null,
    sealed: new Set(),
    completion: new CompletionMark(),
    get inFlight() {
      return this.sealed.size;
    },
    heldBytes: 0,
    parked: false,
    parkedAt: null,
    disableRequested: false,
    abort: new AbortController(),
    createdAt: Date.now(),
    failingSince: null,
  };
}
