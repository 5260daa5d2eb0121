// One job's batch while it fills up on the main thread.
//
// Raw record bytes are appended to one SharedArrayBuffer (grown by doubling) and their end
// offsets to a Uint32Array, so the sealed batch crosses to a worker as two shared buffers and
// no per-record objects (DESIGN.md: cloning arrays of buffers costs 0.6–2 µs per record).
// Each record also remembers its (partition, sequence number) so the batch can acknowledge it
// once delivered; per partition the first and last offsets name the batch (its batch id).

import type { PartitionTracker } from './ack-tracker.ts';

export interface PartitionSpan {
  tracker: PartitionTracker;
  /** Sequence numbers of this batch's records in that partition, in order. */
  seqs: Float64Array;
  count: number;
  firstOffset: number;
  lastOffset: number;
}

const MIN_DATA_CAPACITY = 64 * 1024;
const MIN_RECORD_CAPACITY = 256;

export class OpenBatch {
  data: Uint8Array;
  ends: Uint32Array;
  count = 0;
  bytes = 0;
  readonly openedAt: number;
  /** Usually one or a few partitions, so a small array beats a Map here. */
  readonly spans: PartitionSpan[] = [];
  private lastSpan: PartitionSpan | null = null;

  constructor(openedAt: number, expectedBytes: number) {
    this.openedAt = openedAt;
    this.data = new Uint8Array(new SharedArrayBuffer(Math.max(MIN_DATA_CAPACITY, Math.min(expectedBytes, 4 * 1024 * 1024))));
    this.ends = new Uint32Array(new SharedArrayBuffer(MIN_RECORD_CAPACITY * 4));
  }

  append(value: Uint8Array, tracker: PartitionTracker, seq: number, offset: number): void {
    const end = this.bytes + value.length;
    if (end > this.data.length) this.growData(end);
    this.data.set(value, this.bytes);
    this.bytes = end;
    if (this.count === this.ends.length) this.growEnds();
    this.ends[this.count++] = end;
    this.spanFor(tracker, offset).seqs[this.lastSpan!.count++] = seq;
  }

  /** Acknowledges every record of the batch for this job. */
  ackAll(): void {
    for (const span of this.spans) {
      const { tracker, seqs, count } = span;
      for (let i = 0; i < count; i++) tracker.ack(seqs[i]!);
    }
  }

  private spanFor(tracker: PartitionTracker, offset: number): PartitionSpan {
    let span = this.lastSpan;
    if (span === null || span.tracker !== tracker) {
      span = this.spans.find((s) => s.tracker === tracker) ?? null;
      if (span === null) {
        span = { tracker, seqs: new Float64Array(MIN_RECORD_CAPACITY), count: 0, firstOffset: offset, lastOffset: offset };
        this.spans.push(span);
      }
      this.lastSpan = span;
    }
    if (span.count === span.seqs.length) span.seqs = grown(span.seqs, span.seqs.length * 2);
    span.lastOffset = offset;
    return span;
  }

  private growEnds(): void {
    const ends = new Uint32Array(new SharedArrayBuffer(this.ends.length * 8));
    ends.set(this.ends);
    this.ends = ends;
  }

  private growData(needed: number): void {
    let capacity = this.data.length * 2;
    while (capacity < needed) capacity *= 2;
    const data = new Uint8Array(new SharedArrayBuffer(capacity));
    data.set(this.data.subarray(0, this.bytes));
    this.data = data;
  }
}

function grown(array: Float64Array, capacity: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(array);
  return next;
}
