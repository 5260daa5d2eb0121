import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionTracker } from '../../src/core/ack-tracker.ts';

describe('PartitionTracker', () => {
  it('commits only up to the first record some job has not acknowledged', () => {
    const t = new PartitionTracker('t/0', 'http_requests', 100);
    const a = t.track(100, 1);
    const b = t.track(101, 2);
    const c = t.track(102, 1);
    assert.equal(t.committable(), 100);
    t.ack(c);
    assert.equal(t.committable(), 100, 'a later ack must not move the position past an earlier unacked record');
    t.ack(a);
    assert.equal(t.committable(), 101);
    t.ack(b);
    assert.equal(t.committable(), 101, 'record 101 still waits for its second job');
    t.ack(b);
    assert.equal(t.committable(), 103);
    assert.equal(t.outstanding(), 0);
  });

  it('treats records routed to no job as done, and handles gaps in offsets', () => {
    const t = new PartitionTracker('t/0', 'd', 0);
    t.track(0, 0);
    assert.equal(t.committable(), 1);
    const s = t.track(5, 1);
    t.track(9, 0);
    assert.equal(t.committable(), 5);
    t.ack(s);
    assert.equal(t.committable(), 10);
  });

  it('grows past its initial ring size without losing counts', () => {
    const t = new PartitionTracker('t/0', 'd', 0);
    const seqs: number[] = [];
    for (let i = 0; i < 5000; i++) seqs.push(t.track(i, 1));
    assert.equal(t.committable(), 0);
    // Acknowledge in reverse: nothing is committable until the first is acknowledged.
    for (let i = seqs.length - 1; i >= 1; i--) t.ack(seqs[i]!);
    assert.equal(t.committable(), 0);
    t.ack(seqs[0]!);
    assert.equal(t.committable(), 5000);
  });

  it('matches a reference model under random interleavings', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const t = new PartitionTracker('t/0', 'd', 0);
    const refs = new Map<number, number>(); // offset -> outstanding
    const open: Array<{ seq: number; offset: number }> = [];
    let offset = 0;
    for (let step = 0; step < 20000; step++) {
      if (rand() < 0.55 || open.length === 0) {
        offset += 1 + Math.floor(rand() * 3);
        const n = Math.floor(rand() * 3);
        const seq = t.track(offset, n);
        refs.set(offset, n);
        for (let k = 0; k < n; k++) open.push({ seq, offset });
      } else {
        const i = Math.floor(rand() * open.length);
        const [entry] = open.splice(i, 1);
        t.ack(entry!.seq);
        refs.set(entry!.offset, refs.get(entry!.offset)! - 1);
      }
      let expected = offset + 1;
      for (const [o, n] of [...refs].sort((x, y) => x[0] - y[0])) {
        if (n > 0) {
          expected = o;
          break;
        }
      }
      assert.equal(t.committable(), expected, `step ${step}`);
      if (step % 500 === 0) for (const [o, n] of refs) if (n === 0) refs.delete(o);
    }
  });

  it('ignores acks after the partition was closed (rebalance)', () => {
    const t = new PartitionTracker('t/0', 'd', 0);
    const s = t.track(0, 1);
    t.open = false;
    t.ack(s);
    assert.equal(t.committable(), 0);
  });

  it('rejects offsets that go backwards', () => {
    const t = new PartitionTracker('t/0', 'd', 10);
    t.track(10, 1);
    assert.throws(() => t.track(10, 1), RangeError);
  });

  it('reports a committable change once', () => {
    const t = new PartitionTracker('t/0', 'd', 0);
    const s = t.track(0, 1);
    assert.equal(t.takeCommittableChange(), -1);
    t.ack(s);
    assert.equal(t.takeCommittableChange(), 1);
    assert.equal(t.takeCommittableChange(), -1);
  });
});
