// Consumer lag (src/sources/kafka/consumer-lag.ts): per owned partition, the end offset (the
// broker's, or a later one a fetch saw) minus the acknowledged position, summed per topic; a
// partition not read yet counts from the group's committed offset. The source's wiring is in
// test/telemetry/kafka-lag.test.ts, the real broker in test/integration/kafka-consumer-lag.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsumerLag, type OwnedPartition } from '../../../src/sources/kafka/consumer-lag.ts';
import { createLogger } from '../../../src/shared/log.ts';
import { FakeLagPort } from './fake-consumer.ts';

function lagOf(port: FakeLagPort, owned: OwnedPartition[], fromBeginning = true): ConsumerLag {
  return new ConsumerLag({ port, topics: ['a', 'b'], groupId: 'g', fromBeginning, owned: () => owned, log: createLogger('silent'), intervalMs: 3_600_000 });
}

describe('consumer lag', () => {
  it('is the broker\'s end minus the acknowledged position, summed per topic over owned partitions', async () => {
    const port = new FakeLagPort();
    port.ends.set('a', [{ partition: 0, start: 0, end: 1000 }, { partition: 1, start: 0, end: 50 }, { partition: 2, start: 0, end: 9 }]);
    port.ends.set('b', [{ partition: 0, start: 0, end: 40 }]);
    const owned: OwnedPartition[] = [
      { topic: 'a', partition: 0, position: 0, fetchedEnd: 10 }, // the last fetch saw 10; the broker has 1000 now
      { topic: 'a', partition: 1, position: 45, fetchedEnd: 50 },
      { topic: 'b', partition: 0, position: 40, fetchedEnd: -1 },
    ];
    const lag = lagOf(port, owned);
    assert.deepEqual([...lag.byTopic()], [['a', 10 + 5]], 'before the first refresh: what the fetches saw');
    await lag.refresh();
    assert.deepEqual(port.calls, ['end a', 'end b'], 'one call per topic; no OffsetFetch while every owned partition is read');
    assert.deepEqual([...lag.byTopic()], [['a', 1000 + 5], ['b', 0]]);
    owned[0]!.position = 600;
    owned[0]!.fetchedEnd = 1500; // a fetch saw further than the last refresh: counts at once
    assert.deepEqual([...lag.byTopic()], [['a', 900 + 5], ['b', 0]]);
  });

  it('says how far each parked job is behind: end minus its saved position, summed over the owned partitions where it has one', async () => {
    const port = new FakeLagPort();
    port.ends.set('a', [{ partition: 0, start: 0, end: 1000 }, { partition: 1, start: 0, end: 500 }, { partition: 2, start: 0, end: 70 }]);
    const owned: OwnedPartition[] = [
      { topic: 'a', partition: 0, position: 990, fetchedEnd: -1 },
      { topic: 'a', partition: 1, position: 500, fetchedEnd: 600 }, // a fetch saw further than the broker's last answer
    ];
    const saved = new Map<string, Map<number, number>>([
      ['a/0', new Map([[7, 400], [9, 1000]])],
      ['a/1', new Map([[7, 550]])],
      ['a/2', new Map([[7, 0]])], // not owned here: another member's
    ]);
    const lag = lagOf(port, owned);
    await lag.refresh();
    assert.deepEqual(lag.recordsBehind((topic, partition) => saved.get(`${topic}/${partition}`) ?? new Map()), new Map([[7, 600 + 50], [9, 0]]));
  });

  it('counts a partition not read yet from the group\'s committed offset, else from the log start or end', async () => {
    const port = new FakeLagPort();
    port.ends.set('a', [{ partition: 0, start: 0, end: 100 }, { partition: 1, start: 30, end: 80 }]);
    port.committed = [{ topic: 'a', partition: 0, offset: 70 }, { topic: 'a', partition: 1, offset: -1 }];
    const owned: OwnedPartition[] = [
      { topic: 'a', partition: 0, position: null, fetchedEnd: -1 },
      { topic: 'a', partition: 1, position: null, fetchedEnd: -1 },
    ];
    const fromStart = lagOf(port, owned);
    await fromStart.refresh();
    assert.deepEqual(port.calls, ['end a', 'end b', 'committed a']);
    assert.deepEqual([...fromStart.byTopic()], [['a', 30 + 50]]);
    const fromEnd = lagOf(port, owned, false);
    await fromEnd.refresh();
    assert.deepEqual([...fromEnd.byTopic()], [['a', 30]]);
  });

  it('keeps the last values while the broker cannot be read, refreshes one at a time, and closes its port', async () => {
    const port = new FakeLagPort();
    port.ends.set('a', [{ partition: 0, start: 0, end: 100 }]);
    const owned: OwnedPartition[] = [{ topic: 'a', partition: 0, position: 10, fetchedEnd: -1 }];
    const lag = lagOf(port, owned);
    await lag.refresh();
    port.failing = true;
    port.ends.set('a', [{ partition: 0, start: 0, end: 500 }]);
    const first = lag.refresh();
    assert.equal(lag.refresh(), first, 'a refresh in flight is shared');
    await first;
    assert.deepEqual([...lag.byTopic()], [['a', 90]]);
    port.failing = false;
    await lag.refresh();
    assert.deepEqual([...lag.byTopic()], [['a', 490]]);
    lag.start();
    await lag.close();
    assert.equal(port.closed, true);
  });
});
