// last_complete as Logpush defines it: "the last time for which logs have been successfully
// pushed" — a log time, not the time of the push. A job's batches are delivered concurrently
// and may finish out of order, so a batch's event times count only once every batch sealed
// before it is done too: the mark is the newest event time over that done prefix. It never
// moves back (a late batch of older events leaves it where it is).

export class CompletionMark {
  #nextSeq = 0;
  /** The oldest sealed batch not done yet. */
  #firstPending = 0;
  /** Done batches after #firstPending, with their newest event time (ns) or null. */
  readonly #done = new Map<number, bigint | null>();
  #newestNs: bigint | null = null;

  /** Call when a batch is sealed, in sealing order; returns its place. */
  sealed(): number {
    return this.#nextSeq++;
  }

  /**
   * The batch at `seq` is delivered (or needed no object). `newestEventNs`: the newest event
   * time of its delivered records, or null if it had none. Returns the mark (ns), or null while
   * nothing with an event time is known delivered.
   */
  done(seq: number, newestEventNs: bigint | null): bigint | null {
    this.#done.set(seq, newestEventNs);
    while (this.#done.has(this.#firstPending)) {
      const ns = this.#done.get(this.#firstPending)!;
      this.#done.delete(this.#firstPending++);
      if (ns !== null && (this.#newestNs === null || ns > this.#newestNs)) this.#newestNs = ns;
    }
    return this.#newestNs;
  }
}

/** ISO 8601 (UTC, milliseconds) of a time in nanoseconds since the epoch. */
export function isoOfNs(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}
