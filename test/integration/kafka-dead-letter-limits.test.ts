// Issue 10 on the real broker: a dead-letter topic with Kafka's default 1 MB max.message.bytes
// takes a burst of 100,000 small poison records and a 10 MB one. Before the fix, one send per
// batch of poison was refused as too large forever, no offset was committed again and a
// SIGTERM left every record undelivered. Now every good record is delivered, every poison
// record is in the dead-letter topic (split into sends that fit; the 10 MB one as a truncated
// copy with its original size in a header), none had to be quarantined, the metrics count
// each, and the group commits to the end of the topic.
//
// 500,000 good records as the issue asks; the records are small (~50 bytes), so the run stays
// well under a minute on the 2-core test machine.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { KafkaSourceConfig } from '../../src/config/schema.ts';
import { runService } from '../../src/service.ts';
import { DEAD_LETTER_HEADERS } from '../../src/sources/kafka/dead-letter.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { Readiness } from '../../src/telemetry/readiness.ts';
import { outputLines } from '../e2e/output-reader.ts';
import { createTopic, ensureKafka, produce, uniqueTopic } from '../helpers/kafka.ts';
import { badRecord, deadLetterMetrics, goodRecord, poisonConfig, quarantinedPoison, readDeadLetters, ZONE } from './support/dead-letters.ts';
import { allCommitted, groupOffsets } from './support/kafka-offsets.ts';
import { waitUntil } from './support/wait.ts';

const GOOD = 500_000;
const BAD = 100_000;
const HUGE_BYTES = 10 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'sluice-dlq-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('splits dead-letter writes to the topic\'s max.message.bytes and truncates a record no message can hold', { timeout: 300_000 }, async () => {
  const { brokers } = await ensureKafka();
  const topic = uniqueTopic('sluice-it-dlq-limits');
  const deadLetterTopic = uniqueTopic('sluice-it-dlq-limits-dead');
  const groupId = uniqueTopic('sluice-it-dlq-limits-group');
  // The source topic must hold the 10 MB record; the dead-letter topic keeps Kafka's 1 MB default.
  await createTopic(topic, 1, { 'max.message.bytes': String(16 * 1024 * 1024) });
  await createTopic(deadLetterTopic, 1);

  const huge = Buffer.alloc(HUGE_BYTES, 0x78);
  huge.write('{"RayID":"huge0000000000","Pad":"', 0);
  const messages: Array<{ key: string; value: string | Buffer }> = [];
  const hugeAt = Math.floor(GOOD / 2);
  for (let i = 0, bad = 0; i < GOOD; i++) {
    messages.push({ key: ZONE, value: goodRecord(i) });
    if (i % (GOOD / BAD) === 0) messages.push({ key: ZONE, value: badRecord(bad++) });
    if (i === hugeAt) messages.push({ key: ZONE, value: huge });
  }
  assert.equal(await produce(topic, messages), GOOD + BAD + 1);

  const config = poisonConfig(dir, brokers, topic, deadLetterTopic, groupId);
  const source = new KafkaSource(config.sources[0] as KafkaSourceConfig, { log: createLogger('silent') });
  const metrics = new SluiceMetrics({ defaultMetrics: false });
  const running = runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false, telemetry: { metrics, readiness: new Readiness() } });
  running.catch(() => {});
  await waitUntil(async () => allCommitted(await groupOffsets(groupId, topic)), 'the group to commit to the end of the topic', {
    timeoutMs: 180_000,
    intervalMs: 500,
    detail: () => JSON.stringify(source.stats),
  });
  source.stop();
  const outcome = await running;
  assert.equal(outcome.undelivered, 0);

  const delivered = outputLines(join(dir, 'out')).lines;
  assert.equal(delivered.length, GOOD);
  assert.equal(new Set(delivered).size, GOOD, 'every good record once');
  const d = outcome.pipeline.stats.recordsDropped;
  assert.deepEqual([d.invalid_json, d.oversized, d.quarantined], [BAD, 1, 0]);
  assert.deepEqual(await deadLetterMetrics(metrics), { written: BAD, truncated: 1, quarantined: 0, setAside: 0 });
  assert.deepEqual(quarantinedPoison(join(dir, 'state')), []);

  const dead = await readDeadLetters(deadLetterTopic, BAD + 1);
  assert.equal(dead.length, BAD + 1);
  const invalid = dead.filter((m) => m.headers[DEAD_LETTER_HEADERS.reason] === 'invalid_json').map((m) => m.value.toString());
  assert.deepEqual(new Set(invalid), new Set(Array.from({ length: BAD }, (_, i) => badRecord(i))));
  const [cut, ...others] = dead.filter((m) => m.headers[DEAD_LETTER_HEADERS.reason] === 'oversized');
  assert.equal(others.length, 0);
  assert.equal(cut!.headers[DEAD_LETTER_HEADERS.truncated], String(HUGE_BYTES));
  assert.ok(cut!.value.length > 900_000 && cut!.value.length < 1_048_576, `truncated copy of ${cut!.value.length} bytes`);
  assert.ok(huge.subarray(0, cut!.value.length).equals(cut!.value), 'the truncated copy is the head of the record');
  assert.equal(cut!.headers[DEAD_LETTER_HEADERS.source], `${topic}/0`);
});
