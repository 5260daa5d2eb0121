// `sluice <args>` as a child process (test/cli/run-sluice.ts), with its peak resident memory and
// its wall time: what the verify memory test asserts on and bench/verify.bench.ts reports.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSluice, type SluiceRun } from '../cli/run-sluice.ts';

const PRELOAD = new URL('./peak-rss-on-exit.ts', import.meta.url).href;

export interface MeasuredSluiceRun extends SluiceRun {
  /** Peak resident set of the sluice process over its whole life (getrusage maxRSS), bytes. */
  peakRssBytes: number;
  /** Spawn to exit, including Node's start-up (~0.1 s). */
  seconds: number;
}

export async function runSluiceMeasured(args: string[], options: { env?: Record<string, string> } = {}): Promise<MeasuredSluiceRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-peak-rss-'));
  const file = join(dir, 'max-rss-kib');
  try {
    const nodeOptions = [process.env['NODE_OPTIONS'], `--import=${PRELOAD}`].filter((o) => o !== undefined && o !== '').join(' ');
    const started = performance.now();
    const run = await runSluice(args, { env: { ...options.env, NODE_OPTIONS: nodeOptions, SLUICE_PEAK_RSS_FILE: file } });
    const seconds = (performance.now() - started) / 1000;
    let kib: number;
    try {
      kib = Number(readFileSync(file, 'utf8'));
    } catch {
      throw new Error(`sluice ${args[0] ?? ''} exited (code ${run.code}) without reporting its peak RSS (killed by a signal?)\n${run.stdout}${run.stderr}`);
    }
    return { ...run, peakRssBytes: kib * 1024, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
