import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../../../src/destinations/http/retry-after.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-11-24T12:00:00Z');

  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter(' 120 ', now), 120_000);
    assert.equal(parseRetryAfter(['3', '9'], now), 3000);
  });

  it('reads HTTP dates relative to now, and a past date as 0', () => {
    assert.equal(parseRetryAfter('Mon, 24 Nov 2025 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Monday, 24-Nov-25 12:01:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('Mon, 24 Nov 2025 11:00:00 GMT', now), 0);
  });

  it('ignores absent or unreadable values', () => {
    for (const value of [undefined, null, '', 'soon', '-5', '1.5', '2025-11-24', 'Mon, 99 Foo 2025 12:00:00 GMT']) {
      assert.equal(parseRetryAfter(value, now), null, String(value));
    }
  });
});
