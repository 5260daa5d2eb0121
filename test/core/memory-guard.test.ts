// The memory guard's rule: pressed above 90% of the limit while data is held, released below
// 80% or as soon as nothing is held.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryGuard } from '../../src/core/memory-guard.ts';

describe('MemoryGuard', () => {
  it('presses above 90% and releases only below 80% (no flapping in between)', () => {
    let rss = 0;
    const guard = new MemoryGuard(1000, () => rss);
    const steps: Array<[number, boolean]> = [[850, false], [900, false], [901, true], [850, true], [800, true], [799, false], [899, false], [950, true]];
    for (const [value, pressed] of steps) {
      rss = value;
      guard.sample(true);
      assert.equal(guard.pressed, pressed, `at rss ${value}`);
    }
    assert.equal(guard.pauses, 2);
  });

  it('never presses while nothing is held, and lets go as soon as nothing is', () => {
    let rss = 5000;
    const guard = new MemoryGuard(1000, () => rss);
    assert.equal(guard.sample(false), false);
    assert.equal(guard.pressed, false, 'an empty pipeline is never paused: nothing to drain would ever resume it');
    assert.equal(guard.sample(true), true);
    assert.equal(guard.pressed, true);
    assert.equal(guard.sample(false), true, 'released although the RSS stays high (memory the allocator keeps)');
    assert.equal(guard.pressed, false);
    rss = 0;
    assert.equal(guard.sample(true), false);
    assert.equal(guard.pauses, 1);
  });

  it('reads the real RSS by default', () => {
    const guard = new MemoryGuard(1);
    guard.sample(true);
    assert.equal(guard.pressed, true, 'any process is over a 1-byte limit');
  });
});
