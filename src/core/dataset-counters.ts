// Per-dataset record counters: the one place records are counted. The `dataset`-labelled
// Prometheus counters read them at scrape time (the hot path never calls into prom-client, no
// label hashing per record), and PipelineStats' record totals are their sums.

import { PartitionTracker } from './ack-tracker.ts';

export interface DatasetCounters {
  /** Records pushed by sources. */
  received: number;
  receivedBytes: number;
  /** Records that matched no enabled job (acknowledged at once). */
  unrouted: number;
  /** Records that matched at least one job. */
  matched: number;
  /** Record copies handed to job batches (a record matching 3 jobs counts 3). */
  routed: number;
  /** Of the routed copies (except `oversized`, which is counted per record before routing): */
  delivered: number;
  filtered: number;
  sampled: number;
  dropped: { invalid_json: number; wrong_type: number; oversized: number; quarantined: number };
  /** Of the routed copies: those written (or filtered) with U+FFFD for invalid UTF-8 in a tracked value. */
  invalidUtf8: number;
}

export type DropReason = keyof DatasetCounters['dropped'];
export const DROP_REASONS: readonly DropReason[] = ['invalid_json', 'wrong_type', 'oversized', 'quarantined'];

export function createDatasetCounters(): DatasetCounters {
  return { received: 0, receivedBytes: 0, unrouted: 0, matched: 0, routed: 0, delivered: 0, filtered: 0, sampled: 0, dropped: { invalid_json: 0, wrong_type: 0, oversized: 0, quarantined: 0 }, invalidUtf8: 0 };
}

/** Counters by dataset name; a dataset's entry is created the first time it is asked for. */
export class DatasetCounterTable {
  private readonly byDataset = new Map<string, DatasetCounters>();

  /** Per partition or per batch, never per record: the pipeline caches the result on the partition. */
  of(dataset: string): DatasetCounters {
    let counters = this.byDataset.get(dataset);
    if (counters === undefined) {
      counters = createDatasetCounters();
      this.byDataset.set(dataset, counters);
    }
    return counters;
  }

  entries(): IterableIterator<[string, DatasetCounters]> {
    return this.byDataset.entries();
  }
}

/** A partition that carries its dataset's counters, so `push` bumps them without a lookup. */
export class CountedPartition extends PartitionTracker {
  readonly counters: DatasetCounters;

  constructor(name: string, dataset: string, firstOffset: number, counters: DatasetCounters) {
    super(name, dataset, firstOffset);
    this.counters = counters;
  }
}
