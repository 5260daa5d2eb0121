// Pipeline counters, kept as plain numbers on the main thread and updated per batch (not per
// record where avoidable). Prometheus export reads these; the CLI prints them as progress.

export type MainDropReason = 'oversized' | 'quarantined';

export interface PipelineStats {
  /** Records pushed by sources. */
  recordsIn: number;
  bytesIn: number;
  /** Records whose (dataset, tenant) matched no enabled job: nothing to deliver, acknowledged at once. */
  recordsUnrouted: number;
  /** Record copies handed to job batches (a record matching 3 jobs counts 3). */
  recordsRouted: number;
  /** Of the routed copies: */
  recordsDelivered: number;
  recordsFiltered: number;
  recordsSampled: number;
  recordsDropped: { invalid_json: number; wrong_type: number; oversized: number; quarantined: number };
  batchesSealed: number;
  batchesDelivered: number;
  /** Batches whose records were all filtered/sampled/dropped: acknowledged with no object written. */
  batchesEmpty: number;
  bytesEncoded: number;
  bytesCompressed: number;
  deliveryRetries: number;
  workerFailures: number;
}

export function createStats(): PipelineStats {
  return {
    recordsIn: 0,
    bytesIn: 0,
    recordsUnrouted: 0,
    recordsRouted: 0,
    recordsDelivered: 0,
    recordsFiltered: 0,
    recordsSampled: 0,
    recordsDropped: { invalid_json: 0, wrong_type: 0, oversized: 0, quarantined: 0 },
    batchesSealed: 0,
    batchesDelivered: 0,
    batchesEmpty: 0,
    bytesEncoded: 0,
    bytesCompressed: 0,
    deliveryRetries: 0,
    workerFailures: 0,
  };
}
