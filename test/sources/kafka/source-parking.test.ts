// KafkaSource's parts of parking (docs/architecture.md "Parking and catch-up") against a fake consumer:
// commits carry parked positions only when parking is on; a newly assigned partition is held
// until its committed metadata is read, and a job parked by its previous owner is reported; in
// catch-up mode only the wanted partitions are read, from their offsets, up to the stop points,
// and nothing is committed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaSourceSchema, type KafkaSourceConfig } from '../../../src/config/schema.ts';
import { encodePositions } from '../../../src/sources/kafka/parked-positions.ts';
import { KafkaSource } from '../../../src/sources/kafka/source.ts';
import type { CommittedMetadata } from '../../../src/sources/kafka/kafka-client.ts';
import { createLogger } from '../../../src/shared/log.ts';
import type { PartitionHandle } from '../../../src/core/source.ts';
import { FakeRegistry, RecordingSink, waitFor } from '../fake-pipeline.ts';
import { FakeConnection, FakeLagPort, fakeConnect, message } from './fake-consumer.ts';
import type { RecordsLost } from '../../../src/sources/kafka/source.ts';

const silent = createLogger('silent');

function config(): KafkaSourceConfig {
  return KafkaSourceSchema.parse({
    type: 'kafka',
    brokers: ['127.0.0.1:39092'],
    group_id: 'g',
    commit_interval_ms: 3_600_000,
    topics: [{ topic: 'req', dataset: 'http_requests', tenant_from: { key: true } }],
  });
}

/** A connection whose committed metadata the test hands out when it says so. */
class MetadataConnection extends FakeConnection {
  requests: Array<ReadonlyArray<{ topic: string; partition: number }>> = [];
  #answer: ((rows: CommittedMetadata[]) => void) | null = null;
  committedMetadata(_groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<CommittedMetadata[]> {
    this.requests.push(partitions);
    return new Promise((resolve) => (this.#answer = resolve));
  }
  answer(rows: CommittedMetadata[]): void {
    this.#answer!(rows);
  }
}

/** A connection whose broker tells log start offsets (the lag port); `held` delays the answer. */
class OffsetsConnection extends FakeConnection {
  readonly lag = new FakeLagPort();
  lagPort() {
    return this.lag;
  }
}

async function start(source: KafkaSource, connection: FakeConnection) {
  const sink = new RecordingSink();
  const registry = new FakeRegistry();
  source.run(sink, registry).catch(() => {});
  await waitFor(() => connection.consumer.running, 'consumer.run');
  return { sink, registry };
}

describe('KafkaSource: parking', () => {
  it('without parking, commits carry no metadata', async () => {
    const connection = new FakeConnection();
    connection.consumer.initialAssignment = { req: [0] };
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection) });
    const { registry } = await start(source, connection);
    await connection.consumer.batch('req', 0, [message(0, 'z'), message(1, 'z')]);
    source.committable(registry.handles.get('req/0')!, 2);
    await source.close();
    assert.equal(connection.consumer.lastCommitted('req', 0), 2);
    for (const commit of connection.consumer.commits) for (const entry of commit) assert.equal('metadata' in entry, false);
  });

  it('holds a new partition until its metadata is read, reports jobs its previous owner parked, and commits their positions', async () => {
    const connection = new MetadataConnection();
    connection.consumer.initialAssignment = { req: [0, 1] };
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection) });
    const parkedElsewhere: number[][] = [];
    source.enableParking((ids) => parkedElsewhere.push([...ids]));
    const { sink, registry } = await start(source, connection);

    assert.deepEqual(connection.requests, [[{ topic: 'req', partition: 0 }, { topic: 'req', partition: 1 }]]);
    assert.ok(connection.consumer.pausedPartitions.has('req/0') && connection.consumer.pausedPartitions.has('req/1'), 'held while the metadata is read');
    const early = await connection.consumer.batch('req', 0, [message(5, 'z')]);
    assert.equal(sink.records.length, 0, 'nothing is taken before the metadata is known');
    assert.equal(early.resolved, null, 'and nothing resolved: it is fetched again');

    connection.answer([
      { topic: 'req', partition: 0, offset: 5, metadata: encodePositions(new Map([[7, 3]])) },
      { topic: 'req', partition: 1, offset: 41, metadata: null },
    ]);
    await waitFor(() => parkedElsewhere.length === 1, 'parked jobs reported');
    assert.deepEqual(parkedElsewhere, [[7]]);
    assert.equal(connection.consumer.pausedPartitions.has('req/0'), false, 'resumed once read');
    assert.deepEqual([...source.nextOffsets('req')].sort(), [[0, 5], [1, 41]], 'a partition with nothing taken yet is at its committed offset');

    await connection.consumer.batch('req', 0, [message(5, 'z'), message(6, 'z')]);
    assert.deepEqual(sink.records.map((r) => r.offset), [5, 6]);
    const handle = registry.handles.get('req/0')!;
    // A job parked here too gets its position on partition 1; then commits carry both entries.
    assert.equal(source.keepPositions(9, new Map([[{ name: 'req/1', dataset: 'http_requests' }, 40]])), true);
    source.committable(handle, 7);
    await source.close();
    const committed = connection.consumer.commits.flat().find((c) => c.partition === 0) as { offset: string; metadata?: string | null } | undefined;
    assert.equal(committed?.offset, '7');
    assert.equal(committed?.metadata, encodePositions(new Map([[7, 3]])), 'the previous owner\'s position goes on with the offset');
    assert.deepEqual([...source.parked.positionsOf('req', 1)], [[9, 40]]);
  });

  it('catch-up mode: wanted partitions from their offsets, others paused, stop points honoured, nothing committed', async () => {
    const connection = new FakeConnection();
    connection.consumer.initialAssignment = { req: [0, 1, 2] };
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection), catchUp: { from: new Map([[0, 10], [2, 20]]) } });
    const { sink, registry } = await start(source, connection);
    await waitFor(() => connection.consumer.seeks.length === 2, 'positioned once the log starts are known');
    assert.deepEqual(connection.consumer.seeks, [{ topic: 'req', partition: 0, offset: '10' }, { topic: 'req', partition: 2, offset: '20' }]);
    assert.ok(connection.consumer.pausedPartitions.has('req/1'), 'a partition the job has no position on is not read');
    assert.deepEqual(registry.opened.map((p) => [p.name, p.firstOffset]), [['req/0', 10], ['req/2', 20]]);
    assert.deepEqual([...source.nextOffsets('req')], [[0, 10], [2, 20]]);

    await connection.consumer.batch('req', 0, [message(10, 'z'), message(11, 'z')]);
    source.stopAt(new Map([[0, 13], [2, 20]]));
    const cut = await connection.consumer.batch('req', 0, [message(12, 'z'), message(13, 'z'), message(14, 'z')]);
    assert.deepEqual(sink.records.map((r) => r.offset), [10, 11, 12], 'nothing at or past the stop point');
    assert.equal(cut.resolved, '12');
    assert.equal(cut.paused, true);
    await connection.consumer.batch('req', 2, [message(20, 'z')]);
    assert.equal(sink.records.length, 3, 'a partition whose stop point is its start reads nothing');
    assert.deepEqual([...source.nextOffsets('req')], [[0, 13], [2, 20]]);
    source.committable(registry.handles.get('req/0')!, 13);
    await source.close();
    assert.deepEqual(connection.consumer.commits, [], 'a reader never commits');
  });

  it('catch-up mode: a saved position below the log start is reported as lost and reading starts at the log start', async () => {
    const connection = new OffsetsConnection();
    connection.consumer.initialAssignment = { req: [0, 1] };
    connection.lag.ends.set('req', [{ partition: 0, start: 250, end: 400 }, { partition: 1, start: 0, end: 90 }]);
    const lost: RecordsLost[] = [];
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection), catchUp: { from: new Map([[0, 100], [1, 30]]), onRecordsLost: (loss) => lost.push(loss) } });
    const { sink, registry } = await start(source, connection);
    await waitFor(() => connection.consumer.seeks.length === 2, 'positioned');
    assert.deepEqual(lost, [{ topic: 'req', partition: 0, from: 100, to: 250 }], 'partition 1 lost nothing');
    assert.deepEqual(connection.consumer.seeks, [{ topic: 'req', partition: 0, offset: '250' }, { topic: 'req', partition: 1, offset: '30' }]);
    assert.deepEqual(registry.opened.map((p) => [p.name, p.firstOffset]), [['req/0', 250], ['req/1', 30]]);
    assert.equal(connection.consumer.pausedPartitions.size, 0, 'resumed once positioned');
    await connection.consumer.batch('req', 0, [message(250, 'z')]);
    assert.deepEqual(sink.records.map((r) => r.offset), [250]);
    await source.close();
  });

  it('catch-up mode: partitions are held until the log start is known (a failed read is retried)', async () => {
    const connection = new OffsetsConnection();
    connection.consumer.initialAssignment = { req: [0] };
    connection.lag.failing = true;
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection), catchUp: { from: new Map([[0, 5]]) } });
    const { sink } = await start(source, connection);
    await waitFor(() => connection.lag.calls.length === 1, 'asked once');
    assert.ok(connection.consumer.pausedPartitions.has('req/0'));
    const early = await connection.consumer.batch('req', 0, [message(5, 'z')]);
    assert.equal(sink.records.length, 0, 'nothing taken before it is positioned');
    assert.equal(early.resolved, null);
    connection.lag.failing = false;
    connection.lag.ends.set('req', [{ partition: 0, start: 0, end: 10 }]);
    await waitFor(() => connection.consumer.seeks.length === 1, 'positioned after the retry', 5_000);
    assert.deepEqual(connection.consumer.seeks, [{ topic: 'req', partition: 0, offset: '5' }]);
    await source.close();
  });

  it('catch-up mode: a fetch that jumps past the reader is loss only below the log start (a compaction gap is not)', async () => {
    const connection = new OffsetsConnection();
    connection.consumer.initialAssignment = { req: [0] };
    connection.lag.ends.set('req', [{ partition: 0, start: 0, end: 1000 }]);
    const lost: RecordsLost[] = [];
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection), catchUp: { from: new Map([[0, 10]]), onRecordsLost: (loss) => lost.push(loss) } });
    const { sink } = await start(source, connection);
    await waitFor(() => connection.consumer.seeks.length === 1, 'positioned');
    await connection.consumer.batch('req', 0, [message(10, 'z'), message(11, 'z')]);
    // Compaction removed 12..19: the log still starts at 0.
    await connection.consumer.batch('req', 0, [message(20, 'z')]);
    await waitFor(() => connection.lag.calls.length === 2, 'the gap checked');
    // Retention deleted 21..599 under the reader; kafkajs reset to the log start (600) silently.
    connection.lag.ends.set('req', [{ partition: 0, start: 600, end: 1000 }]);
    await connection.consumer.batch('req', 0, [message(600, 'z')]);
    await waitFor(() => lost.length === 1, 'the loss reported');
    assert.deepEqual(lost, [{ topic: 'req', partition: 0, from: 21, to: 600 }]);
    assert.deepEqual(sink.records.map((r) => r.offset), [10, 11, 20, 600], 'reading goes on');
    await source.close();
  });

  it('catch-up mode: the rate limit cuts a batch short, pauses the partition and resumes it once tokens refill', async () => {
    const connection = new FakeConnection();
    connection.consumer.initialAssignment = { req: [0] };
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection), catchUp: { from: new Map([[0, 0]]), recordsPerSecond: 20 } });
    const { sink } = await start(source, connection);
    await waitFor(() => connection.consumer.seeks.length === 1, 'positioned');
    const resumesBefore = connection.consumer.resumed.length;
    const cut = await connection.consumer.batch('req', 0, Array.from({ length: 50 }, (_, i) => message(i, 'z')));
    assert.equal(sink.records.length, 20, 'one second\'s worth');
    assert.equal(cut.resolved, '19', 'the rest is fetched again');
    assert.equal(cut.paused, true);
    await waitFor(() => connection.consumer.resumed.length > resumesBefore, 'resumed after the refill', 5_000);
    assert.deepEqual(connection.consumer.resumed.at(-1), [{ topic: 'req', partitions: [0] }]);
    const next = await connection.consumer.batch('req', 0, Array.from({ length: 30 }, (_, i) => message(20 + i, 'z')));
    assert.ok(sink.records.length > 20 && sink.records.length < 50, `only what refilled (${sink.records.length - 20})`);
    assert.equal(next.paused, true);
    await source.close();
  });

  it('advanceParked moves a parked job\'s positions and commits them again although the offset did not move', async () => {
    const connection = new MetadataConnection();
    connection.consumer.initialAssignment = { req: [0] };
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection) });
    source.enableParking(() => {});
    const { registry } = await start(source, connection);
    connection.answer([{ topic: 'req', partition: 0, offset: 10, metadata: encodePositions(new Map([[7, 3]])) }]);
    await waitFor(() => !connection.consumer.pausedPartitions.has('req/0'), 'metadata read');
    await connection.consumer.batch('req', 0, [message(10, 'z')]);
    source.committable(registry.handles.get('req/0')!, 11);
    connection.consumer.rebalancing(); // a commit now (the interval is an hour)
    await waitFor(() => connection.consumer.commits.length === 1, 'first commit');
    source.advanceParked(7, 'req', new Map([[0, 8]]));
    assert.deepEqual([...source.parked.positionsOf('req', 0)], [[7, 8]]);
    connection.consumer.rebalancing();
    await waitFor(() => connection.consumer.commits.length === 2, 'committed again at the same offset, with the moved position');
    const last = connection.consumer.commits[1]![0] as { offset: string; metadata?: string | null };
    assert.deepEqual([last.offset, last.metadata], ['11', encodePositions(new Map([[7, 8]]))]);
    source.advanceParked(7, 'req', new Map([[0, 8]]));
    connection.consumer.rebalancing();
    await source.close();
    assert.equal(connection.consumer.commits.length, 2, 'nothing moved: no commit');
  });
});
