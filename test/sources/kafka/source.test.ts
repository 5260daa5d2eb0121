// KafkaSource against a fake consumer: what it pushes, resolves, pauses, resumes, seeks and
// commits as the "broker" hands out batches, rebalances and crashes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaSourceSchema, type KafkaSourceConfig } from '../../../src/config/schema.ts';
import { KafkaSource } from '../../../src/sources/kafka/source.ts';
import { KafkaError } from '../../../src/kafka/errors.ts';
import type { PartitionHandle } from '../../../src/core/source.ts';
import { createLogger } from '../../../src/shared/log.ts';
import { FakeRegistry, isSettled, RecordingSink, waitFor } from '../fake-pipeline.ts';
import { FakeConnection, fakeConnect, message } from './fake-consumer.ts';

const silent = createLogger('silent');

class RecordingRegistry extends FakeRegistry {
  readonly closed: string[] = [];
  override close(partition?: PartitionHandle): void {
    if (partition) this.closed.push(partition.name);
  }
}

function config(overrides: Record<string, unknown> = {}): KafkaSourceConfig {
  return KafkaSourceSchema.parse({
    type: 'kafka',
    brokers: ['127.0.0.1:39092'],
    group_id: 'g',
    // Long: tests trigger commits through rebalance/close unless they shorten it.
    commit_interval_ms: 3_600_000,
    topics: [
      { topic: 'req', dataset: 'http_requests', tenant_from: { key: true } },
      { topic: 'audit', dataset: 'audit_logs', tenant_from: { header: 'account' } },
    ],
    ...overrides,
  });
}

async function started(overrides: Record<string, unknown> = {}, assignment: Record<string, number[]> = { req: [0, 1], audit: [0] }) {
  const connection = new FakeConnection();
  connection.consumer.initialAssignment = assignment;
  const source = new KafkaSource(config(overrides), { log: silent, connect: fakeConnect(connection), configPath: 'sources[3]' });
  const sink = new RecordingSink();
  const registry = new RecordingRegistry();
  const running = source.run(sink, registry);
  running.catch(() => {});
  const consumer = connection.consumer;
  await waitFor(() => consumer.running, 'consumer.run');
  return { connection, consumer, source, sink, registry, running };
}

describe('KafkaSource: records', () => {
  it('checks every topic with its config path and subscribes to all of them', async () => {
    const { connection, consumer, source } = await started({ from_beginning: false });
    assert.deepEqual(connection.checked, [{ topic: 'req', path: 'sources[3].topics[0].topic' }, { topic: 'audit', path: 'sources[3].topics[1].topic' }]);
    assert.deepEqual(consumer.subscribed, { topics: ['req', 'audit'], fromBeginning: false });
    await source.close();
  });

  it('pushes each record with its tenant, dataset, offset and exact bytes, then resolves the last offset', async () => {
    const { consumer, source, sink, registry } = await started();
    const outcome = await consumer.batch('req', 1, [message(40, 'zone-a', '{"a":1}'), message(41, 'zone-b', '{"b":2}'), message(43, 'zone-a', '{"c":3}')]);
    assert.deepEqual(sink.records.map((r) => [r.partition, r.offset, r.tenant, r.value.toString()]), [
      ['req/1', 40, 'zone-a', '{"a":1}'], ['req/1', 41, 'zone-b', '{"b":2}'], ['req/1', 43, 'zone-a', '{"c":3}'],
    ]);
    assert.deepEqual(registry.opened, [{ name: 'req/1', dataset: 'http_requests', firstOffset: 40 }]);
    assert.deepEqual(outcome, { resolved: '43', paused: false });
    await consumer.batch('req', 1, [message(44, 'zone-a')]);
    assert.equal(registry.opened.length, 1, 'a partition is opened once per assignment');
    await source.close();
  });

  it('reads the tenant from the configured header; a record without one goes on with tenant "" and is counted', async () => {
    const { consumer, source, sink, registry } = await started();
    await consumer.batch('audit', 0, [message(0, 'key-ignored', '{}', { account: 'acct-7' }), message(1, 'key-ignored', '{}')]);
    assert.deepEqual(sink.records.map((r) => r.tenant), ['acct-7', '']);
    assert.equal(registry.opened[0]!.dataset, 'audit_logs');
    assert.equal(source.stats.recordsWithoutTenant, 1);
    await source.close();
  });

  it('pushes a tombstone (null value) as an empty record rather than failing', async () => {
    const { consumer, source, sink } = await started();
    await consumer.batch('req', 0, [{ offset: '0', key: Buffer.from('z'), value: null }]);
    assert.equal(sink.records[0]!.value.length, 0);
    await source.close();
  });

  it('ignores a batch for a partition it was not assigned', async () => {
    const { consumer, source, sink } = await started({}, { req: [0] });
    const outcome = await consumer.batch('req', 5, [message(0, 'z')]);
    assert.equal(sink.records.length, 0);
    assert.equal(outcome.resolved, null);
    await source.close();
  });
});

describe('KafkaSource: backpressure', () => {
  it('pauses the partition at a refused push, resolves only what was pushed, and resumes on drain', async () => {
    const { consumer, source, sink } = await started();
    sink.accept = (r) => r.offset < 2;
    const outcome = await consumer.batch('req', 0, [message(0, 'z'), message(1, 'z'), message(2, 'z'), message(3, 'z'), message(4, 'z')]);
    assert.deepEqual(sink.records.map((r) => r.offset), [0, 1, 2], 'nothing after the refused push');
    assert.deepEqual(outcome, { resolved: '2', paused: true }, 'records 3 and 4 are re-fetched after resume');
    assert.equal(sink.pushesWhileSaturated, 0);

    // Another partition's batch while saturated: paused on arrival, nothing pushed or resolved.
    const other = await consumer.batch('req', 1, [message(10, 'z')]);
    assert.deepEqual(other, { resolved: null, paused: true });
    assert.equal(sink.records.length, 3);
    assert.equal(sink.pushesWhileSaturated, 0);
    assert.ok(sink.drainCallback, 'waits for drain');

    sink.accept = () => true;
    sink.drain();
    assert.deepEqual(consumer.resumed, [[{ topic: 'req', partitions: [0, 1] }]]);
    assert.equal(consumer.pausedPartitions.size, 0);
    const after = await consumer.batch('req', 0, [message(3, 'z'), message(4, 'z')]);
    assert.deepEqual(after, { resolved: '4', paused: false });
    assert.deepEqual(sink.records.map((r) => r.offset), [0, 1, 2, 3, 4]);
    assert.equal(source.stats.pauses, 2);
    assert.equal(source.stats.resumes, 1);
    await source.close();
  });

  it('registers one drain callback however many partitions pause', async () => {
    const { consumer, source, sink } = await started();
    let registrations = 0;
    const onDrain = sink.onDrain.bind(sink);
    sink.onDrain = (cb) => {
      registrations++;
      onDrain(cb);
    };
    sink.accept = () => false;
    await consumer.batch('req', 0, [message(0, 'z')]);
    await consumer.batch('req', 1, [message(0, 'z')]);
    await consumer.batch('audit', 0, [message(0, 'z')]);
    assert.equal(registrations, 1);
    await source.close();
  });
});

describe('KafkaSource: commits', () => {
  it('commits the pipeline-reported offset on the interval, only when it moved, only for its own partitions', async () => {
    const { consumer, source, registry } = await started({ commit_interval_ms: 10 });
    await consumer.batch('req', 0, [message(0, 'z'), message(1, 'z'), message(2, 'z')]);
    const handle = registry.handles.get('req/0')!;
    source.committable({ name: 'req/0', dataset: 'http_requests' }, 99); // not our handle (another source)
    source.committable(handle, 2);
    await waitFor(() => consumer.commits.length === 1, 'first commit');
    assert.deepEqual(consumer.commits[0], [{ topic: 'req', partition: 0, offset: '2' }]);
    source.committable(handle, 3);
    await waitFor(() => consumer.commits.length === 2, 'second commit');
    assert.deepEqual(consumer.commits[1], [{ topic: 'req', partition: 0, offset: '3' }]);
    // Nothing moved: further intervals commit nothing. Wait for a later commit attempt of a
    // moved partition to prove the timer kept running without re-sending offset 3.
    await consumer.batch('req', 1, [message(5, 'z')]);
    source.committable(registry.handles.get('req/1')!, 6);
    await waitFor(() => consumer.commits.length === 3, 'third commit');
    assert.deepEqual(consumer.commits[2], [{ topic: 'req', partition: 1, offset: '6' }]);
    await source.close();
  });

  it('retries a failed commit at the next opportunity', async () => {
    const { consumer, source, registry } = await started();
    await consumer.batch('req', 0, [message(0, 'z')]);
    source.committable(registry.handles.get('req/0')!, 1);
    consumer.commitError = new Error('coordinator moved');
    consumer.rebalancing();
    await waitFor(() => source.stats.commitFailures === 1, 'failed commit');
    consumer.commitError = null;
    await source.close();
    assert.deepEqual(consumer.commits, [[{ topic: 'req', partition: 0, offset: '1' }]]);
  });

  it('close() commits everything delivered, then leaves the group', async () => {
    const { consumer, source, registry, running } = await started();
    await consumer.batch('req', 0, [message(0, 'z'), message(1, 'z')]);
    await consumer.batch('audit', 0, [message(7, 'z', '{}', { account: 'a' })]);
    source.committable(registry.handles.get('req/0')!, 2);
    source.committable(registry.handles.get('audit/0')!, 8);
    source.stop();
    await running;
    assert.equal(consumer.commits.length, 0, 'run() ends before the final commit (the service flushes first)');
    await source.close();
    assert.deepEqual(consumer.events.slice(-2), ['commit', 'disconnect']);
    assert.deepEqual(consumer.commits.flat().sort((a, b) => a.topic.localeCompare(b.topic)), [
      { topic: 'audit', partition: 0, offset: '8' }, { topic: 'req', partition: 0, offset: '2' },
    ]);
    await source.close(); // idempotent
    assert.equal(consumer.events.filter((e) => e === 'disconnect').length, 1);
  });
});

describe('KafkaSource: rebalance', () => {
  it('commits on REBALANCING, closes revoked partitions, keeps the rest where they were', async () => {
    const { consumer, source, registry, sink } = await started();
    await consumer.batch('req', 0, [message(0, 'z'), message(1, 'z'), message(2, 'z')]);
    await consumer.batch('req', 1, [message(0, 'z'), message(1, 'z')]);
    const r0 = registry.handles.get('req/0')!;
    const r1 = registry.handles.get('req/1')!;
    source.committable(r0, 2); // record 2 still in flight
    source.committable(r1, 1);
    consumer.rebalancing();
    await waitFor(() => consumer.commits.length === 1, 'commit before the rebalance');
    assert.deepEqual(consumer.commits[0]!.map((c) => [c.partition, c.offset]), [[0, '2'], [1, '1']]);

    consumer.join({ req: [0], audit: [0] }); // req/1 goes to another member
    assert.deepEqual(registry.closed, ['req/1']);
    assert.deepEqual(consumer.seeks, [{ topic: 'req', partition: 0, offset: '3' }], 'kept partition continues after what was pushed');

    // A batch of the revoked partition that was already fetched is dropped.
    const stale = await consumer.batch('req', 1, [message(2, 'z')]);
    assert.equal(stale.resolved, null);

    // Late acknowledgements of the revoked partition are never committed.
    source.committable(r1, 2);
    source.committable(r0, 3);
    await source.close();
    assert.deepEqual(consumer.commits.slice(1).flat(), [{ topic: 'req', partition: 0, offset: '3' }]);
    assert.equal(sink.records.filter((r) => r.partition === 'req/1').length, 2);
  });

  it('skips records it already pushed when a kept partition is re-fetched from the committed offset', async () => {
    const { consumer, source, sink } = await started();
    await consumer.batch('req', 0, [message(0, 'z'), message(1, 'z'), message(2, 'z')]);
    consumer.join({ req: [0] });
    const outcome = await consumer.batch('req', 0, [message(1, 'z'), message(2, 'z'), message(3, 'z')]);
    assert.deepEqual(sink.records.map((r) => r.offset), [0, 1, 2, 3]);
    assert.equal(outcome.resolved, '3');
    await source.close();
  });

  it('opens a fresh handle when a revoked partition comes back, at the first offset it sees', async () => {
    const { consumer, source, registry } = await started({}, { req: [0] });
    await consumer.batch('req', 0, [message(0, 'z'), message(1, 'z')]);
    consumer.join({ audit: [0] });
    consumer.join({ req: [0] });
    await consumer.batch('req', 0, [message(1, 'z'), message(2, 'z')]);
    assert.deepEqual(registry.opened.map((o) => [o.name, o.firstOffset]), [['req/0', 0], ['req/0', 1]]);
    assert.notEqual(registry.handles.get('req/0'), undefined);
    await source.close();
  });
});

describe('KafkaSource: stop, errors, crashes', () => {
  it('stop() pauses every topic, ends run(), and takes nothing more', async () => {
    const { consumer, source, sink, running } = await started();
    source.stop();
    await running;
    assert.deepEqual([...consumer.pausedTopics].sort(), ['audit', 'req']);
    const outcome = await consumer.batch('req', 0, [message(0, 'z')]);
    assert.equal(sink.records.length, 0);
    assert.equal(outcome.resolved, null);
    // A drain arriving after stop must not resume anything.
    sink.drain();
    assert.equal(consumer.resumed.length, 0);
    await source.close();
  });

  it('run() rejects with the preflight error (e.g. unknown topic) and close() still disconnects', async () => {
    const connection = new FakeConnection();
    connection.preflightError = new KafkaError('ERR_KAFKA_TOPIC', 'topic "x" does not exist on 127.0.0.1:39092; create it or fix sources[0].topics[0].topic');
    const source = new KafkaSource(config(), { log: silent, connect: fakeConnect(connection) });
    await assert.rejects(source.run(new RecordingSink(), new RecordingRegistry()), { code: 'ERR_KAFKA_TOPIC' });
    await source.close();
    assert.ok(connection.consumer.disconnected);
  });

  it('a crash kafkajs restarts from closes every partition (another member may own them now)', async () => {
    const { consumer, source, registry, running } = await started();
    await consumer.batch('req', 0, [message(0, 'z')]);
    consumer.crash(new Error('connection closed'), true);
    assert.deepEqual(registry.closed, ['req/0']);
    assert.equal(await isSettled(running), false, 'still running: kafkajs restarts the consumer');
    source.committable(registry.handles.get('req/0')!, 1);
    await source.close();
    assert.deepEqual(consumer.commits, []);
  });

  it('a crash kafkajs gives up on fails run() with a clear error', async () => {
    const { consumer, source, running } = await started();
    const error = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:39092'), { name: 'KafkaJSConnectionError' });
    consumer.crash(error, false);
    await assert.rejects(running, (e: unknown) => e instanceof KafkaError && e.code === 'ERR_KAFKA_UNREACHABLE' && e.message.includes('ECONNREFUSED'));
    await source.close();
  });
});
