// Waiting for a condition with a deadline, polling: integration tests never sleep a fixed time
// (a fixed sleep is either too short under load or wastes time when idle).

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Poll period (default 150 ms: cheap for the 2-core test machine, prompt enough for tests). */
  intervalMs?: number;
  /** Extra context for the timeout message (current counts, last log lines). */
  detail?: () => string;
}

/** Resolves once `condition` returns true; rejects with `timed out waiting for <what>` at the deadline. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, options: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const interval = options.intervalMs ?? 150;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      const detail = options.detail ? `: ${options.detail()}` : '';
      throw new Error(`timed out waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
