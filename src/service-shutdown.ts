// The shutdown deadline (config shutdown.deadline_seconds, issue 13). Everything after the first
// signal — the admin API and catch-up readers stopping, the flush, deliveries, the final offset
// commit, leaving the Kafka group — fits in it, so the orchestrator's grace period
// (terminationGracePeriodSeconds) is never what ends sluice, and the final commit is not cut off
// by a SIGKILL. Two moments:
// 1. deadline − reserve: deliveries still retrying are abandoned (not acknowledged, so not
//    committed; a replaying source re-delivers them), requests in flight included;
// 2. the deadline: if the shutdown is still not done (a commit or a destination's close hanging),
//    the process exits with status 1 — the status of "not everything was delivered".

import type { Logger } from 'pino';

/** Time kept for the final commit and leaving the group (a commit takes milliseconds; 5 s covers a slow broker). */
export const COMMIT_RESERVE_MS = 5000;
/** Exit status when the deadline passes before the shutdown finished: records were not all delivered. */
export const DEADLINE_EXIT_STATUS = 1;

export interface ShutdownDeadlineOptions {
  deadlineMs: number;
  log: Logger;
  /** Stops retries and requests in flight (Pipeline.abortDeliveries). */
  abortDeliveries(): void;
  /** Exit the process at the deadline (the CLI owns it); off for services run inside tests. */
  exitAtDeadline: boolean;
}

export interface ShutdownDeadline {
  /** Starts the clock at the first stop request; later calls do nothing. */
  start(): void;
  /** The shutdown finished: no timer fires any more. */
  clear(): void;
}

/** The part of the deadline deliveries may use: the rest is the commit's (at most a fifth of a short deadline). */
export function deliveryShareMs(deadlineMs: number): number {
  return deadlineMs - Math.min(COMMIT_RESERVE_MS, deadlineMs / 5);
}

export function shutdownDeadline(options: ShutdownDeadlineOptions): ShutdownDeadline {
  const { deadlineMs, log } = options;
  let abort: NodeJS.Timeout | null = null;
  let exit: NodeJS.Timeout | null = null;
  return {
    start() {
      if (abort !== null) return;
      const deliveriesMs = deliveryShareMs(deadlineMs);
      abort = setTimeout(() => {
        log.warn({ deadline_seconds: deadlineMs / 1000, after_seconds: deliveriesMs / 1000 }, 'shutdown deadline near: abandoning undelivered batches (they are not acknowledged, so not committed)');
        options.abortDeliveries();
      }, deliveriesMs);
      if (!options.exitAtDeadline) return;
      exit = setTimeout(() => {
        log.error({ deadline_seconds: deadlineMs / 1000 }, 'shutdown deadline passed before the shutdown finished: exiting now (what was not committed is read again after a restart)');
        process.exit(DEADLINE_EXIT_STATUS);
      }, deadlineMs);
      // Only a shutdown that is still running needs the backstop; it must not keep the process alive.
      exit.unref();
    },
    clear() {
      if (abort) clearTimeout(abort);
      if (exit) clearTimeout(exit);
    },
  };
}
