// Resource use of a child process from Linux /proc: resident memory (current and high-water
// mark) and CPU time. /proc/<pid>/stat of the thread-group leader sums every thread, so worker
// threads' CPU is included. Read while the process lives: both files vanish at exit.

import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: the unit of utime/stime. 100 on every mainstream Linux build (getconf CLK_TCK);
// Node has no API for sysconf, so it is a constant here.
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** Resident set now, bytes. */
  rssBytes: number;
  /** Peak resident set since start (VmHWM), bytes. */
  peakRssBytes: number;
  /** utime + stime of all threads, seconds. */
  cpuSeconds: number;
}

/** One sample, or null if the process is gone (or not Linux). */
export function sampleProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = cpuTicks(stat);
    return {
      rssBytes: statusKiB(status, 'VmRSS') * 1024,
      peakRssBytes: statusKiB(status, 'VmHWM') * 1024,
      cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** CPU seconds of the threads of a process, grouped by what they are (from the thread names Node sets). */
export interface ThreadCpu {
  /** The JS main thread ("MainThread"): kafkajs, routing, batching. */
  main: number;
  /** worker_threads ("WorkerThread"): the piscina pool (scan, encode, compress). */
  workers: number;
  /** V8 platform threads ("V8Worker"): concurrent/parallel GC and background compilation. */
  v8: number;
  /** libuv threadpool ("libuv-worker"): fs writes, async zlib/crypto. */
  libuv: number;
  other: number;
}

const THREAD_GROUPS: Record<string, keyof ThreadCpu> = { MainThread: 'main', WorkerThread: 'workers', V8Worker: 'v8', 'libuv-worker': 'libuv' };

/** Per-thread-group CPU time from /proc/<pid>/task/<tid>/stat, or null if the process is gone. */
export function sampleThreadCpu(pid: number): ThreadCpu | null {
  const cpu: ThreadCpu = { main: 0, workers: 0, v8: 0, libuv: 0, other: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        cpu[THREAD_GROUPS[comm] ?? 'other'] += cpuTicks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')) / CLOCK_TICKS_PER_SECOND;
      } catch {
        // The thread exited between the listing and the read.
      }
    }
  } catch {
    return null;
  }
  for (const key of Object.keys(cpu) as Array<keyof ThreadCpu>) cpu[key] = Math.round(cpu[key] * 100) / 100;
  return cpu;
}

function cpuTicks(stat: string): number {
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0: utime (14) is 11, stime (15) is 12.
  return Number(fields[11]) + Number(fields[12]);
}

function statusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/** Samples a process periodically and keeps the last sample and the largest RSS seen. */
export class ProcWatcher {
  readonly #pid: number;
  readonly #timer: ReturnType<typeof setInterval>;
  last: ProcSample | null = null;
  maxRssBytes = 0;

  constructor(pid: number, everyMs = 250) {
    this.#pid = pid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): ProcSample | null {
    const s = sampleProc(this.#pid);
    if (s !== null) {
      this.last = s;
      this.maxRssBytes = Math.max(this.maxRssBytes, s.rssBytes, s.peakRssBytes);
    }
    return s;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
