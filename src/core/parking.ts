// Parking a job (docs/architecture.md "Parking and catch-up"): what the pipeline needs from the
// source to park a job, and where a parked job must resume on each partition.

import type { PartitionHandle } from './source.ts';
import type { PartitionTracker } from './ack-tracker.ts';
import type { JobRuntime } from './job-runtime.ts';

/**
 * A source that can re-read records (Kafka) keeps parked jobs' resume positions with its
 * commits. The pipeline calls it before it acknowledges anything of the job being parked.
 */
export interface ParkingPort {
  /**
   * Records that `jobId` has delivered nothing from `offset` on, on each partition, so that no
   * commit moves past those records without saying so. Returns false when the positions cannot
   * be kept (the source's room for them is full): the job is then not parked.
   */
  keepPositions(jobId: number, positions: ReadonlyMap<PartitionHandle, number>): boolean;
  /** The job is gone (deleted): its positions are no longer needed. */
  forget(jobId: number): void;
}

/** When a job is parked, from the pipeline's settings. */
export interface ParkingRules {
  /** Bytes one job may hold (open and sealed batches, charged as the budget counts them: OpenBatch.charged) before it may be parked. */
  shareBytes: number;
  /** A job at its share is parked when no batch of it was delivered for this long. */
  stalledMs: number;
  /** A job whose destination keeps failing is parked after this long, whatever it holds. */
  failingMs: number;
  /** A job parked this long is disabled (as Logpush disables a job that fails for a day). */
  disableAfterMs: number;
}

/**
 * Where `runtime` must resume on each of `partitions` (those of its dataset): the first offset
 * of a record it holds in an open or sealed batch there, or, where it holds none, the offset
 * after the last record seen (records from there on are not routed to a parked job).
 */
export function resumePositions(runtime: JobRuntime, partitions: Iterable<PartitionTracker>): Map<PartitionTracker, number> {
  const positions = new Map<PartitionTracker, number>();
  for (const tracker of partitions) {
    if (tracker.open && tracker.dataset === runtime.job.dataset) positions.set(tracker, tracker.nextOffset());
  }
  const held = runtime.batch === null ? runtime.sealed : [runtime.batch, ...runtime.sealed];
  for (const batch of held) {
    for (const span of batch.spans) {
      const known = positions.get(span.tracker);
      // A batch's offsets rise within a partition, so its first offset there is its lowest.
      if (known !== undefined && span.firstOffset < known) positions.set(span.tracker, span.firstOffset);
    }
  }
  return positions;
}

/** Why `runtime` should be parked now, or null. */
export function parkingReason(runtime: JobRuntime, rules: ParkingRules, now: number): string | null {
  if (runtime.parked) return null;
  if (runtime.failingSince !== null && now - runtime.failingSince >= rules.failingMs) {
    return `its destination has failed for ${Math.round((now - runtime.failingSince) / 1000)} s`;
  }
  if (runtime.heldBytes >= rules.shareBytes && now - lastDeliveryMs(runtime) >= rules.stalledMs) {
    return `it holds its whole share of memory (${runtime.heldBytes} bytes) and delivered nothing for ${Math.round(rules.stalledMs / 1000)} s`;
  }
  return null;
}

function lastDeliveryMs(runtime: JobRuntime): number {
  return runtime.health.delivered_at_ms ?? runtime.createdAt;
}
