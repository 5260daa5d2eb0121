// Kafka source events as metrics (issue 13): the real KafkaSource against the fake broker of
// test/sources/kafka, its counters read by SluiceMetrics at scrape time. Labels stay bounded:
// `outcome` for commits, the configured `topic` for records without a tenant, nothing else.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaSourceSchema } from '../../src/config/schema.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { FakeRegistry, RecordingSink, waitFor } from '../sources/fake-pipeline.ts';
import { FakeConnection, fakeConnect, message } from '../sources/kafka/fake-consumer.ts';
import { parseSamples, valueOf } from './support.ts';

const TOPICS = ['req', 'audit'];

async function scrape(metrics: SluiceMetrics) {
  return parseSamples(await metrics.text());
}

describe('Kafka source events as metrics', () => {
  it('exports commits by outcome, pauses, resumes, group joins, revoked partitions and tenantless records per topic', async () => {
    const connection = new FakeConnection();
    const consumer = connection.consumer;
    consumer.initialAssignment = { req: [0, 1], audit: [0] };
    const config = KafkaSourceSchema.parse({
      type: 'kafka', brokers: ['127.0.0.1:39092'], group_id: 'g', commit_interval_ms: 3_600_000,
      topics: [
        { topic: 'req', dataset: 'http_requests', tenant_from: { key: true } },
        { topic: 'audit', dataset: 'audit_logs', tenant_from: { header: 'account' } },
      ],
    });
    const source = new KafkaSource(config, { log: createLogger('silent'), connect: fakeConnect(connection) });
    const metrics = new SluiceMetrics({ defaultMetrics: false });
    metrics.watchConsumerLag(source, TOPICS);
    metrics.watchKafkaEvents(source);

    const before = await scrape(metrics);
    assert.equal(valueOf(before, 'sluice_kafka_tenantless_records_total', { topic: 'req' }), 0);
    assert.deepEqual(before.filter((s) => s.name === 'sluice_kafka_tenantless_records_total').map((s) => s.labels.topic).sort(), ['audit', 'req'], 'configured topics show 0 before anything happens');
    assert.equal(before.filter((s) => s.name === 'sluice_kafka_offset_commits_total').length, 2, 'both outcomes are series from the start');

    const sink = new RecordingSink();
    const registry = new FakeRegistry();
    const running = source.run(sink, registry);
    running.catch(() => {});
    await waitFor(() => consumer.running, 'consumer.run');

    // Two records without a tenant on req (no key), one on audit (no header), one with a tenant.
    await consumer.batch('req', 0, [message(0, null), message(1, null), message(2, 'zone-a')]);
    await consumer.batch('audit', 0, [message(0, 'ignored', '{}')]);
    // Backpressure: two partitions paused, one resume after the drain.
    sink.accept = () => false;
    await consumer.batch('req', 1, [message(0, 'zone-a')]);
    await consumer.batch('req', 0, [message(3, 'zone-a')]);
    sink.accept = () => true;
    sink.drain();
    // A commit that fails, then a rebalance that takes req/1 and audit/0 away.
    source.committable(registry.handles.get('req/0')!, 3);
    consumer.commitError = new Error('coordinator moved');
    consumer.rebalancing();
    await waitFor(() => source.stats.commitFailures === 1, 'the failed commit');
    consumer.commitError = null;
    consumer.join({ req: [0] });

    const during = await scrape(metrics);
    assert.equal(valueOf(during, 'sluice_kafka_tenantless_records_total', { topic: 'req' }), 2);
    assert.equal(valueOf(during, 'sluice_kafka_tenantless_records_total', { topic: 'audit' }), 1);
    assert.equal(valueOf(during, 'sluice_kafka_partition_pauses_total'), 2);
    assert.equal(valueOf(during, 'sluice_kafka_intake_resumes_total'), 1);
    assert.equal(valueOf(during, 'sluice_kafka_group_joins_total'), 2, 'the first join and the rebalance');
    assert.equal(valueOf(during, 'sluice_kafka_revoked_partitions_total'), 2);
    assert.equal(valueOf(during, 'sluice_kafka_offset_commits_total', { outcome: 'failed' }), 1);
    assert.equal(valueOf(during, 'sluice_kafka_offset_commits_total', { outcome: 'committed' }), 0);

    source.stop();
    await running;
    await source.close(); // the final commit succeeds
    const after = await scrape(metrics);
    assert.equal(valueOf(after, 'sluice_kafka_offset_commits_total', { outcome: 'committed' }), 1);
    assert.equal(valueOf(after, 'sluice_kafka_offset_commits_total', { outcome: 'failed' }), 1, 'a counter never goes back');

    const labels = new Set(after.filter((s) => s.name.startsWith('sluice_kafka_')).flatMap((s) => Object.keys(s.labels)));
    assert.deepEqual([...labels].sort(), ['outcome', 'topic'], 'no partition, group or tenant label');
  });
});
