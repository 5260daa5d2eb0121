// The whole host's busy CPU time from /proc/stat. The benchmark shares its 2 cores with the
// broker and with other engineers' test runs; host busy time minus what the sluice instances,
// the broker and the benchmark itself used is the CPU that others took during a run — a direct
// measure of interference, unlike the load average, which also counts the benchmark's own work.

import { readFileSync } from 'node:fs';

// USER_HZ, as in bench/e2e/proc-stats.ts.
const CLOCK_TICKS_PER_SECOND = 100;

export interface HostCpu {
  /** user + nice + system + irq + softirq, seconds over all cores. */
  busySeconds: number;
  /** Time the hypervisor gave this VM's CPUs to someone else, seconds. */
  stealSeconds: number;
}

/** The host's CPU time so far, or null off Linux. */
export function sampleHostCpu(): HostCpu | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (line === undefined) return null;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return {
      busySeconds: (user! + nice! + system! + irq! + softirq!) / CLOCK_TICKS_PER_SECOND,
      stealSeconds: (steal ?? 0) / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** This benchmark process's own CPU seconds so far. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
