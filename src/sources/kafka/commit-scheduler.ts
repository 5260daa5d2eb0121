// Which offsets to commit, per open partition. The pipeline reports `committable(partition,
// offset)` — every record below `offset` is done — for every source's partitions; this keeps the
// latest value for the partitions this consumer owns and hands out only those that moved since
// the last successful commit. A partition removed here (revoked, crashed) is never committed
// again, even if a late report or an in-flight commit names it.
//
// Kafka's committed offset is the NEXT offset to read, which is exactly the pipeline's
// committable value: no +1 anywhere.

import type { PartitionHandle } from '../../core/source.ts';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface DueCommit extends TopicPartitionOffset {
  /** Which assignment of the partition this is for (a partition re-assigned later gets a new handle). */
  handle: PartitionHandle;
}

interface Entry {
  topic: string;
  partition: number;
  /** Latest committable offset the pipeline reported; -1 = none yet. */
  committable: number;
  /** Last offset Kafka acknowledged committing; -1 = none by us in this assignment. */
  committed: number;
}

export class CommitScheduler {
  readonly #entries = new Map<PartitionHandle, Entry>();

  add(handle: PartitionHandle, topic: string, partition: number): void {
    this.#entries.set(handle, { topic, partition, committable: -1, committed: -1 });
  }

  remove(handle: PartitionHandle): void {
    this.#entries.delete(handle);
  }

  /** From the pipeline. Positions of partitions we do not own (other sources, closed ones) are ignored. */
  report(handle: PartitionHandle, offset: number): void {
    const entry = this.#entries.get(handle);
    if (entry !== undefined && offset > entry.committable) entry.committable = offset;
  }

  /** Offsets that moved since their last commit; commit them, then call `committed` with the same list. */
  due(): DueCommit[] {
    const out: DueCommit[] = [];
    for (const [handle, entry] of this.#entries) {
      if (entry.committable > entry.committed) out.push({ handle, topic: entry.topic, partition: entry.partition, offset: entry.committable });
    }
    return out;
  }

  /**
   * Commit every partition again at its current offset, although it did not move: what goes
   * with the offset (parked positions in the metadata) changed.
   */
  recommitAll(): void {
    for (const entry of this.#entries.values()) if (entry.committable >= 0) entry.committed = -1;
  }

  /** Kafka acknowledged these commits. Partitions removed meanwhile stay removed. */
  committed(done: readonly DueCommit[]): void {
    for (const d of done) {
      const entry = this.#entries.get(d.handle);
      if (entry !== undefined && d.offset > entry.committed) entry.committed = d.offset;
    }
  }
}
