import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitScheduler } from '../../../src/sources/kafka/commit-scheduler.ts';
import type { PartitionHandle } from '../../../src/core/source.ts';

const handle = (name: string): PartitionHandle => ({ name, dataset: 'http_requests' });
const plain = (due: ReturnType<CommitScheduler['due']>) => due.map(({ topic, partition, offset }) => ({ topic, partition, offset }));

describe('CommitScheduler', () => {
  it('commits nothing until the pipeline reports a position', () => {
    const s = new CommitScheduler();
    s.add(handle('t/0'), 't', 0);
    assert.deepEqual(s.due(), []);
  });

  it('hands out the latest committable offset, once, and again only when it moved', () => {
    const s = new CommitScheduler();
    const h = handle('t/0');
    s.add(h, 't', 0);
    s.report(h, 5);
    s.report(h, 9);
    const first = s.due();
    assert.deepEqual(plain(first), [{ topic: 't', partition: 0, offset: 9 }]);
    s.committed(first);
    assert.deepEqual(s.due(), [], 'unchanged offsets are not committed again');
    s.report(h, 9);
    assert.deepEqual(s.due(), []);
    s.report(h, 12);
    assert.deepEqual(plain(s.due()), [{ topic: 't', partition: 0, offset: 12 }]);
  });

  it('keeps an offset due when its commit failed (committed() not called)', () => {
    const s = new CommitScheduler();
    const h = handle('t/1');
    s.add(h, 't', 1);
    s.report(h, 3);
    assert.equal(s.due().length, 1);
    assert.equal(s.due().length, 1);
  });

  it('never goes backwards', () => {
    const s = new CommitScheduler();
    const h = handle('t/0');
    s.add(h, 't', 0);
    s.report(h, 10);
    s.report(h, 4);
    assert.deepEqual(plain(s.due()), [{ topic: 't', partition: 0, offset: 10 }]);
  });

  it('ignores positions of partitions it does not own (other sources, closed ones)', () => {
    const s = new CommitScheduler();
    const mine = handle('t/0');
    s.add(mine, 't', 0);
    s.report(handle('t/0'), 50); // same name, different handle: another source or an older assignment
    assert.deepEqual(s.due(), []);
  });

  it('never commits a removed partition, even if its commit was in flight', () => {
    const s = new CommitScheduler();
    const a = handle('t/0');
    const b = handle('t/1');
    s.add(a, 't', 0);
    s.add(b, 't', 1);
    s.report(a, 7);
    s.report(b, 8);
    const inFlight = s.due();
    assert.equal(inFlight.length, 2);
    s.remove(a);
    s.report(a, 20);
    s.committed(inFlight);
    assert.deepEqual(s.due(), []);
    s.report(b, 9);
    assert.deepEqual(plain(s.due()), [{ topic: 't', partition: 1, offset: 9 }]);
  });

  it('treats a re-assigned partition (new handle) as new, not as already committed', () => {
    const s = new CommitScheduler();
    const old = handle('t/0');
    s.add(old, 't', 0);
    s.report(old, 7);
    const inFlight = s.due();
    s.remove(old);
    const fresh = handle('t/0');
    s.add(fresh, 't', 0);
    s.committed(inFlight);
    s.report(fresh, 5);
    assert.deepEqual(plain(s.due()), [{ topic: 't', partition: 0, offset: 5 }]);
  });
});
