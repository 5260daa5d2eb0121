// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and
// Jitter"): the delay is uniform in [0, min(cap, base * 2^attempt)], which spreads retries of
// many jobs hitting one failing destination instead of synchronising them.

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 30_000 };

export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
