// Resident memory of a process from /proc/<pid>/status (Linux): VmRSS now, VmHWM its peak.
// Read by the backpressure test for its own process; bench/e2e/proc-stats.ts does the reading.

import { sampleProc } from '../../../bench/e2e/proc-stats.ts';

export interface ProcessMemory {
  rssBytes: number;
  /** Peak resident set size since the process started (high water mark). */
  peakRssBytes: number;
}

/** Throws if the process does not exist (or this is not Linux). */
export function readProcessMemory(pid: number = process.pid): ProcessMemory {
  const sample = sampleProc(pid);
  if (sample === null) throw new Error(`cannot read /proc/${pid}/status`);
  return { rssBytes: sample.rssBytes, peakRssBytes: sample.peakRssBytes };
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
