// The Kafka source's readiness (connected after the group join) and consumer lag per topic
// (high watermark minus the next offset to take), as the metrics read them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaSourceSchema } from '../../src/config/schema.ts';
import type { BatchPayload } from '../../src/sources/kafka/kafka-client.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import { createLogger } from '../../src/telemetry/log.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { FakeRegistry, RecordingSink, waitFor } from '../sources/fake-pipeline.ts';
import { FakeConnection, fakeConnect, message } from '../sources/kafka/fake-consumer.ts';
import { parseSamples, valueOf } from './support.ts';

describe('Kafka source telemetry', () => {
  it('is connected after the group join and reports lag per topic', async () => {
    const connection = new FakeConnection();
    const consumer = connection.consumer;
    consumer.initialAssignment = { req: [0, 1] };
    let eachBatch: ((payload: BatchPayload) => Promise<void>) | null = null;
    const run = consumer.run.bind(consumer);
    consumer.run = (options) => {
      eachBatch = options.eachBatch;
      return run(options);
    };
    const config = KafkaSourceSchema.parse({ type: 'kafka', brokers: ['127.0.0.1:39092'], group_id: 'g', commit_interval_ms: 3_600_000, topics: [{ topic: 'req', dataset: 'http_requests', tenant_from: { key: true } }] });
    const source = new KafkaSource(config, { log: createLogger('silent'), connect: fakeConnect(connection) });
    assert.equal(source.connected, false);
    const running = source.run(new RecordingSink(), new FakeRegistry());
    running.catch(() => {});
    await waitFor(() => consumer.running, 'consumer.run');
    assert.equal(source.connected, true);

    const deliver = (partition: number, offsets: number[], highWatermark: number) => eachBatch!({
      batch: { topic: 'req', partition, messages: offsets.map((o) => message(o, 'zone')), highWatermark: String(highWatermark) },
      resolveOffset: () => {},
      pause: () => () => {},
      isStale: () => false,
    });
    await deliver(0, [0, 1, 2], 10); // took 0..2 of 10: lag 7
    await deliver(1, [5], 6); // took 5 of 6: lag 0
    assert.deepEqual([...source.consumerLag()], [['req', 7]]);

    const metrics = new SluiceMetrics({ defaultMetrics: false });
    metrics.watchConsumerLag(source, ['req', 'other']);
    const samples = parseSamples(await metrics.text());
    assert.equal(valueOf(samples, 'sluice_kafka_consumer_lag_records', { topic: 'req' }), 7);
    assert.ok(samples.some((s) => s.name === 'sluice_kafka_consumer_lag_records' && s.labels.topic === 'other' && s.value === 0));

    consumer.crash(new Error('gone'), true);
    assert.equal(source.connected, false, 'a crashed consumer is not ready until it rejoins');
    source.stop();
    await source.close();
  });
});
