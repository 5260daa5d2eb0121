// Consumer lag on a real broker while intake is paused (issue 10: the metric read 463 while the
// real lag was ~277,000 during a stall). The only job's destination is blocked (its directory
// path runs through a regular file: every delivery fails with ENOTDIR and is retried), so the
// in-flight budget fills and the source pauses with most of the topic unconsumed. More records
// are produced while it is paused (its partitions are not fetched, so a watermark seen by the
// last fetch is stale). The metric must then equal, exactly, what a restart would have to read:
// the topic's end offsets minus the group's committed offsets (one partition starts from a
// committed offset set before the run, the other has none and starts at 0). Once unblocked,
// everything is delivered and committed and the metric falls to 0.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { KafkaSourceConfig } from '../../src/config/schema.ts';
import type { Pipeline } from '../../src/core/pipeline.ts';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runService } from '../../src/service.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { createTopic, ensureKafka, kafkaClient, produce, uniqueTopic } from '../helpers/kafka.ts';
import { parseSamples, valueOf } from '../telemetry/support.ts';
import { EventStream } from './support/events.ts';
import { allCommitted, groupOffsets, uncommittedRecords } from './support/kafka-offsets.ts';
import { waitUntil } from './support/wait.ts';

const ZONE = DEFAULT_TENANTS[0]!;
/** ~1.4 KB events: ~5.6 MB, several times the 1 MiB budget. */
const PRELOADED = 4000;
/** Produced while intake is paused. */
const WHILE_PAUSED = 700;
/** Partition 0's committed offset before sluice starts: it resumes there. */
const COMMITTED_BEFORE = 300;

describe('consumer lag while intake is paused', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lag-'));
  let stopService = async () => {};
  after(async () => {
    await stopService();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the end offsets minus the committed offsets, not what the last fetch saw', async (t) => {
    const { brokers } = await ensureKafka();
    const topic = uniqueTopic('sluice-it-lag');
    const groupId = uniqueTopic('sluice-it-lag-group');
    await createTopic(topic, 2);
    const events = new EventStream(17, { tenants: [ZONE], tenantHeader: 'zone' });
    assert.equal(await produce(topic, events.take(PRELOADED).messages), PRELOADED);
    const admin = kafkaClient('sluice-it-lag-admin').admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: String(COMMITTED_BEFORE) }] });
    } finally {
      await admin.disconnect();
    }

    const blocker = join(dir, 'out');
    writeFileSync(blocker, 'not a directory: deliveries under it fail with ENOTDIR\n');
    const config = parseConfig({
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1, in_flight_bytes: 1024 * 1024 },
      sources: [{
        type: 'kafka', brokers, group_id: groupId, commit_interval_ms: 200, session_timeout_ms: 6000,
        topics: [{ topic, dataset: 'http_requests', tenant_from: { header: 'zone' } }],
      }],
      jobs: [{
        id: 1, zone_id: ZONE, dataset: 'http_requests', destination_conf: pathToFileURL(join(blocker, 'job')).href, compression: 'none',
        max_upload_records: 200, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID'] },
      }],
    }, 'consumer lag test', {});
    // End offsets every 200 ms instead of 10 s, so the test waits for events, not for the clock.
    const source = new KafkaSource(config.sources[0] as KafkaSourceConfig, { log: createLogger('silent'), lagRefreshMs: 200 });
    const metrics = new SluiceMetrics({ defaultMetrics: false });
    metrics.watchConsumerLag(source, [topic]);
    const lag = async () => valueOf(parseSamples(await metrics.text()), 'sluice_kafka_consumer_lag_records', { topic });

    let pipeline: Pipeline | undefined;
    const running = runService({
      config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false,
      backoff: { baseMs: 50, capMs: 400 }, shutdownTimeoutMs: 3000, onStarted: (p) => (pipeline = p),
    });
    running.catch(() => {});
    stopService = async () => {
      source.stop();
      await running.catch(() => {});
    };

    // Blocked: the budget fills and the source pauses, far from the end of the topic.
    await waitUntil(() => pipeline !== undefined && source.stats.pauses > 0 && pipeline.runtimes[0]!.health.error_message !== null, 'intake to pause on a full budget');
    const p = pipeline!;
    assert.equal(await produce(topic, events.take(WHILE_PAUSED).messages), WHILE_PAUSED);

    const offsets = await groupOffsets(groupId, topic);
    const committed0 = offsets.find((o) => o.partition === 0)!.committed;
    assert.equal(committed0, COMMITTED_BEFORE, 'nothing delivered, nothing committed past the preset offset');
    assert.equal(offsets.find((o) => o.partition === 1)!.committed, -1);
    const expected = uncommittedRecords(offsets);
    assert.equal(expected, PRELOADED + WHILE_PAUSED - COMMITTED_BEFORE);
    let seen = -1;
    await waitUntil(async () => (seen = await lag()) === expected, `the lag metric to read ${expected}`, { detail: () => `last read ${seen}` });
    t.diagnostic(`paused: ${p.stats.recordsIn} records taken (${p.stats.recordsDelivered} delivered); lag ${seen} = end offsets ${offsets.map((o) => o.end).join('+')} − committed ${COMMITTED_BEFORE}`);
    assert.equal(p.stats.recordsDelivered, 0);
    assert.ok(p.stats.recordsIn > 0 && p.stats.recordsIn < PRELOADED - COMMITTED_BEFORE, `intake stopped early (${p.stats.recordsIn} records in)`);
    // Taken records are not done: they stay in the lag until delivered.
    assert.ok(seen > PRELOADED + WHILE_PAUSED - COMMITTED_BEFORE - p.stats.recordsIn);
    // Still exact after more refreshes (intake stays paused, nothing moves).
    await source.refreshConsumerLag();
    assert.equal(await lag(), expected);

    // Unblocked: everything is delivered and committed, and the lag falls to 0.
    rmSync(blocker);
    await waitUntil(async () => allCommitted(await groupOffsets(groupId, topic)), 'every record to be delivered and committed', {
      timeoutMs: 120_000, detail: () => `delivered ${p.stats.recordsDelivered}`,
    });
    await waitUntil(async () => (seen = await lag()) === 0, 'the lag metric to read 0', { detail: () => `last read ${seen}` });
    source.stop();
    const outcome = await running;
    assert.equal(outcome.undelivered, 0);
    assert.equal(p.stats.recordsDelivered, PRELOADED + WHILE_PAUSED - COMMITTED_BEFORE);
  });
});
