// Poison records on the real broker: a record that is not JSON, one larger than
// limits.max_record_bytes and one whose field has the wrong type for the job's filter are each
// counted, copied to the dead-letter topic with what was wrong in headers, and acknowledged;
// good records around them are delivered and the group commits to the end of the topic.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { KafkaSourceConfig } from '../../src/config/schema.ts';
import { runService } from '../../src/service.ts';
import { DEAD_LETTER_HEADERS } from '../../src/sources/kafka/dead-letter.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import { outputLines } from '../e2e/output-reader.ts';
import { createTopic, ensureKafka, produce, uniqueTopic } from '../helpers/kafka.ts';
import { readDeadLetters } from './support/dead-letters.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const dir = mkdtempSync(join(tmpdir(), 'sluice-dlq-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('copies poison records to the dead-letter topic with the error in headers, then acknowledges them', { timeout: 180_000 }, async () => {
  const { brokers } = await ensureKafka();
  const topic = uniqueTopic('sluice-it-poison');
  const deadLetterTopic = uniqueTopic('sluice-it-dead');
  await createTopic(topic, 1);
  await createTopic(deadLetterTopic, 1);
  const good = (i: number) => JSON.stringify({ RayID: `good${String(i).padStart(12, '0')}`, EdgeResponseStatus: 200 });
  const values = [
    good(0),
    'this is not json',
    good(1),
    JSON.stringify({ RayID: 'big0000000000000', EdgeResponseStatus: 200, Pad: 'x'.repeat(5000) }),
    good(2),
    JSON.stringify({ RayID: 'wrongtype0000000', EdgeResponseStatus: 'two hundred' }),
    good(3),
  ];
  await produce(topic, values.map((value) => ({ key: ZONE, value })));

  const config = parseConfig({
    data_dir: join(dir, 'state'),
    limits: { min_upload_interval_seconds: 0.5, min_upload_records: 1, min_upload_bytes: 1, max_record_bytes: 4096 },
    pipeline: { workers: 1 },
    sources: [{ type: 'kafka', brokers, group_id: uniqueTopic('sluice-it-poison-group'), commit_interval_ms: 200, dead_letter_topic: deadLetterTopic, topics: [{ topic, dataset: 'http_requests', tenant_from: { key: true } }] }],
    jobs: [{
      id: 5, zone_id: ZONE, dataset: 'http_requests', destination_conf: `${pathToFileURL(join(dir, 'out')).href}/{DATE}`, compression: 'none',
      max_upload_records: 1000, max_upload_interval_seconds: 1,
      filter: { where: { key: 'EdgeResponseStatus', operator: 'geq', value: 100 } },
      output_options: { field_names: ['RayID'] },
    }],
  }, 'dead-letter test', {});
  const source = new KafkaSource(config.sources[0] as KafkaSourceConfig, { log: createLogger('silent') });
  let committed = 0;
  const original = source.committable.bind(source);
  source.committable = (partition, offset) => {
    committed = Math.max(committed, offset);
    original(partition, offset);
  };
  const running = runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false });
  const deadline = Date.now() + 90_000;
  while (committed < values.length) {
    if (Date.now() > deadline) assert.fail(`only ${committed} of ${values.length} records were acknowledged`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  source.stop();
  const outcome = await running;

  const delivered = outputLines(join(dir, 'out')).lines.map((l) => (JSON.parse(l) as { RayID: string }).RayID).sort();
  assert.deepEqual(delivered, [0, 1, 2, 3].map((i) => `good${String(i).padStart(12, '0')}`));
  const d = outcome.pipeline.stats.recordsDropped;
  assert.deepEqual([d.invalid_json, d.oversized, d.wrong_type], [1, 1, 1]);

  const dead = await readDeadLetters(deadLetterTopic, 3);
  const byReason = new Map(dead.map((m) => [m.headers[DEAD_LETTER_HEADERS.reason], m]));
  assert.equal(dead.length, 3);
  assert.equal(byReason.get('invalid_json')?.value.toString(), values[1]);
  assert.equal(byReason.get('invalid_json')?.headers[DEAD_LETTER_HEADERS.offset], '1');
  assert.equal(byReason.get('invalid_json')?.headers[DEAD_LETTER_HEADERS.job], '5');
  assert.equal(byReason.get('oversized')?.value.toString(), values[3]);
  assert.match(byReason.get('oversized')?.headers[DEAD_LETTER_HEADERS.message] ?? '', /max_record_bytes/);
  assert.equal(byReason.get('wrong_type')?.value.toString(), values[5]);
  assert.equal(byReason.get('wrong_type')?.headers[DEAD_LETTER_HEADERS.source], `${topic}/0`);
});
