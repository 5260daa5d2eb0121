// The service log's side of job store refusals (onRejected). A refusal that holds back jobs is
// logged each time: there are at most as many as there are jobs, and each one is something
// the operator must fix. Stray records concern no job and anyone who can write to the store's
// topic can write millions, so at most `burst` of them are logged per window and the rest are
// summed up in one line when the window ends. The metric (sluice_job_store_refusals_total,
// reason "stray") counts every one either way.

import type { StoreRejection } from './job-store.ts';

export interface RefusalLogOptions {
  /** Strays logged one by one per window. */
  burst?: number;
  windowMs?: number;
  now?: () => number;
}

interface WarnLog {
  warn(details: object, message: string): void;
}

export const STRAY_LOG_BURST = 10;
export const STRAY_LOG_WINDOW_MS = 60_000;
/** Problems (and job ids) per line: a refused file can list thousands. */
const MAX_LISTED = 20;

export const REFUSED_JOB_SET_MESSAGE = 'job store refused a job set; the last good jobs keep running';
export const REFUSED_STRAY_MESSAGE = 'job store refused a stray record; it is no tenant\'s job and changes nothing';
export const STRAYS_NOT_LOGGED_MESSAGE = 'job store refused more stray records than it logs one by one';

/** A listener for JobStore.onRejected that logs to `log`; `close()` logs what is still summed up. */
export function refusalLogger(log: WarnLog, options: RefusalLogOptions = {}): { onRejected: (rejection: StoreRejection) => void; close: () => void } {
  const burst = options.burst ?? STRAY_LOG_BURST;
  const windowMs = options.windowMs ?? STRAY_LOG_WINDOW_MS;
  const now = options.now ?? Date.now;
  let windowStart = Number.NEGATIVE_INFINITY;
  let logged = 0;
  let suppressed = 0;
  let timer: NodeJS.Timeout | null = null;

  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (suppressed === 0) return;
    log.warn({ reason: 'stray', not_logged: suppressed, window_ms: windowMs }, STRAYS_NOT_LOGGED_MESSAGE);
    suppressed = 0;
  };

  const onRejected = (rejection: StoreRejection): void => {
    const problems = rejection.problems.slice(0, MAX_LISTED);
    if (rejection.reason !== 'stray') {
      log.warn({
        reason: rejection.reason,
        origin: rejection.origin,
        problems,
        kept_jobs: rejection.kept_jobs,
        job_ids: rejection.job_ids.slice(0, MAX_LISTED),
      }, REFUSED_JOB_SET_MESSAGE);
      return;
    }
    const at = now();
    if (at - windowStart >= windowMs) {
      flush();
      windowStart = at;
      logged = 0;
    }
    if (logged < burst) {
      logged++;
      log.warn({ reason: rejection.reason, origin: rejection.origin, problems }, REFUSED_STRAY_MESSAGE);
      return;
    }
    suppressed++;
    // Unref'd: a pending summary never keeps the process alive.
    timer ??= setTimeout(flush, Math.max(0, windowStart + windowMs - at)).unref();
  };

  return { onRejected, close: flush };
}
