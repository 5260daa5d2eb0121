// One job's batch while it fills up on the main thread.
//
// Raw record bytes are appended to one SharedArrayBuffer (grown by doubling) and their end
// offsets to a Uint32Array, so the sealed batch crosses to a worker as two shared buffers and
// no per-record objects (docs/architecture.md: cloning arrays of buffers costs 0.6–2 µs per record).
// Each record also remembers its (partition, sequence number) so the batch can acknowledge it
// once delivered; per partition the first and last offsets name the batch (its batch id).
//
// `charged` is what the batch costs in memory, for the budget (docs/architecture.md invariant
// 3): its record bytes, its per-record tables, a fixed overhead, and the pages of a reused buffer
// that an earlier batch wrote. Thousands of small batches of many jobs cost far more than their
// records: at 1,000 jobs ~4,300 batches of ~60 KB waited for two workers under a budget that
// counted records only (bench/README.md "Many jobs").

import type { PartitionTracker } from './ack-tracker.ts';
import { freshBuffer, LAZILY_MAPPED_BYTES, type PooledBuffer, type SharedBufferPool } from './buffer-pool.ts';

export interface PartitionSpan {
  tracker: PartitionTracker;
  /** Sequence numbers of this batch's records in that partition, in order. */
  seqs: Float64Array;
  count: number;
  firstOffset: number;
  lastOffset: number;
}

/**
 * Lazily mapped (buffer-pool.ts), so an unwritten buffer is address space, not memory, whatever
 * the job's max_upload_bytes: an 8 MiB buffer for a 5 MB job came from malloc, zeroed in full,
 * and 1,000 such jobs passed 6 GB of RSS (issue 11).
 */
const MIN_DATA_CAPACITY = LAZILY_MAPPED_BYTES;
const EMPTY = new Uint8Array(new SharedArrayBuffer(0));
const NO_BUFFER: PooledBuffer = { buffer: EMPTY.buffer as SharedArrayBuffer, touched: 0 };
const NO_ENDS = new Uint32Array(new SharedArrayBuffer(0));
const NO_OFFSETS = new Float64Array(0);
const NO_SPANS = new Uint16Array(0);
/**
 * Charged per batch besides its records and tables: its main-thread objects from open to
 * delivered (measured with 2,000 one-record batches: 2.2 KB each waiting for a worker, 7.3 KB
 * while uploading; tasks, promises, streams, results) and the partly written last page of its
 * data. Also what keeps the number of batches, each a mapping of its own, far below the
 * kernel's limit of mappings (vm.max_map_count).
 */
export const BATCH_OVERHEAD_BYTES = 12 * 1024;
/** Per record a batch has room for: ends (4), offsets (8) and span indices (2). */
const RECORD_TABLE_BYTES = 14;
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
  /** Bytes of memory this batch holds, as charged to the budget (see above): it grows while the batch fills, and falls once when it is encoded (encoded()). */
  charged: number;
  /** The data buffer and how far it is resident: written by this batch or, reused, by an earlier one. */
  private held: PooledBuffer;
  private resident: number;
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
    // at 1,000 (bench/README.md "Many jobs"): buffers under 32 MiB come from malloc's heap,
    // which zeroes (touches) every page, while a larger one is its own lazily mapped region
    // (measured since: buffer-pool.ts).
    this.held = this.allocate(Math.max(MIN_DATA_CAPACITY, Math.min(expectedBytes + SLACK_BYTES, MAX_INITIAL_CAPACITY)));
    this.data = new Uint8Array(this.held.buffer);
    this.resident = this.held.touched;
    // The per-record tables are sized from the job's previous batch: a fixed 256 entries (~12 KB
    // with four partitions' spans) per batch was as much again as a small batch's data.
    const records = previousCount === undefined ? MIN_RECORD_CAPACITY : Math.max(MIN_RECORD_CAPACITY, previousCount + (previousCount >>> 2));
    this.ends = new Uint32Array(new SharedArrayBuffer(records * 4));
    this.recordOffsets = new Float64Array(records);
    this.recordSpans = new Uint16Array(records);
    this.charged = BATCH_OVERHEAD_BYTES + this.resident + records * RECORD_TABLE_BYTES;
  }

  /** Appends one record; returns the bytes this added to `charged`. */
  append(value: Uint8Array, tracker: PartitionTracker, seq: number, offset: number): number {
    const before = this.charged;
    const end = this.bytes + value.length;
    if (end > this.data.length) this.growData(end);
    this.data.set(value, this.bytes);
    this.bytes = end;
    if (end > this.resident) {
      this.charged += end - this.resident;
      this.resident = end;
    }
    if (this.count === this.ends.length) this.growRecordTables();
    const span = this.spanFor(tracker, offset);
    span.seqs[span.count++] = seq;
    this.recordOffsets[this.count] = offset;
    this.recordSpans[this.count] = this.lastSpanIndex;
    this.ends[this.count++] = end;
    return this.charged - before;
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
        this.charged += MIN_RECORD_CAPACITY * 8;
      }
      span = this.spans[index]!;
      this.lastSpan = span;
      this.lastSpanIndex = index;
    }
    if (span.count === span.seqs.length) {
      this.charged += span.seqs.length * 8;
      span.seqs = grown(span.seqs, span.seqs.length * 2);
    }
    span.lastOffset = offset;
    return span;
  }

  private growRecordTables(): void {
    const capacity = this.ends.length * 2;
    this.charged += (capacity - this.ends.length) * RECORD_TABLE_BYTES;
    const ends = new Uint32Array(new SharedArrayBuffer(capacity * 4));
    ends.set(this.ends);
    this.ends = ends;
    this.recordOffsets = grown(this.recordOffsets, capacity);
    const spans = new Uint16Array(capacity);
    spans.set(this.recordSpans);
    this.recordSpans = spans;
  }

  /** Hands the data buffer back for reuse; call only once every task that read it is done. Once. */
  release(): void {
    if (this.held === NO_BUFFER) return;
    this.pool?.give(this.held, this.resident);
    this.held = NO_BUFFER;
    this.data = EMPTY;
  }

  /**
   * Once the batch is encoded (every task that read it is done): its record data goes back
   * (release) and from then on it is charged its encoded output, which waits for the upload,
   * besides its own cost. Returns how far the charge fell. A batch stays in flight for as long
   * as its upload takes (a file:// object is fsynced; an S3 object may be retried for minutes),
   * and holding the raw records meanwhile cost ~10x the output for nothing (issue 11).
   * Only the spans stay (acknowledging needs them): recordBytes() and positionOf() no longer
   * work, so a caller that needs rejected records takes them first.
   */
  encoded(outputBytes: number): number {
    this.release();
    this.ends = NO_ENDS;
    this.recordOffsets = NO_OFFSETS;
    this.recordSpans = NO_SPANS;
    let seqBytes = 0;
    for (const span of this.spans) seqBytes += span.seqs.byteLength;
    const next = BATCH_OVERHEAD_BYTES + seqBytes + outputBytes;
    const freed = Math.max(0, this.charged - next);
    this.charged -= freed;
    return freed;
  }

  private allocate(bytes: number): PooledBuffer {
    return this.pool ? this.pool.take(bytes) : freshBuffer(bytes);
  }

  /** Only past MAX_INITIAL_CAPACITY (max_upload_bytes over 127 MiB). */
  private growData(needed: number): void {
    let capacity = this.data.length * 2;
    while (capacity < needed) capacity *= 2;
    const held = this.allocate(capacity);
    const data = new Uint8Array(held.buffer);
    data.set(this.data.subarray(0, this.bytes));
    this.pool?.give(this.held, this.resident); // not sealed yet: no worker has seen it
    // What the new buffer holds resident beyond what was charged for the old one (kept charged:
    // the charge only grows, so a release always takes back exactly what was added).
    const resident = Math.max(held.touched, this.bytes);
    if (resident > this.resident) this.charged += resident - this.resident;
    this.resident = Math.max(resident, this.resident);
    this.held = held;
    this.data = data;
  }
}

function grown(array: Float64Array, capacity: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(array);
  return next;
}
