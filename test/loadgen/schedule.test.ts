import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dueCount, intendedOffsetNs, nextBatch, openLoopSchedule } from '../../loadgen/schedule.ts';

test('events become due by elapsed time: event i at i/rate', () => {
  const s = openLoopSchedule(1000, 10); // one event per ms
  assert.equal(s.total, 10_000);
  assert.equal(dueCount(s, -1), 0);
  assert.equal(dueCount(s, 0), 1);
  assert.equal(dueCount(s, 999_999), 1);
  assert.equal(dueCount(s, 1_000_000), 2);
  assert.equal(dueCount(s, 2_500_000_000), 2501);
  assert.equal(dueCount(s, 3_600e9), 10_000, 'capped at the total');
  assert.equal(intendedOffsetNs(s, 0), 0);
  assert.equal(intendedOffsetNs(s, 2500), 2_500_000_000);
});

test('a fractional rate spreads events exactly', () => {
  const s = openLoopSchedule(3, 2);
  assert.equal(s.total, 6);
  assert.equal(intendedOffsetNs(s, 1), 333_333_333);
  assert.equal(dueCount(s, 333_333_332), 1);
  assert.equal(dueCount(s, 333_333_334), 2);
});

test('after a stall the whole backlog is due at once, with its original intended times', () => {
  const s = openLoopSchedule(10_000, 60);
  let sent = 0;
  const a = nextBatch(s, sent, 5_000_000); // 5 ms: 51 events
  assert.deepEqual(a, { from: 0, to: 51 });
  sent = a.to;
  // The sender stalls for 2 s: the next tick sends everything due, not one tick's worth.
  const b = nextBatch(s, sent, 2_005_000_000);
  assert.deepEqual(b, { from: 51, to: 20_051 });
  assert.equal(intendedOffsetNs(s, b.from), 5_100_000, 'the backlog keeps the times it was due at');
  // Nothing new due yet: an empty batch.
  assert.deepEqual(nextBatch(s, b.to, 2_005_000_000), { from: 20_051, to: 20_051 });
});

test('bad parameters are rejected', () => {
  assert.throws(() => openLoopSchedule(0, 1), RangeError);
  assert.throws(() => openLoopSchedule(10, Number.NaN), RangeError);
});
