// Pipeline counters, kept as plain numbers on the main thread and updated per batch (not per
// record where avoidable). Prometheus export reads these; the CLI prints them as progress.

import type { DatasetCounters, DatasetCounterTable } from './dataset-counters.ts';

export type MainDropReason = 'oversized' | 'quarantined';

export interface PipelineStats {
  // Record counts are the sums of the per-dataset counters (the only place they are counted).
  /** Records pushed by sources. */
  readonly recordsIn: number;
  readonly bytesIn: number;
  /** Records whose (dataset, tenant) matched no enabled job: nothing to deliver, acknowledged at once. */
  readonly recordsUnrouted: number;
  /** Record copies handed to job batches (a record matching 3 jobs counts 3). */
  readonly recordsRouted: number;
  /** Of the routed copies: */
  readonly recordsDelivered: number;
  readonly recordsFiltered: number;
  readonly recordsSampled: number;
  readonly recordsDropped: { readonly invalid_json: number; readonly wrong_type: number; readonly oversized: number; readonly quarantined: number };
  batchesSealed: number;
  batchesDelivered: number;
  /** Batches whose records were all filtered/sampled/dropped: acknowledged with no object written. */
  batchesEmpty: number;
  bytesEncoded: number;
  bytesCompressed: number;
  deliveryRetries: number;
  workerFailures: number;
}

/** Pipeline totals: record counts summed over `datasets` when read, batch counts kept here. */
export function createStats(datasets: DatasetCounterTable): PipelineStats {
  const sum = (pick: (counters: DatasetCounters) => number): number => {
    let total = 0;
    for (const [, counters] of datasets.entries()) total += pick(counters);
    return total;
  };
  return {
    get recordsIn() { return sum((c) => c.received); },
    get bytesIn() { return sum((c) => c.receivedBytes); },
    get recordsUnrouted() { return sum((c) => c.unrouted); },
    get recordsRouted() { return sum((c) => c.routed); },
    get recordsDelivered() { return sum((c) => c.delivered); },
    get recordsFiltered() { return sum((c) => c.filtered); },
    get recordsSampled() { return sum((c) => c.sampled); },
    get recordsDropped() {
      return {
        invalid_json: sum((c) => c.dropped.invalid_json),
        wrong_type: sum((c) => c.dropped.wrong_type),
        oversized: sum((c) => c.dropped.oversized),
        quarantined: sum((c) => c.dropped.quarantined),
      };
    },
    batchesSealed: 0,
    batchesDelivered: 0,
    batchesEmpty: 0,
    bytesEncoded: 0,
    bytesCompressed: 0,
    deliveryRetries: 0,
    workerFailures: 0,
  };
}
