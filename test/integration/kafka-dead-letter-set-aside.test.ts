// Issue 10 on the real broker: the dead-letter topic is deleted mid-run. Intake goes on: after
// a bounded number of tries the topic is set aside, the poison records that arrive meanwhile
// go to <data_dir>/quarantine/dead-letter/ (one log line says so, a metric counts them) and are
// acknowledged, every good record is delivered and the group commits to the end. Once the
// topic exists again, a probe finds it and poison records go to it again. Every poison record
// is in the topic or in quarantine, and counted once.

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
import { createTopic, deleteTopic, ensureKafka, kafkaClient, produce, uniqueTopic } from '../helpers/kafka.ts';
import { badRecord, deadLetterMetrics, goodRecord, poisonConfig, quarantinedPoison, readDeadLetters, ZONE } from './support/dead-letters.ts';
import { allCommitted, groupOffsets } from './support/kafka-offsets.ts';
import { waitUntil } from './support/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-dlq-aside-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `good` good records with a poison record after every `goodPerBad`, numbered from `first*`. */
function mixed(firstGood: number, good: number, firstBad: number, goodPerBad: number): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < good; i++) {
    out.push({ key: ZONE, value: goodRecord(firstGood + i) });
    if (i % goodPerBad === goodPerBad - 1) out.push({ key: ZONE, value: badRecord(firstBad + Math.floor(i / goodPerBad)) });
  }
  return out;
}

it('sets a dead-letter topic that refuses writes aside: poison goes to quarantine, intake goes on, and writes resume once it is back', { timeout: 240_000 }, async () => {
  const { brokers } = await ensureKafka();
  const topic = uniqueTopic('sluice-it-dlq-aside');
  const deadLetterTopic = uniqueTopic('sluice-it-dlq-aside-dead');
  const groupId = uniqueTopic('sluice-it-dlq-aside-group');
  await createTopic(topic, 1);
  await createTopic(deadLetterTopic, 1);
  const logs: string[] = [];
  const log = createLogger('warn', { write: (line: string) => void logs.push(line) });
  const config = poisonConfig(dir, brokers, topic, deadLetterTopic, groupId);
  const source = new KafkaSource(config.sources[0] as KafkaSourceConfig, { log });
  const metrics = new SluiceMetrics({ defaultMetrics: false });
  const running = runService({
    config, sources: [source], log, print: () => {}, handleSignals: false, telemetry: { metrics, readiness: new Readiness() },
    // Short waits between tries and probes, so the test does not sit through production backoff.
    backoff: { baseMs: 20, capMs: 300 },
  });
  running.catch(() => {});
  const counts = () => deadLetterMetrics(metrics);
  const committedToEnd = async () => allCommitted(await groupOffsets(groupId, topic));
  const detail = () => `${JSON.stringify(source.stats)} ${logs.slice(-3).join('')}`;

  // 1. The topic takes writes.
  let good = 0;
  let bad = 0;
  await produce(topic, mixed(good, 20_000, bad, 20));
  good += 20_000;
  bad += 1_000;
  await waitUntil(async () => (await counts()).written === bad, 'the first poison records in the dead-letter topic', { detail });
  const before = await readDeadLetters(deadLetterTopic, bad);
  assert.deepEqual(new Set(before.map((m) => m.value.toString())), new Set(Array.from({ length: bad }, (_, i) => badRecord(i))));

  // 2. The topic is deleted mid-run: intake goes on, poison goes to quarantine.
  await deleteTopic(deadLetterTopic);
  await waitUntil(async () => {
    const admin = kafkaClient('sluice-it-topics').admin();
    await admin.connect();
    try {
      return !(await admin.listTopics()).includes(deadLetterTopic);
    } finally {
      await admin.disconnect();
    }
  }, 'the dead-letter topic to be gone');
  const badBeforeOutage = bad;
  await produce(topic, mixed(good, 40_000, bad, 20));
  good += 40_000;
  bad += 2_000;
  await waitUntil(committedToEnd, 'the group to commit to the end while the dead-letter topic is gone', { timeoutMs: 120_000, detail });
  const aside = await counts();
  assert.equal(aside.setAside, 1);
  assert.equal(aside.written + aside.truncated + aside.quarantined, bad);
  const quarantined = quarantinedPoison(join(dir, 'state'));
  assert.equal(quarantined.length, aside.quarantined);
  assert.deepEqual(new Set(quarantined.map((q) => q.value)), new Set(Array.from({ length: bad - badBeforeOutage }, (_, i) => badRecord(badBeforeOutage + i))));
  assert.ok(quarantined.every((q) => q.reason === 'invalid_json' && q.job_id === 5 && q.source === `${topic}/0` && q.dead_letter_error !== ''));
  assert.equal(logs.filter((l) => l.includes('dead-letter destination set aside')).length, 1, 'one line says the topic was set aside');

  // 3. The topic is back: a probe finds it, and poison records go to it again.
  await createTopic(deadLetterTopic, 1);
  const badBeforeReturn = bad;
  await waitUntil(async () => {
    await produce(topic, mixed(good, 2_000, bad, 20));
    good += 2_000;
    bad += 100;
    return (await counts()).setAside === 0;
  }, 'dead-letter writes to resume', { timeoutMs: 90_000, intervalMs: 1000, detail });
  await waitUntil(committedToEnd, 'the group to commit to the end', { timeoutMs: 120_000, detail });
  source.stop();
  const outcome = await running;
  assert.equal(outcome.undelivered, 0);

  const final = await counts();
  assert.equal(final.written + final.truncated + final.quarantined, bad, 'every poison record counted once');
  assert.equal(outcome.pipeline.stats.recordsDropped.invalid_json, bad);
  const after = await readDeadLetters(deadLetterTopic, final.written - badBeforeOutage, 30_000);
  assert.ok(after.length > 0 && after.length === final.written - badBeforeOutage, `${after.length} written after the topic came back`);
  // Every poison record is somewhere: before the outage in the old topic, since then in quarantine or the new topic.
  const since = [...quarantinedPoison(join(dir, 'state')).map((q) => q.value), ...after.map((m) => m.value.toString())];
  assert.deepEqual(new Set(since), new Set(Array.from({ length: bad - badBeforeOutage }, (_, i) => badRecord(badBeforeOutage + i))));
  assert.ok(after.every((m) => Number(m.headers[DEAD_LETTER_HEADERS.offset]) >= 0));
  assert.ok(bad > badBeforeReturn);

  assert.equal(outputLines(join(dir, 'out')).lines.length, good, 'every good record delivered');
  assert.ok(await committedToEnd());
});
