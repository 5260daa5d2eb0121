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
import { createLogger } from '../../../src/telemetry/log.ts';
import type { PartitionHandle } from '../../../src/sources/source.ts';
import { FakeRegistry, RecordingSink, waitFor } from '../fake-pipeline.ts';
import { FakeConnection, fakeConnect, message } from './fake-consumer.ts';

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
      { topic: 'req', partition: 0, metadata: encodePositions(new Map([[7, 3]])) },
      { topic: 'req', partition: 1, metadata: null },
    ]);
    await waitFor(() => parkedElsewhere.length === 1, 'parked jobs reported');
    assert.deepEqual(parkedElsewhere, [[7]]);
    assert.equal(connection.consumer.pausedPartitions.has('req/0'), false, 'resumed once read');

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
});
