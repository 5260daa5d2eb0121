// The backoff cap (src/shared/backoff.ts): however many attempts have failed, a retry never waits
// longer than capMs. Without it the exponential term doubles past any sane wait (attempt 20 at
// a 100 ms base is 29 hours), and a job that recovers would sit idle for that long.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/shared/backoff.ts';

/** The largest delay full jitter can draw: random() just below 1. */
const highest = () => 1 - Number.EPSILON;

describe('backoff cap', () => {
  it('no attempt waits longer than capMs, however many failed before it', () => {
    const policy = { baseMs: 100, capMs: 30_000 };
    for (const attempt of [9, 10, 20, 30, 31, 1_000, Number.MAX_SAFE_INTEGER]) {
      const delay = backoffDelay(attempt, policy, highest);
      assert.ok(delay <= policy.capMs, `attempt ${attempt} waits ${delay} ms, over the ${policy.capMs} ms cap`);
      assert.equal(delay, policy.capMs - 1, `attempt ${attempt}: a late attempt draws from the whole [0, cap) range`);
    }
  });

  it('the default policy stops at 30 s', () => {
    assert.equal(DEFAULT_BACKOFF.capMs, 30_000);
    assert.ok(backoffDelay(50, DEFAULT_BACKOFF, highest) < 30_000);
  });

  it('early attempts grow exponentially below the cap (the cap is not the only bound)', () => {
    const policy = { baseMs: 100, capMs: 30_000 };
    assert.deepEqual([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, policy, highest)), [99, 199, 399, 799]);
  });
});
