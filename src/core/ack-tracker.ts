// Contiguous-ack tracking for one source partition (docs/architecture.md "The flow").
//
// Every record pushed from a partition gets a sequence number and a reference count: the
// number of jobs it was routed to. Each job acknowledges the record once its batch is
// delivered (or the record was filtered or sampled away). A partition's position may only be
// committed up to the first record that still has outstanding references — never past a
// record some job has not delivered yet (invariant 1, no loss).
//
// Records live in a ring buffer indexed by sequence number, so tracking and acknowledging are
// O(1) with no per-record allocation; the ring doubles when full. Offsets are stored because
// Kafka offsets need not be contiguous (compaction, transaction markers).

import type { PartitionHandle } from './source.ts';

const INITIAL_CAPACITY = 1024;

export class PartitionTracker implements PartitionHandle {
  readonly name: string;
  readonly dataset: string;
  /** False once the partition was closed (rebalance): late acks are ignored, nothing more is committed. */
  open = true;

  private refs: Int32Array;
  private offsets: Float64Array;
  private mask: number;
  /** Sequence number of the oldest record still tracked. */
  private headSeq = 0;
  /** Sequence number the next tracked record gets. */
  private nextSeq = 0;
  /** Offset one past the last record tracked (committable when nothing is outstanding). */
  private endOffset: number;
  private lastReported: number;

  constructor(name: string, dataset: string, firstOffset: number) {
    this.name = name;
    this.dataset = dataset;
    this.refs = new Int32Array(INITIAL_CAPACITY);
    this.offsets = new Float64Array(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
    this.endOffset = firstOffset;
    this.lastReported = firstOffset;
  }

  /**
   * Starts tracking the record at `offset`, routed to `refs` jobs. Returns its sequence number,
   * which each of those jobs passes to `ack`. A record routed nowhere (refs = 0) is done at once.
   */
  track(offset: number, refs: number): number {
    if (offset < this.endOffset) {
      throw new RangeError(`partition ${this.name}: offset ${offset} is not after ${this.endOffset - 1}`);
    }
    this.endOffset = offset + 1;
    const seq = this.nextSeq;
    if (refs === 0 && seq === this.headSeq) return seq; // nothing outstanding before it: done already
    if (seq - this.headSeq > this.mask) this.grow();
    const slot = seq & this.mask;
    this.refs[slot] = refs;
    this.offsets[slot] = offset;
    this.nextSeq = seq + 1;
    if (refs === 0) this.advance();
    return seq;
  }

  /** One job is done with the record `seq`. */
  ack(seq: number): void {
    if (!this.open || seq < this.headSeq || seq >= this.nextSeq) return;
    const slot = seq & this.mask;
    const left = --this.refs[slot]!;
    if (left < 0) throw new Error(`partition ${this.name}: record seq ${seq} acknowledged more often than routed`);
    if (seq === this.headSeq && left === 0) this.advance();
  }

  /** Every record with a lower offset is done for every job it matched. */
  committable(): number {
    return this.headSeq === this.nextSeq ? this.endOffset : this.offsets[this.headSeq & this.mask]!;
  }

  /** The offset after the last record tracked: where records not yet seen begin. */
  nextOffset(): number {
    return this.endOffset;
  }

  /** Records still waiting for at least one job. */
  outstanding(): number {
    return this.nextSeq - this.headSeq;
  }

  /** Returns the committable offset if it moved since the last call, else -1. */
  takeCommittableChange(): number {
    const now = this.committable();
    if (now === this.lastReported) return -1;
    this.lastReported = now;
    return now;
  }

  private advance(): void {
    while (this.headSeq < this.nextSeq && this.refs[this.headSeq & this.mask] === 0) this.headSeq++;
  }

  private grow(): void {
    const capacity = this.refs.length * 2;
    const refs = new Int32Array(capacity);
    const offsets = new Float64Array(capacity);
    const newMask = capacity - 1;
    for (let seq = this.headSeq; seq < this.nextSeq; seq++) {
      refs[seq & newMask] = this.refs[seq & this.mask]!;
      offsets[seq & newMask] = this.offsets[seq & this.mask]!;
    }
    this.refs = refs;
    this.offsets = offsets;
    this.mask = newMask;
  }
}
