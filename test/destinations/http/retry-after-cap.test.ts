// The bound on Retry-After (src/destinations/http/retry-after.ts): a delay-seconds value too
// large to be an exact number of milliseconds is not believed (null: the caller's own backoff
// applies). Believed, it would become a wait of centuries (or Infinity) before delivery's cap.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../../../src/destinations/http/retry-after.ts';

describe('Retry-After bound', () => {
  it('an absurdly large delay-seconds is not believed', () => {
    // 2^53 / 1000 seconds is the largest whose milliseconds are still exact.
    assert.equal(parseRetryAfter(String(Math.floor(Number.MAX_SAFE_INTEGER / 1000))), Math.floor(Number.MAX_SAFE_INTEGER / 1000) * 1000);
    for (const value of [String(Math.ceil(Number.MAX_SAFE_INTEGER / 1000) + 1), '99999999999999999999', '9'.repeat(400)]) {
      assert.equal(parseRetryAfter(value), null, `${value.slice(0, 24)}…`);
    }
  });
});
