// One job's batch while it fills up on the main thread.
//
// Raw record bytes are appended to one SharedArrayBuffer (grown by doubling) and their end
// offsets to a Uint32Array, so the sealed batch crosses to a worker as two shared buffers and
// no per-record objects (docs/architecture.md: cloning arrays of buffers costs 0.6–2 µs per record).
// Each record also remembers its (partition, sequence number) so the batch can acknowledge it
// once delivered; per partition the first and last offsets name the batch (its batch id).

import type { PartitionTracker } from './ack-tracker.ts';
import type { SharedBufferPool } from './buffer-pool.ts';

export interface PartitionSpan {
  tracker: PartitionTracker;
  /** Sequence numbers of this batch's records in that partition, in order. */
  seqs: Float64Array;
  count: number;
  firstOffset: number;
  lastOffset: number;
}

const MIN_DATA_CAPACITY = 64 * 1024;
const EMPTY = new Uint8Array(new SharedArrayBuffer(0));
/** Room for the record that crosses max_upload_bytes (records are at most max_record_bytes, 1 MiB by default). */
const SLACK_BYTES = 1024 * 1024;
/** Larger batches (max_upload_bytes up to 1 GB) still grow by doubling past this. */
const MAX_INITIAL_CAPACITY = 128 * 1024 * 1024;
const MIN_RECORD_CAPACITY = 16;

export class OpenBatch {
  data: Uint8Array;
  ends: Uint32Array;
  count = 0;
  bytes = 0;
  readonly openedAt: number;
  /** Usually one or a few partitions, so a small array beats a Map here. */
  readonly spans: PartitionSpan[] = [];
  /**
   * Per record: its source offset and the index of its span. Needed only to find a record the
   * worker rejected (dead-letter copies), but two typed-array stores per record are cheap.
   */
  recordOffsets: Float64Array;
  recordSpans: Uint16Array;
  private acknowledged = false;
  private lastSpan: PartitionSpan | null = null;
  private lastSpanIndex = 0;

  private readonly pool: SharedBufferPool | null;

  /** `expectedBytes` is the job's max_upload_bytes; `previousCount` its last batch's records (none for its first). */
  constructor(openedAt: number, expectedBytes: number, pool: SharedBufferPool | null = null, previousCount?: number) {
    this.pool = pool;
    this.openedAt = openedAt;
    // Sized for the whole batch up front: growing by doubling copied ~2x the batch per batch
    // (19% of the main thread in bench:e2e). Zero-filled pages are mapped lazily by the OS, so
    // an allocation larger than what the batch ends up holding costs address space, not RSS.
    // Sizing it from the job's previous batch instead was measured and lost: bench:jobs peak
    // RSS rose from 942-958 to 1,059-1,235 MB at 10 jobs and from 1,392-1,432 to 1,740-1,808 MB
    // at 1,000 (bench/README.md "Many jobs"). Most likely because buffers of a few KB to 16 MiB
    // come from malloc's arenas, which zero (touch) every page and keep freed ones, while a
    // 64 MiB one is its own lazily mapped region (not verified further).
    this.data = new Uint8Array(this.allocate(Math.max(MIN_DATA_CAPACITY, Math.min(expectedBytes + SLACK_BYTES, MAX_INITIAL_CAPACITY))));
    // The per-record tables are sized from the job's previous batch: a fixed 256 entries (~12 KB
    // with four partitions' spans) per batch was as much again as a small batch's data.
    const records = previousCount === undefined ? MIN_RECORD_CAPACITY : Math.max(MIN_RECORD_CAPACITY, previousCount + (previousCount >>> 2));
    this.ends = new Uint32Array(new SharedArrayBuffer(records * 4));
    this.recordOffsets = new Float64Array(records);
    this.recordSpans = new Uint16Array(records);
  }

  append(value: Uint8Array, tracker: PartitionTracker, seq: number, offset: number): void {
    const end = this.bytes + value.length;
    if (end > this.data.length) this.growData(end);
    this.data.set(value, this.bytes);
    this.bytes = end;
    if (this.count === this.ends.length) this.growRecordTables();
    const span = this.spanFor(tracker, offset);
    span.seqs[span.count++] = seq;
    this.recordOffsets[this.count] = offset;
    this.recordSpans[this.count] = this.lastSpanIndex;
    this.ends[this.count++] = end;
  }

  /** The partition and offset of record `index` (in append order). */
  positionOf(index: number): { tracker: PartitionTracker; offset: number } {
    return { tracker: this.spans[this.recordSpans[index]!]!.tracker, offset: this.recordOffsets[index]! };
  }

  /** The raw bytes of record `index`. */
  recordBytes(index: number): Uint8Array {
    return this.data.subarray(index === 0 ? 0 : this.ends[index - 1]!, this.ends[index]!);
  }

  /**
   * Acknowledges every record of the batch for this job, once: a batch of a job that was parked
   * while it was in flight is acknowledged at parking, and its delivery must not do it again.
   */
  ackAll(): void {
    if (this.acknowledged) return;
    this.acknowledged = true;
    for (const span of this.spans) {
      const { tracker, seqs, count } = span;
      for (let i = 0; i < count; i++) tracker.ack(seqs[i]!);
    }
  }

  private spanFor(tracker: PartitionTracker, offset: number): PartitionSpan {
    let span = this.lastSpan;
    if (span === null || span.tracker !== tracker) {
      let index = this.spans.findIndex((s) => s.tracker === tracker);
      if (index < 0) {
        index = this.spans.length;
        this.spans.push({ tracker, seqs: new Float64Array(MIN_RECORD_CAPACITY), count: 0, firstOffset: offset, lastOffset: offset });
      }
      span = this.spans[index]!;
      this.lastSpan = span;
      this.lastSpanIndex = index;
    }
    if (span.count === span.seqs.length) span.seqs = grown(span.seqs, span.seqs.length * 2);
    span.lastOffset = offset;
    return span;
  }

  private growRecordTables(): void {
    const capacity = this.ends.length * 2;
    const ends = new Uint32Array(new SharedArrayBuffer(capacity * 4));
    ends.set(this.ends);
    this.ends = ends;
    this.recordOffsets = grown(this.recordOffsets, capacity);
    const spans = new Uint16Array(capacity);
    spans.set(this.recordSpans);
    this.recordSpans = spans;
  }

  /** Hands the data buffer back for reuse; call only once every task that read it is done. */
  release(): void {
    this.pool?.give(this.data.buffer as SharedArrayBuffer);
    this.data = EMPTY;
  }

  private allocate(bytes: number): SharedArrayBuffer {
    return this.pool ? this.pool.take(bytes) : new SharedArrayBuffer(bytes);
  }

  private growData(needed: number): void {
    let capacity = this.data.length * 2;
    while (capacity < needed) capacity *= 2;
    const data = new Uint8Array(this.allocate(capacity));
    data.set(this.data.subarray(0, this.bytes));
    this.pool?.give(this.data.buffer as SharedArrayBuffer); // not sealed yet: no worker has seen it
    this.data = data;
  }
}

function grown(array: Float64Array, capacity: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(array);
  return next;
}
