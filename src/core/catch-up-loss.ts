// Records of a parked job that retention deleted before its catch-up reader could re-read them
// (docs/design.md "Parking and catch-up", "Retention"). They are gone from Kafka and cannot be
// delivered: this is said loudly and never silently — in the job's error_message (as Logpush
// reports a failing job), a counter by topic, and an error log line with the partition and count.

import type { Logger } from 'pino';
import type { JobRuntime } from './job-runtime.ts';

export interface CatchUpLoss {
  jobId: number;
  topic: string;
  partition: number;
  /** The job's saved position (or where its reader stood). */
  from: number;
  /** The first offset the topic still holds. */
  to: number;
}

/** The metric side (src/telemetry/metrics.ts): a counter labelled by configured topic only. */
export interface CatchUpLossMetrics {
  catchUpRecordsLost(topic: string, records: number): void;
}

/**
 * The job's error_message. It counts offsets of the topic, every tenant's: which of them were
 * this job's cannot be known once they are deleted.
 */
export function catchUpLossMessage(loss: CatchUpLoss): string {
  return `records lost: ${loss.to - loss.from} records of topic ${loss.topic} partition ${loss.partition} (offsets ${loss.from} to ${loss.to - 1}, every tenant's) fell out of the topic's retention while this job was parked, before they could be re-read; this job's records among them were not delivered`;
}

/** Says it in all three places; returns the error_message set on `runtime` (when the job still exists). */
export function reportCatchUpLoss(runtime: JobRuntime | undefined, loss: CatchUpLoss, log: Logger, metrics: CatchUpLossMetrics | undefined): string {
  const records = loss.to - loss.from;
  const message = catchUpLossMessage(loss);
  metrics?.catchUpRecordsLost(loss.topic, records);
  log.error(
    { job_id: loss.jobId, topic: loss.topic, partition: loss.partition, records_lost: records, from_offset: loss.from, to_offset: loss.to },
    'records of a parked job fell out of the topic\'s retention before catch-up re-read them; they cannot be delivered; catch-up goes on from the earliest offset Kafka holds',
  );
  if (runtime !== undefined) {
    runtime.health.error_message = message;
    runtime.health.last_error = new Date().toISOString();
  }
  return message;
}
