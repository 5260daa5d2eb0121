// Tells a finite source's caller when everything it pushed has been delivered.
// The pipeline reports progress through `Source.committable(partition, offset)` ("every record
// below `offset` is done"); a finite source knows how many records it pushed once its input
// ended. Delivery is complete when both meet. Used by the NDJSON and the generator source.

import type { PartitionHandle } from '../core/source.ts';

export class DeliveryWatch {
  #partitionName: string | null = null;
  #pushed = 0;
  #committed = 0;
  #ended = false;
  #settled = false;
  readonly #promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  constructor() {
    this.#promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody may ever ask (e.g. an endless run that failed): a rejection must not crash the
    // process as an unhandled rejection. Callers of whenDelivered() still see it.
    this.#promise.catch(() => {});
  }

  /** The partition whose commits count. */
  track(partition: PartitionHandle): void {
    this.#partitionName = partition.name;
  }

  /** Records pushed so far (offsets 0 … count-1). */
  setPushed(count: number): void {
    this.#pushed = count;
  }

  /** The input is finished (or the source was stopped): no more pushes will come. */
  end(): void {
    this.#ended = true;
    this.#check();
  }

  /** The source failed: whoever waits for delivery learns why. */
  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  committable(partition: PartitionHandle, offset: number): void {
    if (partition.name !== this.#partitionName) return;
    if (offset > this.#committed) this.#committed = offset;
    this.#check();
  }

  whenDelivered(): Promise<void> {
    return this.#promise;
  }

  #check(): void {
    if (this.#settled || !this.#ended || this.#committed < this.#pushed) return;
    this.#settled = true;
    this.#resolve();
  }
}
