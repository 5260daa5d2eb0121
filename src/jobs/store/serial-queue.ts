// Runs async tasks one at a time, in the order they were queued: file rewrites and store changes
// that must not interleave. A failed task rejects its own promise only; the next one still runs.

export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Resolves once every task queued so far has settled (never rejects). */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
