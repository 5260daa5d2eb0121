// last_complete's rule (src/core/completion-mark.ts): a batch's event times count once every
// batch sealed before it is done, and the mark never moves back.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompletionMark, isoOfNs } from '../../src/core/completion-mark.ts';

const T = (second: number) => BigInt(Date.parse('2026-12-07T10:00:00Z') + second * 1000) * 1_000_000n;

describe('CompletionMark', () => {
  it('waits for the batches sealed earlier before counting a later one', () => {
    const mark = new CompletionMark();
    const [first, second, third] = [mark.sealed(), mark.sealed(), mark.sealed()];
    assert.equal(mark.done(second, T(20)), null, 'the first batch is not done yet');
    assert.equal(mark.done(third, T(30)), null);
    assert.equal(mark.done(first, T(10)), T(30), 'all three done: the newest of them');
  });

  it('never moves back: a later batch of older events leaves the mark', () => {
    const mark = new CompletionMark();
    assert.equal(mark.done(mark.sealed(), T(50)), T(50));
    assert.equal(mark.done(mark.sealed(), T(5)), T(50));
  });

  it('a batch without event times (all filtered) passes the mark on without setting it', () => {
    const mark = new CompletionMark();
    const empty = mark.sealed();
    const full = mark.sealed();
    assert.equal(mark.done(full, T(7)), null);
    assert.equal(mark.done(empty, null), T(7));
    assert.equal(new CompletionMark().done(0, null), null);
  });

  it('reads as ISO 8601 (UTC, milliseconds)', () => {
    assert.equal(isoOfNs(1_765_101_600_123_456_789n), '2025-12-07T10:00:00.123Z');
  });
});
