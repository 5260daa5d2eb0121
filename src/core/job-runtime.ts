// The running state of one job on the main thread: its validated definition, its
// destination, the batch it is filling, and its health as Logpush reports it.

import type { Destination } from '../destinations/destination.ts';
import type { Job } from '../jobs/types.ts';
import type { OpenBatch } from './open-batch.ts';

export interface JobHealth {
  /** When a batch was last delivered (ISO 8601), or null. */
  last_complete: string | null;
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
  /** Sealed batches of this job not yet delivered. */
  inFlight: number;
}

export function createJobRuntime(job: Job, destination: Destination): JobRuntime {
  return {
    job,
    destination,
    health: { last_complete: null, last_error: null, error_message: null },
    batch: null,
    inFlight: 0,
  };
}
