// Lets go of this worker's handles to batch buffers soon after their tasks end, so a buffer the
// main thread no longer holds is freed then, not whenever this worker next collects garbage.
//
// A batch's data is a SharedArrayBuffer (batch-task.ts). Each task gives this worker a handle of
// its own to it, and the memory is freed only once every thread's handles are collected. A
// worker allocates little per task, so V8 collected its young generation only every ~100
// tasks: with 10 jobs ~94 delivered batches' buffers (573 MB) stayed resident (commit 7e37ea2).
// A young-generation collection after every MINOR_EVERY_BYTES of batch data read frees them
// (the handles die young): ~1 ms each, measured here. Counted by bytes read, not by tasks, the
// cost follows the data: one collection after every task cost 1 ms × 10,000 tasks at 1,000
// jobs (bench:jobs, tiny batches). A handle that did live through two collections (a task that
// allocated more than the young generation holds) is in the old generation, which a full
// collection after every MAJOR_EVERY_BYTES reaches.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Batch bytes read between young-generation collections: what the handles can pin, per worker. */
export const MINOR_EVERY_BYTES = 16 * 1024 * 1024;
/** Batch bytes read between full collections (a worker's is 5–50 ms with 10–1,000 jobs compiled). */
export const MAJOR_EVERY_BYTES = 256 * 1024 * 1024;

/** V8's gc() as --expose-gc defines it. */
export type CollectGarbage = (options?: { type: 'minor' | 'major' }) => void;

export class HandleCollector {
  private sinceMinor = 0;
  private sinceMajor = 0;
  private readonly collect: CollectGarbage;

  /** `collect` is injected by tests. */
  constructor(collect: CollectGarbage = exposedGc()) {
    this.collect = collect;
  }

  /** Called once a task has returned, with the batch bytes it read. */
  afterTask(bytesRead: number): void {
    this.sinceMinor += bytesRead;
    this.sinceMajor += bytesRead;
    if (this.sinceMajor >= MAJOR_EVERY_BYTES) {
      this.sinceMajor = 0;
      this.sinceMinor = 0;
      this.collect({ type: 'major' });
    } else if (this.sinceMinor >= MINOR_EVERY_BYTES) {
      this.sinceMinor = 0;
      this.collect({ type: 'minor' });
    }
  }
}

/**
 * V8's gc function without starting the process with --expose-gc (a worker's execArgv may not
 * hold V8 flags): the flag exposes gc to contexts created after it is set. It is set and never
 * set back: the flag is one for the whole process, and a worker setting it back while another
 * was between setting it and creating its context left that one without gc, a crash at load
 * (seen in CI at 6b5c6b8, workers started together). Later contexts seeing a `gc` global is
 * harmless. Should V8 still not give one, the collector does nothing (handles are then freed
 * when V8 collects by itself, as before), rather than the worker failing to start.
 */
function exposedGc(): CollectGarbage {
  setFlagsFromString('--expose-gc');
  try {
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') return gc as CollectGarbage;
  } catch {
    // fall through: no gc
  }
  return () => {};
}
