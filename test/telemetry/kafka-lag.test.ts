// The Kafka source's readiness (connected after the group join) and consumer lag per topic:
// per owned partition, the end offset (the broker's, or a later one seen by a fetch) minus the
// acknowledged position (where a restart resumes), as the metrics read them. The real broker
// case (a stall with records unconsumed) is test/integration/kafka-consumer-lag.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaSourceSchema } from '../../src/config/schema.ts';
import type { LagPort } from '../../src/sources/kafka/consumer-lag.ts';
import type { BatchPayload } from '../../src/sources/kafka/kafka-client.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import type { PartitionHandle } from '../../src/core/source.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { FakeRegistry, RecordingSink, waitFor } from '../sources/fake-pipeline.ts';
import { FakeConnection, fakeConnect, FakeLagPort, message } from '../sources/kafka/fake-consumer.ts';
import { parseSamples, valueOf } from './support.ts';


class LaggingConnection extends FakeConnection {
  readonly port: FakeLagPort;
  constructor(port: FakeLagPort) {
    super();
    this.port = port;
  }
  lagPort(): LagPort {
    return this.port;
  }
}

async function startSource(assignment: Record<string, number[]>, port: FakeLagPort | null) {
  const connection = port === null ? new FakeConnection() : new LaggingConnection(port);
  const consumer = connection.consumer;
  consumer.initialAssignment = assignment;
  let eachBatch: ((payload: BatchPayload) => Promise<void>) | null = null;
  const run = consumer.run.bind(consumer);
  consumer.run = (options) => {
    eachBatch = options.eachBatch;
    return run(options);
  };
  const config = KafkaSourceSchema.parse({ type: 'kafka', brokers: ['127.0.0.1:39092'], group_id: 'g', commit_interval_ms: 3_600_000, topics: [{ topic: 'req', dataset: 'http_requests', tenant_from: { key: true } }] });
  const source = new KafkaSource(config, { log: createLogger('silent'), connect: fakeConnect(connection), lagRefreshMs: 3_600_000 });
  const registry = new FakeRegistry();
  assert.equal(source.connected, false);
  const running = source.run(new RecordingSink(), registry);
  running.catch(() => {});
  await waitFor(() => consumer.running, 'consumer.run');
  const deliver = (partition: number, offsets: number[], highWatermark: number) => eachBatch!({
    batch: { topic: 'req', partition, messages: offsets.map((o) => message(o, 'zone')), highWatermark: String(highWatermark) },
    resolveOffset: () => {},
    pause: () => () => {},
    isStale: () => false,
  });
  const acknowledge = (partition: number, offset: number) => source.committable(registry.handles.get(`req/${partition}`)!, offset);
  return { source, consumer, deliver, acknowledge };
}

describe('Kafka source telemetry', () => {
  it('is connected after the group join and reports lag per topic from the acknowledged positions', async () => {
    const { source, consumer, deliver, acknowledge } = await startSource({ req: [0, 1] }, null);
    assert.equal(source.connected, true);
    // No broker end offsets here (a fake without a lag port): the fetches' watermarks stand in.
    await deliver(0, [0, 1, 2], 10); // taken 0..2 of 10, none delivered: 10 to go
    await deliver(1, [5], 6); // taken 5, not delivered: 1
    assert.deepEqual([...source.consumerLag()], [['req', 11]]);
    acknowledge(0, 3); // 0..2 delivered: 7 left
    acknowledge(1, 6);
    assert.deepEqual([...source.consumerLag()], [['req', 7]]);

    const metrics = new SluiceMetrics({ defaultMetrics: false });
    metrics.watchConsumerLag(source, ['req', 'other']);
    const samples = parseSamples(await metrics.text());
    assert.equal(valueOf(samples, 'sluice_kafka_consumer_lag_records', { topic: 'req' }), 7);
    assert.ok(samples.some((s) => s.name === 'sluice_kafka_consumer_lag_records' && s.labels.topic === 'other' && s.value === 0));

    consumer.crash(new Error('gone'), true);
    assert.equal(source.connected, false, 'a crashed consumer is not ready until it rejoins');
    assert.deepEqual([...source.consumerLag()], [], 'no partitions owned, no lag claimed');
    source.stop();
    await source.close();
  });

  it('takes end offsets from the broker, not from the last fetch, and unread partitions from the group\'s commits', async () => {
    const port = new FakeLagPort();
    port.ends.set('req', [{ partition: 0, start: 0, end: 1000 }, { partition: 1, start: 0, end: 50 }, { partition: 2, start: 100, end: 300 }, { partition: 3, start: 0, end: 70 }]);
    port.committed = [{ topic: 'req', partition: 1, offset: 20 }, { topic: 'req', partition: 2, offset: -1 }];
    const { source, deliver, acknowledge } = await startSource({ req: [0, 1, 2] }, port);
    await deliver(0, [0, 1, 2, 3, 4], 10); // the fetch saw 10; the broker now has 1000
    port.calls = [];
    await source.refreshConsumerLag();
    // p0: 1000 − 0 (nothing delivered); p1 (not read yet): 50 − 20 committed; p2: none committed,
    // from_beginning: 300 − 100 (log start). p3 is not ours.
    assert.deepEqual([...source.consumerLag()], [['req', 1000 + 30 + 200]]);
    assert.deepEqual(port.calls, ['end req', 'committed req'], 'one call per topic, one for the partition not read yet');

    acknowledge(0, 5);
    assert.deepEqual([...source.consumerLag()], [['req', 995 + 30 + 200]]);
    // A fetch that saw further than the last refresh counts at once.
    await deliver(0, [5], 2000);
    assert.deepEqual([...source.consumerLag()], [['req', 1995 + 30 + 200]]);

    // The broker cannot be read: the last values stay.
    port.failing = true;
    await source.refreshConsumerLag();
    assert.deepEqual([...source.consumerLag()], [['req', 1995 + 30 + 200]]);
    source.stop();
    await source.close();
    assert.equal(port.closed, true, 'the admin client is closed with the source');
  });
});
