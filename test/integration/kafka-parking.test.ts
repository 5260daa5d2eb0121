// Parking on the real broker (docs/architecture.md "Parking and catch-up", issue 10): two jobs read
// one 2-partition topic; job 1's HTTP destination answers 503. Job 1 is parked: the group's
// committed offsets reach the end of the topic although job 1 delivered nothing (job 2 is not
// held back), and the commit metadata carries job 1's resume positions. When the destination
// comes back, a catch-up reader delivers every record of job 1 and hands it back; the positions
// leave the metadata. The same with a kill -9 while job 1 is parked: the restarted process reads
// the positions from the commit and catches up. 0 records missing in both. A kill -9 while the
// catch-up reader is partway: the restart resumes from the reader's saved progress, nothing is
// missing and only records delivered after the last saved position come twice. Records that
// retention deleted while job 1 was parked are reported (error_message, metric, log line) with
// the exact count, and the rest is delivered.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { DEAD_LETTER_HEADERS } from '../../src/sources/kafka/dead-letter.ts';
import { decodePositions } from '../../src/sources/kafka/parked-positions.ts';
import { createTopic, ensureKafka, kafkaClient, produce, topicHighWatermarks, uniqueTopic } from '../helpers/kafka.ts';
import { parseSamples, valueOf } from '../telemetry/support.ts';
import { EventStream, type ProducedEvent } from './support/events.ts';
import { allCommitted, groupOffsets } from './support/kafka-offsets.ts';
import { readDeadLetters } from './support/dead-letters.ts';
import { checkDelivery, OutputIndex } from './support/output.ts';
import { killAllSluice, SluiceProcess, writeKafkaConfig } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const PART = 3000;
const PARTITIONS = 2;
const [zoneA, zoneB] = DEFAULT_TENANTS as [string, string];

/** An HTTP receiver that answers 503 while `failing`, else stores every RayID it is sent. */
class Receiver {
  failing = true;
  readonly counts = new Map<string, number>();
  requests = 0;
  readonly server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      this.requests++;
      if (this.failing) {
        res.writeHead(503).end();
        return;
      }
      const body = Buffer.concat(parts);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString();
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const id = (JSON.parse(line) as { RayID: string }).RayID;
        this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
      }
      res.writeHead(200).end();
    });
  });
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/logs`;
  }
}

async function committedMetadata(groupId: string, topic: string): Promise<Array<string | null>> {
  const admin = kafkaClient('sluice-it-parking').admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).map((p) => p.metadata);
  } finally {
    await admin.disconnect();
  }
}

describe('parking a failing job on a real broker', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-parking-'));
  const receivers: Receiver[] = [];
  let brokers: string[] = [];
  before(async () => {
    ({ brokers } = await ensureKafka());
  });
  after(async () => {
    await killAllSluice();
    for (const receiver of receivers) receiver.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scenario(name: string, seed: number, parking: Record<string, unknown> = {}, adjust: (config: any) => void = () => {}) {
    const receiver = new Receiver();
    receivers.push(receiver);
    const url = await receiver.listen();
    const topic = uniqueTopic(`sluice-it-parking-${name}`);
    const groupId = uniqueTopic(`sluice-it-parking-${name}-group`);
    await createTopic(topic, PARTITIONS);
    const outB = join(dir, name, 'b');
    const configPath = writeKafkaConfig(join(dir, `${name}.yaml`), {
      dataDir: join(dir, name, 'state'),
      brokers,
      groupId,
      topic,
      inFlightBytes: 8 * 1024 * 1024,
      maxUploadRecords: 200,
      jobs: [{ id: 1, zone_id: zoneA, dir: join(dir, name, 'unused') }, { id: 2, zone_id: zoneB, dir: outB, compression: 'zstd' }],
    });
    const config = parse(readFileSync(configPath, 'utf8'));
    config.jobs[0].destination_conf = url;
    config.pipeline.parking = { enabled: true, after_failing_seconds: 1, stalled_seconds: 1, hand_back_lag: 100, ...parking };
    config.destinations = { allow_networks: ['127.0.0.0/8'] };
    config.telemetry = { listen: '127.0.0.1:0' };
    adjust(config);
    writeFileSync(configPath, stringify(config));

    const stream = new EventStream(seed);
    const produced: ProducedEvent[] = [];
    const producePart = async () => {
      const part = stream.take(PART);
      assert.equal(await produce(topic, part.messages), PART);
      produced.push(...part.events);
    };
    const idsOf = (zone: string) => produced.filter((e) => e.tenant === zone).map((e) => e.rayId);
    /** Where each event went: messages are spread round-robin, so offsets follow from the high watermarks. */
    const offsets = new Map<string, { partition: number; offset: number }>();
    const produceMapped = async () => {
      const part = stream.take(PART);
      const base = await topicHighWatermarks(topic);
      const next = new Map([...base].map(([p, high]) => [p, Number(high)]));
      const messages = part.messages.map((m, i) => ({ ...m, partition: i % PARTITIONS }));
      assert.equal(await produce(topic, messages), PART);
      part.events.forEach((event, i) => {
        const partition = i % PARTITIONS;
        const offset = next.get(partition)!;
        next.set(partition, offset + 1);
        offsets.set(event.rayId, { partition, offset });
      });
      produced.push(...part.events);
    };
    const outputB = new OutputIndex(outB);
    return { receiver, topic, groupId, configPath, producePart, produceMapped, offsets, idsOf, outputB };
  }

  async function waitParkedAndCommitted(sluice: SluiceProcess, s: Awaited<ReturnType<typeof scenario>>) {
    await waitUntil(() => sluice.logs.some((line) => line.msg === 'job parked' && line['job_id'] === 1) || sluice.exit !== null, 'job 1 parked', { timeoutMs: 60_000, detail: () => sluice.tail() });
    assert.equal(sluice.exit, null, sluice.tail());
    const wantedB = s.idsOf(zoneB);
    await waitUntil(() => wantedB.every((id) => s.outputB.scan().counts.has(id)), 'job 2 delivers everything while job 1 is parked', { timeoutMs: 60_000, detail: () => sluice.tail() });
    // The group moves past job 1's undelivered records: intake and commits are not held by it.
    await waitUntil(async () => allCommitted(await groupOffsets(s.groupId, s.topic)), 'committed offsets at the end of the topic', { timeoutMs: 30_000, detail: () => sluice.tail() });
    // Records are keyed by tenant, so job 1's records may all sit in one partition; a partition
    // committed before the parking needs no position (nothing of job 1 lies below its offset).
    const metadata = await committedMetadata(s.groupId, s.topic);
    assert.ok(metadata.some((m) => m?.startsWith('sluice-parked:1:') === true), `a commit carries job 1's position: ${JSON.stringify(metadata)}`);
  }

  async function waitCaughtUp(sluice: SluiceProcess, s: Awaited<ReturnType<typeof scenario>>) {
    const wantedA = s.idsOf(zoneA);
    await waitUntil(() => wantedA.every((id) => s.receiver.counts.has(id)), 'every record of job 1 at its destination', {
      timeoutMs: 120_000,
      detail: () => `${wantedA.filter((id) => !s.receiver.counts.has(id)).length} of ${wantedA.length} missing\n${sluice.tail()}`,
    });
    await waitUntil(() => sluice.logs.some((line) => line.msg === 'catch-up finished'), 'the catch-up reader finished', { timeoutMs: 30_000, detail: () => sluice.tail() });
    await waitUntil(async () => (await committedMetadata(s.groupId, s.topic)).every((m) => m === null || m === ''), 'the positions leave the commit metadata', { timeoutMs: 30_000 });
    return checkDelivery(s.receiver.counts, wantedA);
  }

  it('parks job 1, commits past it, catches it up with no record missing and none twice', async (t) => {
    const s = await scenario('live', 20261207);
    await s.producePart();
    const sluice = new SluiceProcess('parking', s.configPath);
    await waitParkedAndCommitted(sluice, s);
    await s.producePart(); // more records while parked: job 2 takes them, job 1's wait in Kafka
    await waitUntil(() => s.idsOf(zoneB).every((id) => s.outputB.scan().counts.has(id)), 'job 2 keeps delivering', { timeoutMs: 60_000, detail: () => sluice.tail() });
    // How far the parked job is behind, without a job id label: at least the records produced
    // while it was parked (offsets of both tenants), and 0 once it is caught up.
    const metricsUrl = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(sluice.stdout)?.[1] ?? assert.fail(sluice.tail());
    const behind = async () => {
      const samples = parseSamples(await (await fetch(metricsUrl)).text());
      return { sum: valueOf(samples, 'sluice_kafka_parked_jobs_lag_records', {}), max: valueOf(samples, 'sluice_kafka_parked_job_max_lag_records', {}), parked: valueOf(samples, 'sluice_jobs_parked', {}) };
    };
    let seen = { sum: 0, max: 0, parked: 0 };
    await waitUntil(async () => (seen = await behind()).sum >= PART, 'the records-behind gauge counts the parked job\'s backlog', { timeoutMs: 30_000, detail: () => JSON.stringify(seen) });
    const parkedView = await behind();
    assert.equal(parkedView.max, parkedView.sum, 'one parked job: the max is the sum');
    assert.equal(parkedView.parked, 1);
    s.receiver.failing = false;
    const check = await waitCaughtUp(sluice, s);
    assert.deepEqual(await behind(), { sum: 0, max: 0, parked: 0 });
    t.diagnostic(`job 1: ${check.expected} records, ${check.duplicates} duplicates; ${s.receiver.requests} requests`);
    assert.equal(check.missing.length, 0);
    assert.equal(check.unexpected, 0, 'only job 1\'s tenant at its destination');
    assert.equal(check.duplicates, 0, 'catch-up and the live path each delivered their own records');
    // Job 1 is live again: new records reach it without another catch-up.
    await s.producePart();
    await waitUntil(() => s.idsOf(zoneA).every((id) => s.receiver.counts.has(id)), 'job 1 delivers live again', { timeoutMs: 60_000, detail: () => sluice.tail() });
    sluice.kill('SIGTERM');
    assert.deepEqual(await sluice.exited, { code: 0, signal: null }, sluice.tail());
    assert.ok(allCommitted(await groupOffsets(s.groupId, s.topic)));
    const b = checkDelivery(s.outputB.scan().counts, s.idsOf(zoneB));
    assert.equal(b.missing.length, 0);
  });

  it('bad records of a parked job reach the dead-letter topic through the catch-up reader, none dropped', async () => {
    const deadLetterTopic = uniqueTopic('sluice-it-parking-dlq');
    await createTopic(deadLetterTopic, 1);
    const s = await scenario('poison', 20261209, {}, (config) => {
      config.sources[0].dead_letter_topic = deadLetterTopic;
    });
    await s.producePart();
    const sluice = new SluiceProcess('parking-poison', s.configPath);
    await waitParkedAndCommitted(sluice, s);
    // Job 1's tenant only: while job 1 is parked no live job takes them (unrouted, committed
    // past), so only the catch-up reader sees them and must store them before moving on.
    const BAD = 40;
    const bad = Array.from({ length: BAD }, (_, i) => ({ key: zoneA, value: `{"RayID":"bad-${i}", not json` }));
    assert.equal(await produce(s.topic, bad), BAD);
    await s.producePart();
    await waitUntil(async () => allCommitted(await groupOffsets(s.groupId, s.topic)), 'the live path commits past the bad records', { timeoutMs: 60_000, detail: () => sluice.tail() });
    s.receiver.failing = false;
    const check = await waitCaughtUp(sluice, s);
    assert.equal(check.missing.length, 0);
    const letters = await readDeadLetters(deadLetterTopic, BAD);
    const fromJob1 = letters.filter((letter) => letter.headers[DEAD_LETTER_HEADERS.job] === '1' && letter.headers[DEAD_LETTER_HEADERS.reason] === 'invalid_json');
    assert.deepEqual(fromJob1.map((letter) => letter.value.toString()).sort(), bad.map((message) => message.value).sort(), 'every bad record of job 1, once, in the dead-letter topic');
    sluice.kill('SIGTERM');
    assert.deepEqual(await sluice.exited, { code: 0, signal: null }, sluice.tail());
  });

  it('a kill -9 while job 1 is parked: the restarted process reads its positions from the commit and catches it up, on an idle topic', async () => {
    const s = await scenario('kill9', 20261208);
    await s.producePart();
    const first = new SluiceProcess('parking-kill9#1', s.configPath);
    await waitParkedAndCommitted(first, s);
    first.kill('SIGKILL');
    await first.exited;
    // Nothing new is produced: the restarted live path takes no record, so a partition's live
    // position is its committed offset (read with the metadata), not unknown — were it unknown,
    // the parked job would look caught up at once and its positions would be dropped.
    s.receiver.failing = false;
    const second = new SluiceProcess('parking-kill9#2', s.configPath);
    await waitUntil(() => second.logs.some((line) => /previous owner/.test(String(line.msg))) || second.exit !== null, 'the restarted process finds job 1 parked', { timeoutMs: 60_000, detail: () => second.tail() });
    const check = await waitCaughtUp(second, s);
    assert.equal(check.missing.length, 0, `records of job 1 never delivered, e.g. ${check.missing.slice(0, 5).join(', ')}`);
    const b = checkDelivery(s.outputB.scan().counts, s.idsOf(zoneB));
    await waitUntil(() => s.idsOf(zoneB).every((id) => s.outputB.scan().counts.has(id)), 'job 2 delivers everything', { timeoutMs: 60_000, detail: () => second.tail() });
    assert.ok(b.expected > 0);
    second.kill('SIGTERM');
    assert.deepEqual(await second.exited, { code: 0, signal: null }, second.tail());
  });

  /** Job 1's saved position on each partition, from the group's committed metadata. */
  async function savedPositions(groupId: string, topic: string): Promise<Map<number, number>> {
    const admin = kafkaClient('sluice-it-parking').admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const positions = new Map<number, number>();
      for (const p of offsets?.partitions ?? []) {
        const at = decodePositions(p.metadata).get(1);
        if (at !== undefined) positions.set(p.partition, at);
      }
      return positions;
    } finally {
      await admin.disconnect();
    }
  }

  it('a kill -9 while the catch-up reader is partway: nothing missing, repeats only after the last saved position', async () => {
    // A slow reader (400 records/s over ~9,000 offsets) so the kill lands partway, as a rate
    // limit also makes it in production.
    const s = await scenario('kill9-catch-up', 20261209, { catch_up_records_per_second: 400 });
    await s.produceMapped();
    const first = new SluiceProcess('catch-up-kill9#1', s.configPath);
    await waitParkedAndCommitted(first, s);
    await s.produceMapped();
    await s.produceMapped();
    await waitUntil(() => s.idsOf(zoneB).every((id) => s.outputB.scan().counts.has(id)), 'job 2 delivers everything', { timeoutMs: 60_000, detail: () => first.tail() });
    await waitUntil(async () => allCommitted(await groupOffsets(s.groupId, s.topic)), 'job 2 committed to the end', { timeoutMs: 30_000, detail: () => first.tail() });
    const parkedAt = await savedPositions(s.groupId, s.topic);
    s.receiver.failing = false;
    const wantedA = s.idsOf(zoneA);
    // Partway: the reader has delivered some of job 1's records and saved progress past where
    // job 1 was parked, but not all of them.
    await waitUntil(async () => {
      const saved = await savedPositions(s.groupId, s.topic);
      return [...saved].some(([partition, at]) => at > (parkedAt.get(partition) ?? Infinity));
    }, 'the reader saved some progress', { timeoutMs: 60_000, detail: () => first.tail() });
    first.kill('SIGKILL');
    await first.exited;
    const receivedBefore = new Set(s.receiver.counts.keys());
    assert.ok(wantedA.some((id) => !receivedBefore.has(id)), 'killed partway: some of job 1\'s records were not delivered yet');
    const savedAtKill = await savedPositions(s.groupId, s.topic);

    const second = new SluiceProcess('catch-up-kill9#2', s.configPath);
    // The live consumer opens a partition at its first new record: give it one part.
    await s.produceMapped();
    const check = await waitCaughtUp(second, s);
    assert.equal(check.missing.length, 0, `records of job 1 never delivered, e.g. ${check.missing.slice(0, 5).join(', ')}`);
    // The bound: the restart re-reads job 1 from the positions committed before the kill, so
    // only records the first process delivered at or after them can come twice — its batches in
    // flight and those delivered since the last saved progress reached a commit (at most one
    // coordinator tick plus one commit interval of the reader's rate-limited reading).
    const repeatable = [...receivedBefore].filter((id) => {
      const at = s.offsets.get(id);
      return at !== undefined && at.offset >= (savedAtKill.get(at.partition) ?? 0);
    });
    const repeated = [...s.receiver.counts].filter(([, n]) => n > 1).map(([id]) => id);
    const outside = repeated.filter((id) => !repeatable.includes(id));
    assert.deepEqual(outside, [], 'no record below the saved position comes twice');
    assert.ok(check.duplicates <= repeatable.length, `${check.duplicates} duplicates, bound ${repeatable.length}`);
    assert.ok(repeatable.length < receivedBefore.size, 'the saved progress spared part of what was delivered before the kill');
    await waitUntil(() => s.idsOf(zoneB).every((id) => s.outputB.scan().counts.has(id)), 'job 2 delivers everything', { timeoutMs: 60_000, detail: () => second.tail() });
    const b = checkDelivery(s.outputB.scan().counts, s.idsOf(zoneB));
    assert.equal(b.missing.length, 0);
    // Job 2's records were all committed before the kill: none is read again.
    assert.equal(b.duplicates, 0);
    second.kill('SIGTERM');
    assert.deepEqual(await second.exited, { code: 0, signal: null }, second.tail());
  });

  it('records deleted by retention while job 1 was parked: error_message, metric and log line give the exact count; the rest is delivered', async () => {
    const s = await scenario('retention', 20261210);
    await s.produceMapped();
    const first = new SluiceProcess('retention#1', s.configPath);
    await waitParkedAndCommitted(first, s);
    first.kill('SIGKILL');
    await first.exited;
    // Retention (here: deleteRecords, which moves the log start offset the same way) removes
    // everything produced so far, job 1's undelivered records included.
    const saved = await savedPositions(s.groupId, s.topic);
    const ends = await topicHighWatermarks(s.topic);
    const admin = kafkaClient('sluice-it-parking').admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [s.topic] }); // deleteTopicRecords needs the leaders known
      await admin.deleteTopicRecords({ topic: s.topic, partitions: [...ends].map(([partition, high]) => ({ partition, offset: String(high) })) });
    } finally {
      await admin.disconnect();
    }
    const lostBy = new Map([...saved].map(([partition, at]) => [partition, Number(ends.get(partition)!) - at]));
    const expectedLost = [...lostBy.values()].reduce((sum, n) => sum + n, 0);
    assert.ok(expectedLost > 0, `job 1 had records to lose: ${JSON.stringify([...saved])}`);
    const goneA = new Set(s.idsOf(zoneA));
    await s.produceMapped();
    s.receiver.failing = false;

    const second = new SluiceProcess('retention#2', s.configPath);
    const lossLines = () => second.logs.filter((line) => line['records_lost'] !== undefined && line['job_id'] === 1);
    const lostLogged = () => lossLines().reduce((sum, line) => sum + Number(line['records_lost']), 0);
    await waitUntil(() => lostLogged() >= expectedLost || second.exit !== null, 'the loss logged', { timeoutMs: 60_000, detail: () => second.tail() });
    assert.equal(lostLogged(), expectedLost, 'exactly the deleted offsets above the saved positions');
    for (const line of lossLines()) {
      assert.equal(line.level, 50, 'an error line');
      assert.equal(line['records_lost'], lostBy.get(Number(line['partition'])), `partition ${String(line['partition'])}`);
    }
    const metricsUrl = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(second.stdout)?.[1] ?? assert.fail(second.tail());
    const samples = parseSamples(await (await fetch(metricsUrl)).text());
    assert.equal(valueOf(samples, 'sluice_catch_up_records_lost_total', { topic: s.topic }), expectedLost);

    const wantedA = s.idsOf(zoneA).filter((id) => !goneA.has(id));
    await waitUntil(() => wantedA.every((id) => s.receiver.counts.has(id)), 'job 1\'s records that the topic still holds delivered', { timeoutMs: 120_000, detail: () => second.tail() });
    await waitUntil(() => second.logs.some((line) => line.msg === 'catch-up finished'), 'catch-up finished', { timeoutMs: 30_000, detail: () => second.tail() });
    assert.equal([...goneA].filter((id) => s.receiver.counts.has(id)).length, 0, 'the deleted records were never delivered');
    // No live record reached job 1 since its hand-back, so its error_message still says so: the
    // service prints every job's error_message when it stops.
    second.kill('SIGTERM');
    assert.deepEqual(await second.exited, { code: 0, signal: null }, second.tail());
    const summary = /job 1: last error \S+: (.*)/.exec(second.stdout)?.[1] ?? assert.fail(`no error_message for job 1:\n${second.stdout}`);
    const counted = /^records lost: (\d+) records of topic \S+ partition (\d+) /.exec(summary) ?? assert.fail(summary);
    assert.equal(Number(counted[1]), lostBy.get(Number(counted[2])));
  });
});
