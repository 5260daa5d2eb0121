// Loaded into the measured sluice with `node --import` (main thread only: preloads do not run in
// worker threads). Writes, every 500 ms and at exit, `<SLUICE_BENCH_PROBE_DIR>/<pid>.json`:
// a timeline of RSS and heaps, the main thread's event-loop delay (perf_hooks monitorEventLoopDelay, 10 ms resolution, as
// prom-client's nodejs_eventloop_lag_*) and the largest heap and array-buffer figures seen in
// the main thread and in each worker thread (worker.getHeapStatistics(); the Worker class that
// piscina reads from require('node:worker_threads') at each spawn is wrapped to see them).
// With SLUICE_BENCH_SNAPSHOT_AT_MS it also writes heap snapshots of the main thread and of each
// worker into that directory at that time (bench/jobs/heap-summary.ts reads them).
// Read by bench/jobs/jobs-run.ts. Without SLUICE_BENCH_PROBE_DIR it does nothing.

import { createWriteStream, renameSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import type { Worker } from 'node:worker_threads';

/** Largest value seen of each, bytes (arrayBuffers: main thread only; SharedArrayBuffers included). */
export interface ThreadPeak { thread: string; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; mallocedMemory: number }

export interface ProbeFile {
  threads: ThreadPeak[];
  /** Event-loop delay of the main thread in ms over the whole run. */
  loopDelayMs: { p50: number; p99: number; max: number; mean: number } | null;
  /** 500 ms windows whose event-loop delay reached 100 ms: [ms after start, max ms in it]. */
  stalls: Array<[atMs: number, maxMs: number]>;
  /** Every 500 ms, MB: [ms after start, RSS, main heap total, main external, workers' heap total, workers' external]. */
  timeline: Array<[atMs: number, rss: number, mainHeap: number, mainExternal: number, workerHeaps: number, workerExternal: number]>;
}

const dir = process.env.SLUICE_BENCH_PROBE_DIR;
if (dir) start(dir);

function watchWorkers(): Set<Worker> {
  const live = new Set<Worker>();
  const threads = createRequire(import.meta.url)('node:worker_threads') as { Worker: typeof Worker };
  const Base = threads.Worker;
  threads.Worker = class extends Base {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      live.add(this);
      this.once('exit', () => live.delete(this));
    }
  };
  return live;
}

function start(directory: string): void {
  const file = join(directory, `${process.pid}.json`);
  const peaks = new Map<string, ThreadPeak>();
  const peakOf = (thread: string): ThreadPeak => {
    let p = peaks.get(thread);
    if (p === undefined) peaks.set(thread, (p = { thread, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0, mallocedMemory: 0 }));
    return p;
  };
  const workers = watchWorkers();
  const whole = monitorEventLoopDelay({ resolution: 10 });
  const window = monitorEventLoopDelay({ resolution: 10 });
  whole.enable();
  window.enable();
  const stalls: Array<[number, number]> = [];
  const timeline: ProbeFile['timeline'] = [];
  /** Each worker's latest heap total and external bytes, for the timeline. */
  const workerNow = new Map<string, [number, number]>();
  const origin = performance.now();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const raise = (p: ThreadPeak, used: number, total: number, external: number, malloced: number): void => {
    p.heapUsed = Math.max(p.heapUsed, used);
    p.heapTotal = Math.max(p.heapTotal, total);
    p.external = Math.max(p.external, external);
    p.mallocedMemory = Math.max(p.mallocedMemory, malloced);
  };
  const write = (): void => {
    const m = process.memoryUsage();
    const main = peakOf('main');
    raise(main, m.heapUsed, m.heapTotal, m.external, getHeapStatistics().malloced_memory);
    main.arrayBuffers = Math.max(main.arrayBuffers, m.arrayBuffers);
    const mb = (b: number) => Math.round(b / 1e5) / 10;
    let workerHeaps = 0;
    let workerExternal = 0;
    for (const [heap, external] of workerNow.values()) {
      workerHeaps += heap;
      workerExternal += external;
    }
    timeline.push([Math.round(performance.now() - origin), mb(m.rss), mb(m.heapTotal), mb(m.external), mb(workerHeaps), mb(workerExternal)]);
    // Windows longer than 100 ms are kept: those are the stalls that threaten heartbeats.
    if (window.count > 0 && window.max / 1e6 >= 100) stalls.push([Math.round(performance.now() - origin), ms(window.max)]);
    window.reset();
    const report: ProbeFile = {
      threads: [...peaks.values()],
      loopDelayMs: whole.count > 0 ? { p50: ms(whole.percentile(50)), p99: ms(whole.percentile(99)), max: ms(whole.max), mean: ms(whole.mean) } : null,
      stalls,
      timeline,
    };
    // Renamed into place: a run killed mid-write leaves the previous complete file.
    writeFileSync(`${file}.tmp`, JSON.stringify(report));
    renameSync(`${file}.tmp`, file);
  };
  const sampleWorkers = (): void => {
    for (const worker of workers) {
      worker.getHeapStatistics().then((h) => {
        raise(peakOf(`worker ${worker.threadId}`), h.used_heap_size, h.total_heap_size, h.external_memory, h.malloced_memory);
        workerNow.set(`worker ${worker.threadId}`, [h.total_heap_size, h.external_memory]);
      }, () => {});
    }
  };
  // unref: the probe must not keep the process alive.
  setInterval(() => { sampleWorkers(); write(); }, 500).unref();
  process.on('exit', write);
  const snapshotAt = Number(process.env.SLUICE_BENCH_SNAPSHOT_AT_MS);
  if (snapshotAt > 0) {
    setTimeout(() => {
      for (const worker of workers) {
        worker.getHeapSnapshot().then((stream) => pipeline(stream, createWriteStream(join(directory, `worker-${worker.threadId}.heapsnapshot`))), () => {});
      }
      writeHeapSnapshot(join(directory, 'main.heapsnapshot'));
    }, snapshotAt).unref();
  }
}
