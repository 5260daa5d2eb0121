// Runs the sluice CLI as a child process, the way a user does, and collects what it printed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface SluiceRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `sluice <args>` with `stdin` on its standard input; `env` adds to (or blanks) the environment. */
export function runSluice(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<SluiceRun> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SLUICE_LOG_LEVEL: 'warn', ...options.env };
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

export function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, `a user error must not print a stack trace:\n${text}`);
}
