// Keeps the process under memory.limit_mb at run time: the budgets that memory-plan.ts derives
// count what sluice knows it holds, but not V8 garbage, zlib and kafkajs buffers, or fragmentation.
// The process RSS counts all of it. The pipeline samples it on a timer and pauses intake while
// it is high, exactly as when the in-flight budget is full; the per-record path only reads the
// `pressed` boolean.

/** Intake pauses above this share of the limit... */
export const PAUSE_FRACTION = 0.9;
/** ...and resumes below this one, so pause/resume does not flap. */
export const RESUME_FRACTION = 0.8;
/** process.memoryUsage.rss() costs a few µs (one read of /proc/self/statm): 4 a second is nothing. */
export const SAMPLE_EVERY_MS = 250;

export class MemoryGuard {
  /** True while intake is paused for memory. */
  pressed = false;
  /** Times intake was paused for memory (for sluice_memory_pressure_pauses_total). */
  pauses = 0;
  readonly limitBytes: number;
  private readonly readRss: () => number;

  /** `readRss` is injected by tests. */
  constructor(limitBytes: number, readRss: () => number = () => process.memoryUsage.rss()) {
    this.limitBytes = limitBytes;
    this.readRss = readRss;
  }

  /**
   * Takes one sample; `holdsData` says whether the pipeline holds batches that delivering
   * would free. Returns true when `pressed` changed.
   *
   * Never pressed while the pipeline holds nothing: freed memory does not always leave the RSS
   * (glibc keeps freed pages in its arenas, V8 keeps heap pages until it shrinks the heap), and
   * pausing with nothing to drain would stop intake for good.
   */
  sample(holdsData: boolean): boolean {
    if (!holdsData) return this.set(false);
    const rss = this.readRss();
    if (this.pressed) return this.set(rss >= this.limitBytes * RESUME_FRACTION);
    return this.set(rss > this.limitBytes * PAUSE_FRACTION);
  }

  private set(pressed: boolean): boolean {
    if (pressed === this.pressed) return false;
    this.pressed = pressed;
    if (pressed) this.pauses++;
    return true;
  }
}
