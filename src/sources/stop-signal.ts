// How a finite source (generator, NDJSON) waits without missing stop(): a wait for the sink's
// drain, or a sleep until the next tick, ends as soon as the source is stopped.

import type { RecordSink } from '../core/source.ts';

export class StopSignal {
  #stopped = false;
  /** Ends the current wait (drain or sleep) early; null while nothing waits. */
  #wake: (() => void) | null = null;

  get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Resolves once the sink drains, or when the source is stopped. */
  drain(sink: RecordSink): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      sink.onDrain(() => {
        this.#wake = null;
        resolve();
      });
    });
  }

  /** Resolves after `ms`, or when the source is stopped. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
