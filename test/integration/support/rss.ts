// Resident memory of a process from /proc/<pid>/status (Linux): VmRSS now, VmHWM its peak.
// Read by the backpressure test for its own process and usable for spawned sluice processes.

import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  rssBytes: number;
  /** Peak resident set size since the process started (high water mark). */
  peakRssBytes: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${name} line`);
  return Number(match[1]) * 1024;
}

/** Throws if the process does not exist (or this is not Linux). */
export function readProcessMemory(pid: number = process.pid): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssBytes: field(status, 'VmRSS'), peakRssBytes: field(status, 'VmHWM') };
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
