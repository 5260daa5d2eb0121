// The source interface: where records come from. Core declares it; src/sources/ implements it
// (the built-in generator, NDJSON files and stdin, Kafka), so the pipeline never depends on a
// particular source.
//
// Contract:
// - A source hands records to `sink.push`, one at a time, as raw bytes with a tenant key and
//   a position (partition + offset). Offsets within one partition strictly increase.
// - `push` returns false when sluice is saturated (the in-flight budget is reached). The
//   source must then stop producing until `sink.onDrain` calls back (Kafka: pause/resume).
// - `sink.committable(partition, offset)` is called when every record below `offset` in that
//   partition has been delivered, filtered or sampled away for every job it matched. Kafka
//   commits it; finite sources use it to know when they are done.

export interface RecordSink {
  /**
   * Hands one record to sluice. `value` is copied before push returns, so the caller may
   * reuse its buffer. Returns false when the caller should wait for `onDrain`.
   */
  push(partition: PartitionHandle, offset: number, tenant: string, value: Uint8Array): boolean;
  /** Registers a one-shot callback for when `push` may be called again after returning false. */
  onDrain(callback: () => void): void;
}

/** A partition as the pipeline tracks it; obtained from `PartitionRegistry.open`. */
export interface PartitionHandle {
  /** e.g. `http_requests/0` (Kafka: topic/partition). */
  readonly name: string;
  /** The dataset the partition's records belong to. */
  readonly dataset: string;
}

export interface PartitionRegistry {
  /** Starts tracking a partition; records pushed for it start at `firstOffset`. */
  open(name: string, dataset: string, firstOffset: number): PartitionHandle;
  /** Stops tracking (rebalance); unacknowledged records in it will not be committed. */
  close(partition: PartitionHandle): void;
}

export interface Source {
  readonly kind: string;
  /**
   * Starts producing into `sink`. Resolves when the source has pushed its last record
   * (finite sources) or after `stop()` (endless ones).
   */
  run(sink: RecordSink, partitions: PartitionRegistry): Promise<void>;
  /** Called by the pipeline as positions become committable. */
  committable?(partition: PartitionHandle, offset: number): void;
  /**
   * For /readyz: false while the source cannot take records yet (Kafka: before its first group
   * join, or after a crash until it rejoins). Absent = ready once `run` was called.
   */
  readonly connected?: boolean;
  /** Asks the source to stop producing; `run` resolves soon after. */
  stop(): void;
  /** Where this source's poison records go (Kafka: a dead-letter topic); null/absent = count and drop. */
  readonly deadLetterSink?: DeadLetterSink | null;
  /**
   * Called once after `run` ended and the pipeline flushed (every deliverable record delivered or
   * given up): the source records its final position (Kafka: commits what was delivered and
   * leaves the group). Must not throw for a failed final commit (nothing is lost by it).
   */
  close?(): Promise<void>;
}

/**
 * A record sluice could not use (not JSON, oversized, a field of the wrong type for a job's
 * filter), on its way to a dead-letter destination before it is acknowledged.
 */
export interface PoisonRecord {
  partition: PartitionHandle;
  offset: number;
  tenant: string;
  value: Uint8Array;
  /** A closed set: 'invalid_json' | 'wrong_type' | 'oversized'. */
  reason: string;
  /** What exactly was wrong, for the error header. */
  message: string;
  /** The job whose worker rejected it; null when rejected before routing (oversized). */
  jobId: number | null;
}

/** A source that can keep poison records somewhere (Kafka: a dead-letter topic). */
export interface DeadLetterSink {
  /** Where the records go, for log lines (Kafka: the topic). */
  readonly name: string;
  /**
   * Stores the records in order, in as many writes as its limits need, calling `stored` after
   * each durable write with how many of the next records it held and how many of those were
   * stored truncated. Rejects at the first failed write: the records not yet reported are to be
   * retried (or set aside).
   */
  deadLetter(records: readonly PoisonRecord[], stored: (records: number, truncated: number) => void): Promise<void>;
}
