// Runs the repo's service scripts (scripts/kafka.sh, scripts/s3.sh, scripts/toxiproxy.sh) for the
// test helpers, with a deadline, and turns a failure into an error carrying the script's output
// (which ends with the server's log when a start failed).

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReadyResult } from '../../scripts/services/wait-for-service.ts';

export type ServiceScriptName = 'kafka.sh' | 's3.sh' | 'azurite.sh' | 'toxiproxy.sh';

// A first start builds the server with `go install` (~3 min cold on 2 cores for versitygw).
const SCRIPT_TIMEOUT_MS = 600_000;

export function runServiceScript(script: ServiceScriptName, command: string, timeoutMs = SCRIPT_TIMEOUT_MS): Promise<string> {
  const path = fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile('bash', [path, command], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/${script} ${command} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * "Make sure the service answers", memoised per process: one readiness check, and
 * `<script> start` only if it does not answer. The script serialises starts across processes,
 * so parallel test files may all call ensure(). A failed start is forgotten (the next caller
 * retries); forget() makes the next ensure() check again, for a helper that stopped the server.
 */
export class ServiceStarter {
  readonly #script: ServiceScriptName;
  readonly #check: () => Promise<ReadyResult>;
  readonly #timeoutMs: number | undefined;
  #ensured: Promise<void> | undefined;

  constructor(script: ServiceScriptName, check: () => Promise<ReadyResult>, startTimeoutMs?: number) {
    this.#script = script;
    this.#check = check;
    this.#timeoutMs = startTimeoutMs;
  }

  ensure(): Promise<void> {
    if (this.#ensured === undefined) {
      const attempt = (async () => {
        if (!(await this.#check()).ready) await runServiceScript(this.#script, 'start', this.#timeoutMs);
      })();
      attempt.catch(() => {
        this.#ensured = undefined; // a failed start may be retried by the next caller
      });
      this.#ensured = attempt;
    }
    return this.#ensured;
  }

  forget(): void {
    this.#ensured = undefined;
  }
}
