// The records-per-second limit of one catch-up reader (pipeline.parking.catch_up_records_per_second),
// so that re-reading a parked job's backlog cannot take the fetch bandwidth, workers and
// destination connections the live path needs. A token bucket: the source asks for a whole
// fetched batch at once and takes what is granted; when it is cut short the partition is paused
// (kafkajs keeps heartbeating) and resumed once a tenth of a second's worth has refilled, so the
// cost is one pause/resume per throttled batch, never a sleep per record.

export class RecordThrottle {
  readonly #perSecond: number;
  readonly #now: () => number;
  /** One second's worth: after an idle spell a reader may take that much at once. */
  readonly #capacity: number;
  /** Tokens wanted before paused partitions resume: ~100 ms of records, so resumes do not flap. */
  readonly #resumeAt: number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#now = now;
    this.#capacity = perSecond;
    this.#resumeAt = Math.max(1, Math.ceil(perSecond / 10));
    this.#tokens = perSecond;
    this.#at = now();
  }

  /** How many of `wanted` records may be taken now (0..wanted); those are spent. */
  take(wanted: number): number {
    this.#refill();
    const granted = Math.min(wanted, Math.floor(this.#tokens));
    this.#tokens -= granted;
    return granted;
  }

  /** Milliseconds until enough has refilled to resume paused partitions (0 if it has). */
  msUntilResume(): number {
    this.#refill();
    const missing = this.#resumeAt - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil((missing / this.#perSecond) * 1000);
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#at) / 1000) * this.#perSecond);
    this.#at = now;
  }
}
