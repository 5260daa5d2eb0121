// The catch-up reader's token bucket: grants at most what has refilled, one second's worth at
// most after an idle spell, and says when paused partitions may resume (~100 ms of records).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordThrottle } from '../../../src/sources/kafka/catch-up-throttle.ts';

describe('RecordThrottle', () => {
  it('grants a second\'s worth at once, then only what refills', () => {
    let now = 0;
    const throttle = new RecordThrottle(1000, () => now);
    assert.equal(throttle.take(600), 600);
    assert.equal(throttle.take(600), 400, 'cut short: the rest of the bucket');
    assert.equal(throttle.take(10), 0, 'empty');
    assert.equal(throttle.msUntilResume(), 100, 'resume once 100 records (100 ms) refilled');
    now = 50;
    assert.equal(throttle.take(100), 50);
    now = 10_000;
    assert.equal(throttle.take(5000), 1000, 'an idle spell refills one second\'s worth, no more');
    assert.equal(throttle.msUntilResume(), 100);
    now = 10_100;
    assert.equal(throttle.msUntilResume(), 0);
  });

  it('a rate below 10 per second resumes at one record', () => {
    let now = 0;
    const throttle = new RecordThrottle(2, () => now);
    assert.equal(throttle.take(5), 2);
    assert.equal(throttle.msUntilResume(), 500);
    now = 500;
    assert.equal(throttle.take(5), 1);
  });
});
