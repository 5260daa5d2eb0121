// What the benchmarks and the load generator put in a result file besides their numbers — the
// machine, its load, the commit — and writing it as bench/results/<benchmark>-<ISO time>.json
// (the name bench/report.ts reads the benchmark and date from).

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The checked-out commit (short hash), or 'unknown' outside a git checkout. */
export function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** The machine, with os.loadavg() taken before the run and after it. */
export function machine(loadBefore: readonly number[], loadAfter: readonly number[]) {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGB: round(os.totalmem() / 1e9, 1),
    platform: `${os.platform()} ${os.release()}`,
    loadAverageBefore: loadBefore.map((l) => round(l, 2)),
    loadAverageAfter: loadAfter.map((l) => round(l, 2)),
  };
}

/** What every result file starts with: the benchmark, when it ran, on what, which Node and commit. */
export function resultHeader(benchmark: string, startedAt: Date, loadBefore: readonly number[], loadAfter: readonly number[]) {
  return { benchmark, date: startedAt.toISOString(), machine: machine(loadBefore, loadAfter), node: process.version, commit: gitCommit() };
}

/** Writes `<dir>/<benchmark>-<date with ':' as '-'>.json` (creating dir) and returns its path. */
export function writeResultFile(dir: string, benchmark: string, isoDate: string, report: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${benchmark}-${isoDate.replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
