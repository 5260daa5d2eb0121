// The Kafka source on the real broker (scripts/kafka.sh via test/helpers/kafka.ts), end to end
// through runService in-process: records produced with each compression codec reach a file://
// job exactly once in a clean run, and the group's committed offsets end at the topics' ends.
// Bad connection settings give one clear line through the CLI.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { KafkaSourceConfig } from '../../src/config/schema.ts';
import { createHttpRequestsGenerator, DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runService, type ServiceOutcome } from '../../src/service.ts';
import { registerKafkaCodecs } from '../../src/sources/kafka/codecs.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import type { PartitionHandle } from '../../src/core/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import { outputLines } from '../e2e/output-reader.ts';
import { CompressionTypes, createTopic, ensureKafka, kafkaClient, produce, topicHighWatermarks, uniqueTopic } from '../helpers/kafka.ts';
import { waitUntil } from './support/wait.ts';

const RECORDS_PER_CODEC = 2500;
const PARTITIONS = 2;
const [zoneA, zoneB] = DEFAULT_TENANTS as [string, string];
const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['zstd', CompressionTypes.ZSTD],
  ['lz4', CompressionTypes.LZ4],
] as const;
const DEADLINE_MS = 120_000;

interface Produced {
  codec: string;
  rayId: string;
  tenant: string;
}

/** Records every committable position the pipeline reports, to know when all are delivered. */
class WatchedKafkaSource extends KafkaSource {
  readonly positions = new Map<string, number>();
  override committable(partition: PartitionHandle, offset: number): void {
    this.positions.set(partition.name, Math.max(offset, this.positions.get(partition.name) ?? 0));
    super.committable(partition, offset);
  }
}

describe('Kafka source on a real broker', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-'));
  const out = (name: string) => `${pathToFileURL(join(dir, 'out', name)).href}/{DATE}`;
  const groupId = uniqueTopic('sluice-it-group');
  const topics = new Map<string, string>(); // codec -> topic
  const produced: Produced[] = [];
  let brokers: string[];
  let outcome: ServiceOutcome;
  let source: WatchedKafkaSource;

  before(async () => {
    ({ brokers } = await ensureKafka());
    // Producing with snappy/zstd needs the codecs in kafkajs (the test's producer shares them).
    registerKafkaCodecs();
    const generator = createHttpRequestsGenerator({ seed: 7 });
    for (const [codec, type] of CODECS) {
      const topic = uniqueTopic(`sluice-it-${codec}`);
      topics.set(codec, topic);
      await createTopic(topic, PARTITIONS);
      const messages = [];
      for (let i = 0; i < RECORDS_PER_CODEC; i++) {
        const event = generator.next();
        const rayId = (JSON.parse(event.json) as { RayID: string }).RayID;
        // Every 50th record has no key: no tenant, routed nowhere, still acknowledged.
        const key = i % 50 === 49 ? null : event.tenant;
        produced.push({ codec, rayId, tenant: key ?? '' });
        messages.push({ key, value: event.json });
      }
      assert.equal(await produce(topic, messages, { compression: type }), RECORDS_PER_CODEC);
    }

    const config = parseConfig({
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 0.5, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 2, in_flight_bytes: 4 * 1024 * 1024 },
      sources: [{
        type: 'kafka', brokers, group_id: groupId, commit_interval_ms: 200,
        topics: CODECS.map(([codec]) => ({ topic: topics.get(codec)!, dataset: 'http_requests', tenant_from: { key: true } })),
      }],
      jobs: [
        { id: 1, zone_id: zoneA, dataset: 'http_requests', destination_conf: out('a'), compression: 'gzip', max_upload_records: 1000, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID'] } },
        { id: 2, zone_id: zoneB, dataset: 'http_requests', destination_conf: out('b'), compression: 'none', max_upload_records: 1000, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID'] } },
      ],
    }, 'kafka integration test', {});
    source = new WatchedKafkaSource(config.sources[0] as KafkaSourceConfig, { log: createLogger('silent') });
    const high = new Map<string, number>();
    for (const topic of topics.values()) for (const [p, h] of await topicHighWatermarks(topic)) high.set(`${topic}/${p}`, Number(h));
    const running = runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false });
    running.catch(() => {});
    // Every record of every partition delivered (or unrouted) → stop, as a clean shutdown would.
    await Promise.race([
      waitUntil(() => [...high].every(([name, end]) => (source.positions.get(name) ?? 0) >= end), 'every record to be delivered', { timeoutMs: DEADLINE_MS, intervalMs: 20 }),
      running.then(() => assert.fail('the service ended on its own')),
    ]);
    source.stop();
    outcome = await running;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function assertExactlyOnce(job: string, tenant: string): void {
    const { lines } = outputLines(join(dir, 'out', job));
    const seen = new Map<string, number>();
    for (const line of lines) {
      const rayId = (JSON.parse(line) as { RayID: string }).RayID;
      seen.set(rayId, (seen.get(rayId) ?? 0) + 1);
    }
    for (const [codec] of CODECS) {
      const expected = produced.filter((p) => p.codec === codec && p.tenant === tenant);
      assert.ok(expected.length > 100, `${codec}: enough records of ${tenant} to mean something`);
      const missing = expected.filter((p) => !seen.has(p.rayId)).length;
      const duplicated = expected.filter((p) => (seen.get(p.rayId) ?? 0) > 1).length;
      assert.deepEqual({ codec, missing, duplicated }, { codec, missing: 0, duplicated: 0 });
    }
    const want = new Set(produced.filter((p) => p.tenant === tenant).map((p) => p.rayId));
    assert.equal(lines.length, want.size, `${job}: nothing else in the output`);
  }

  it('delivers every record of each codec (none, gzip, snappy, zstd, lz4) exactly once', () => {
    assert.equal(outcome.undelivered, 0);
    assert.equal(outcome.pipeline.stats.recordsIn, produced.length);
    assertExactlyOnce('a', zoneA);
    assertExactlyOnce('b', zoneB);
  });

  it('counts records without a tenant and acknowledges them as unrouted', () => {
    const keyless = produced.filter((p) => p.tenant === '').length;
    assert.equal(source.stats.recordsWithoutTenant, keyless);
    const routed = produced.filter((p) => p.tenant === zoneA || p.tenant === zoneB).length;
    assert.equal(outcome.pipeline.stats.recordsUnrouted, produced.length - routed);
  });

  it('leaves the group committed at the end of every partition', async () => {
    const admin = kafkaClient('sluice-it-admin').admin();
    await admin.connect();
    try {
      for (const topic of topics.values()) {
        const high = await topicHighWatermarks(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const got = new Map(committed!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
        assert.deepEqual(got, high, `${topic}: committed offsets = end offsets`);
      }
    } finally {
      await admin.disconnect();
    }
  });
});

describe('Kafka connection errors through the CLI', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-cli-'));
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function runCli(source: Record<string, unknown>): Promise<{ code: number | null; stderr: string; stdout: string }> {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({
      data_dir: join(dir, 'state'),
      sources: [source],
      jobs: [{ zone_id: zoneA, dataset: 'http_requests', destination_conf: `${pathToFileURL(join(dir, 'out')).href}/{DATE}`, output_options: { field_names: ['RayID'] } }],
    }));
    const env = { ...process.env };
    delete env.SLUICE_KAFKA_BROKERS;
    return new Promise((resolve) => {
      execFile(process.execPath, [main, 'run', '--config', path], { env, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      });
    });
  }

  /** What a user reads: stderr without the structured (JSON) log lines the service writes there. */
  function userLines(stderr: string): string[] {
    return stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
  }

  it('an unknown topic exits 2 with one line naming the topic and its config path', async () => {
    const { brokers } = await ensureKafka();
    const present = uniqueTopic('sluice-it-present');
    const missing = uniqueTopic('sluice-it-missing');
    await createTopic(present);
    const { code, stderr } = await runCli({
      type: 'kafka', brokers, group_id: 'g', topics: [
        { topic: present, dataset: 'http_requests', tenant_from: { key: true } },
        { topic: missing, dataset: 'http_requests', tenant_from: { key: true } },
      ],
    });
    assert.equal(code, 2, stderr);
    assert.deepEqual(userLines(stderr), [`sluice: ERR_KAFKA_TOPIC: topic "${missing}" does not exist on ${brokers.join(',')}; create it or fix sources[0].topics[1].topic`]);
  });

  it('an unreachable broker exits 1 with one line saying so', async () => {
    const { code, stderr } = await runCli({ type: 'kafka', brokers: ['127.0.0.1:9'], group_id: 'g', topics: [{ topic: 't', dataset: 'http_requests', tenant_from: { key: true } }] });
    const lines = userLines(stderr);
    assert.equal(code, 1, stderr);
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^sluice: ERR_KAFKA_UNREACHABLE: cannot reach Kafka at 127\.0\.0\.1:9 \(.+\); check brokers \/ SLUICE_KAFKA_BROKERS$/);
  });
});
