// A Node child process under measurement: spawned with this Node (process.execPath), its
// stdout/stderr collected, its memory and CPU sampled from /proc while it runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { ProcWatcher } from './proc-stats.ts';

export interface MeasuredChild {
  child: ChildProcess;
  /** performance.now() just before spawn: the time origin of the run. */
  spawnedAtMs: number;
  watcher: ProcWatcher;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `test`. */
  lineMatching(test: (line: string) => boolean): Promise<string>;
}

export function spawnMeasured(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): MeasuredChild {
  const spawnedAtMs = performance.now();
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn ${args.join(' ')}`);
  const watcher = new ProcWatcher(child.pid);
  let out = '';
  let err = '';
  const waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const before = out.length;
    out += chunk;
    // Check only complete lines that ended in this chunk.
    const start = out.lastIndexOf('\n', before - 1) + 1;
    for (const line of out.slice(start).split('\n').slice(0, -1)) {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.test(line)) waiters.splice(i, 1)[0]!.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      watcher.stop();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    spawnedAtMs,
    watcher,
    exited,
    stdout: () => out,
    stderr: () => err,
    lineMatching: (test) => new Promise((resolve) => waiters.push({ test, resolve })),
  };
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopChild(measured: MeasuredChild, graceMs = 60_000): Promise<number | string> {
  measured.child.kill('SIGTERM');
  const timer = setTimeout(() => measured.child.kill('SIGKILL'), graceMs);
  const code = await measured.exited;
  clearTimeout(timer);
  return code;
}
