// The Kafka job store: its pure record rules (JobLog) record by record, then two real store
// instances on the test broker sharing one compacted topic.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Producer } from 'kafkajs';
import { MAX_JOB_ID, type StoreRejection, type StoredJobRecord } from '../../../src/jobs/store/job-store.ts';
import {
  CLAIM_WINDOW, claimKey, DELETE_MARKER_KEY, decodeJobValue, encodeDeleteMarker, encodeRecord, JobLog, type LogRecord,
} from '../../../src/jobs/store/kafka-job-log.ts';
import { KafkaJobStore, MAX_CLAIM_ATTEMPTS } from '../../../src/jobs/store/kafka-job-store.ts';
import type { Job, JobLimits } from '../../../src/jobs/types.ts';
import { ensureKafka, kafkaClient, produce, topicHighWatermarks, uniqueTopic } from '../../helpers/kafka.ts';

const LIMITS: JobLimits = { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1, default_upload_bytes: 1_000_000 };
const ZONE = 'zone-kafka-store';

function input(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dataset: 'http_requests', destination_conf: `file:///tmp/sluice-kafka-store/${dir}`, max_upload_interval_seconds: 1, ...extra };
}

function record(id: number, version = 1, extra: Record<string, unknown> = {}, zone = ZONE): StoredJobRecord {
  return { id, version, tenant: { zone_id: zone }, input: input(`job-${id}`, extra), updated_at: '2025-01-01T00:00:00.000Z' };
}

class Feed {
  readonly log = new JobLog(LIMITS);
  private offset = 0;
  put(key: string | null, value: Buffer | string | null): ReturnType<JobLog['apply']> {
    const message: LogRecord = { key, value: typeof value === 'string' ? Buffer.from(value) : value, offset: this.offset++ };
    return this.log.apply(message);
  }
  /** A claim as a create writes it; returns the nonce. */
  claim(id: number, nonce: string = randomUUID()): string {
    this.put(claimKey(id, nonce), nonce);
    return nonce;
  }
  /** A job value as a create (first version: claim, then value) or an update writes it. */
  job(r: StoredJobRecord) {
    if (r.version === 1 && !this.log.isClaimed(r.id)) this.claim(r.id);
    return this.put(String(r.id), encodeRecord(r));
  }
  apiDelete(id: number) {
    this.put(DELETE_MARKER_KEY, encodeDeleteMarker(id));
    return this.put(String(id), null);
  }
  ids(): number[] {
    return [...this.log.running.keys()].sort((a, b) => a - b);
  }
}

describe('JobLog (the topic\'s record rules)', () => {
  it('applies values by key (the latest value is the job) and API deletes', () => {
    const feed = new Feed();
    assert.equal(feed.log.pristine, true);
    assert.equal(feed.job(record(1)).changed, true);
    feed.job(record(2));
    feed.job(record(1, 2, { name: 'renamed' }));
    assert.deepEqual(feed.ids(), [1, 2]);
    assert.equal(feed.log.running.get(1)?.job.name, 'renamed');
    assert.equal(feed.log.running.get(1)?.job.version, 2);
    feed.put(DELETE_MARKER_KEY, encodeDeleteMarker(2));
    assert.equal(feed.put('2', null).changed, true);
    assert.deepEqual(feed.ids(), [1]);
    assert.equal(feed.log.pristine, false);
    assert.equal(feed.log.nextId(), 3);
  });

  it('refuses a corrupt or invalid job value and keeps the job\'s last good version', () => {
    const feed = new Feed();
    feed.job(record(1, 1, { name: 'good' }));
    const corrupt = feed.put('1', '{not json');
    assert.equal(corrupt.changed, false);
    assert.equal(corrupt.refusal?.reason, 'corrupt');
    const invalid = feed.job(record(1, 2, { max_upload_interval_seconds: 'soon' }));
    assert.equal(invalid.refusal?.reason, 'invalid');
    assert.match(invalid.refusal?.problems[0]?.path ?? '', /^\$\.input\.max_upload_interval_seconds/);
    const wrongId = feed.put('1', encodeRecord(record(7)));
    assert.equal(wrongId.refusal?.reason, 'corrupt');
    assert.equal(feed.log.running.get(1)?.job.name, 'good');
    assert.notEqual(feed.log.lastRefusal(), null);
    // A good value for the key supersedes the refusals about it.
    feed.job(record(1, 3, { name: 'fixed' }));
    assert.equal(feed.log.lastRefusal(), null);
    assert.equal(feed.log.running.get(1)?.job.name, 'fixed');
  });

  it('refuses tombstones not written through the API: every job keeps running', () => {
    const feed = new Feed();
    feed.job(record(1));
    feed.job(record(2));
    const first = feed.put('1', null);
    assert.equal(first.refusal?.reason, 'invalid');
    const last = feed.put('2', null);
    assert.equal(last.refusal?.reason, 'empty');
    assert.match(last.refusal?.problems[0]?.message ?? '', /not written through the API/);
    assert.deepEqual(feed.ids(), [1, 2], 'the last good set keeps running');
    // A new job runs beside the held ones; a good value for a held job replaces its hold.
    feed.job(record(3));
    feed.job(record(2, 2, { name: 'back' }));
    assert.deepEqual(feed.ids(), [1, 2, 3]);
    assert.equal(feed.log.running.get(2)?.job.name, 'back');
    // An API delete (marker right before the tombstone) removes a held job too.
    feed.put(DELETE_MARKER_KEY, encodeDeleteMarker(1));
    assert.equal(feed.put('1', null).refusal, null);
    assert.deepEqual(feed.ids(), [2, 3]);
    assert.equal(feed.log.lastRefusal(), null, 'every refusal was superseded');
    for (const id of [2, 3]) {
      feed.put(DELETE_MARKER_KEY, encodeDeleteMarker(id));
      feed.put(String(id), null);
    }
    assert.deepEqual(feed.ids(), [], 'deleting the last job through the API empties the set');
  });

  it('a marker for another job, or one not right before the tombstone, does not count', () => {
    const feed = new Feed();
    feed.job(record(1));
    feed.put(DELETE_MARKER_KEY, encodeDeleteMarker(9));
    assert.equal(feed.put('1', null).refusal?.reason, 'empty');
    const other = new Feed();
    other.job(record(1));
    other.put(DELETE_MARKER_KEY, encodeDeleteMarker(1));
    other.claim(5); // something in between
    assert.equal(other.put('1', null).refusal?.reason, 'empty');
    assert.deepEqual(other.ids(), [1]);
  });

  it('the first claim of an id wins; a claim after it (a concurrent create) loses', () => {
    const feed = new Feed();
    const [a, b] = [randomUUID(), randomUUID()];
    feed.claim(1, a);
    feed.claim(1, b);
    assert.equal(feed.log.claimedBy(1, a), true);
    assert.equal(feed.log.claimedBy(1, b), false);
    assert.equal(feed.log.nextId(), 2);
    feed.job(record(2));
    const late = feed.claim(2);
    assert.equal(feed.log.claimedBy(2, late), false);
    assert.equal(feed.log.nextId(), 3);
  });

  // Issue 9: one stray record made every later create fail for every tenant.
  it('refused records never decide the next id: stray, out-of-range and garbage keys, values and claims', () => {
    const feed = new Feed();
    const strays: Array<[string | null, string | null]> = [
      ['999999999999999', JSON.stringify(record(999_999_999_999_999))], // valid-looking, never claimed
      ['999999999999999', '{not json'],
      ['1000000000000000', JSON.stringify(record(1))], // 16 digits
      ['0012', JSON.stringify(record(12))],
      ['sluice.claim.999999999999999', randomUUID()], // the format before issue 9, far ahead
      [`sluice.claim.1000000000000000.${randomUUID()}`, null],
      ['sluice.claim.1000000000000000', randomUUID()],
      ['sluice.claim.abc', randomUUID()],
      ['sluice.claim.-1', randomUUID()],
      ['sluice.claim.1', 'not-a-nonce'],
      [`sluice.claim.1.${randomUUID()}`, randomUUID()], // key and value disagree
      [`sluice.claim.1.${randomUUID()}`, null],
      [`sluice.claim.${CLAIM_WINDOW + 1}`, randomUUID()], // past the window from 0
      ['sluice.claims', 'x'],
      [null, 'x'],
    ];
    for (const [key, value] of strays) {
      const outcome = feed.put(key, value);
      assert.equal(outcome.changed, false, `${key}`);
      assert.equal(outcome.refusal?.reason, 'stray', `${key}: ${JSON.stringify(outcome.refusal)}`);
      assert.equal(outcome.refusal?.jobId, null, `${key} holds back no job`);
    }
    assert.equal(feed.log.lastRefusal(), null, 'no stray stays outstanding');
    assert.equal(feed.log.nextId(), 1, 'the next id is still 1');
    assert.deepEqual(feed.ids(), []);
    assert.equal(feed.log.pristine, true, 'refused strays do not make the topic hold jobs');

    // Creates go on from 1; a claim inside the window counts (it cannot be told from a create's).
    feed.job(record(1));
    assert.deepEqual(feed.ids(), [1]);
    assert.equal(feed.log.nextId(), 2);
    feed.claim(1 + CLAIM_WINDOW);
    assert.equal(feed.log.nextId(), 2 + CLAIM_WINDOW);
    assert.equal(feed.put(claimKey(2 + 2 * CLAIM_WINDOW, randomUUID()), null).refusal?.reason, 'stray');
    const far = randomUUID();
    assert.equal(feed.put(claimKey(2 + 2 * CLAIM_WINDOW, far), far).refusal?.reason, 'stray', 'one past the window');
    assert.equal(feed.log.isClaimed(2 + 2 * CLAIM_WINDOW), false);
    assert.equal(feed.log.nextId(), 2 + CLAIM_WINDOW);
  });

  it('a job value runs only for a claimed id, under its own tenant, and never after an API delete', () => {
    const feed = new Feed();
    feed.job(record(1));
    // A valid value for an id no create claimed: no tenant sees it.
    const unclaimed = feed.put('2', encodeRecord(record(2, 1, {}, 'zone-other')));
    assert.match(unclaimed.refusal?.problems[0]?.message ?? '', /no create claimed job id 2/);
    // A value that moves job 1 to another tenant.
    const moved = feed.put('1', encodeRecord(record(1, 2, { name: 'stolen' }, 'zone-other')));
    assert.equal(moved.refusal?.reason, 'stray', 'not the owner\'s change: it holds back nothing of the owner\'s');
    assert.equal(moved.refusal?.problems[0]?.path, '$.tenant');
    assert.equal(feed.log.refusalOf(1), null);
    assert.deepEqual(feed.log.running.get(1)?.job.tenant, { zone_id: ZONE });
    assert.notEqual(feed.log.running.get(1)?.job.name, 'stolen');
    // After an API delete, the id is dead: a value for it is refused, a claim of it loses.
    feed.apiDelete(1);
    assert.match(feed.job(record(1, 3)).refusal?.problems[0]?.message ?? '', /deleted through the API/);
    const again = feed.claim(1);
    assert.equal(feed.log.claimedBy(1, again), false);
    assert.deepEqual(feed.ids(), []);
  });

  it('ids are never reused: a deleted job\'s claim keeps its id taken, also after compaction', () => {
    const feed = new Feed();
    const records: LogRecord[] = [];
    const put = (key: string, value: Buffer | string | null) => {
      records.push({ key, value: typeof value === 'string' ? Buffer.from(value) : value, offset: records.length });
      return feed.put(key, value);
    };
    for (const id of [1, 2, 3]) {
      const nonce = randomUUID();
      put(claimKey(id, nonce), nonce);
      put(String(id), encodeRecord(record(id)));
    }
    put(DELETE_MARKER_KEY, encodeDeleteMarker(3));
    put('3', null);
    assert.deepEqual(feed.ids(), [1, 2]);
    assert.equal(feed.log.nextId(), 4, 'the deleted highest id is not handed out again');
    // Compaction keeps the latest record per key and eventually drops tombstones.
    const latest = new Map<string, LogRecord>();
    for (const r of records) latest.set(r.key!, r);
    const compacted = [...latest.values()].filter((r) => r.value !== null).sort((x, y) => x.offset - y.offset);
    const fresh = new JobLog(LIMITS);
    for (const r of compacted) fresh.apply(r);
    assert.deepEqual([...fresh.running.keys()].sort(), [1, 2]);
    assert.equal(fresh.nextId(), 4);
  });

  it('a topic from before issue 9: a job value read before its only surviving (losing) claim still runs', () => {
    const feed = new Feed();
    // Compaction kept the loser's claim (same key as the winner's), written after the job value.
    const early = feed.put('1', encodeRecord(record(1))).refusal;
    assert.equal(early?.reason, 'stray');
    assert.equal(early?.awaitsClaim, true, 'reported only if no claim comes by the end of the load');
    const outcome = feed.put('sluice.claim.1', randomUUID());
    assert.equal(outcome.changed, true);
    assert.deepEqual(feed.ids(), [1]);
    assert.equal(feed.log.lastRefusal(), null);
    // Today's claims never do that: a stray value waiting for an id is not what a create claims.
    feed.put('2', encodeRecord(record(2, 1, {}, 'zone-other')));
    feed.claim(2);
    assert.deepEqual(feed.ids(), [1]);
    assert.deepEqual(feed.log.endOfLoad(), [], 'the claim took the waiting value off the list');
  });

  it('values for ids nobody claimed: reported once at the end of the load, and after it not kept at all', () => {
    const feed = new Feed();
    feed.put('5', encodeRecord(record(5)));
    assert.deepEqual(feed.log.endOfLoad().map((r) => r.where), ['offset 0 (key "5")']);
    assert.deepEqual(feed.log.endOfLoad(), [], 'reported once');
    // After the load, a hostile writer's values under unclaimed ids are strays at once and not
    // kept: a later (legacy) claim of the id finds nothing waiting to apply.
    for (let id = 6; id < 1006; id++) {
      const outcome = feed.put(String(id), encodeRecord(record(id)));
      assert.equal(outcome.refusal?.reason, 'stray');
      assert.equal(outcome.refusal?.awaitsClaim, false);
    }
    assert.equal(feed.put('sluice.claim.6', randomUUID()).changed, false);
    assert.deepEqual(feed.ids(), []);
    assert.deepEqual(feed.log.endOfLoad(), []);
  });

  it('records with unknown or missing keys are refused and change nothing', () => {
    const feed = new Feed();
    feed.job(record(1));
    assert.equal(feed.put(null, 'x').refusal?.reason, 'stray');
    assert.equal(feed.put('hello', 'x').refusal?.reason, 'stray');
    assert.equal(feed.put(DELETE_MARKER_KEY, 'nope').refusal?.reason, 'stray');
    assert.deepEqual(feed.ids(), [1]);
    assert.equal(feed.log.lastRefusal(), null);
  });

  // Issue 9: a refused stray record put API warning 1012 on every tenant's answers.
  it('a refusal holds back only the job it concerns; strays hold back none and clear none', () => {
    const feed = new Feed();
    feed.job(record(1, 1, {}, 'zone-a'));
    feed.job(record(2, 1, {}, 'zone-b'));
    feed.claim(3); // a create that has not written its job yet
    for (const [key, value] of [
      ['sluice.claim.abc', randomUUID()], ['1000000000000000', '{}'], ['7', encodeRecord(record(7, 1, {}, 'zone-a'))],
      ['3', '{not json'], ['3', encodeRecord(record(3, 1, { max_upload_interval_seconds: 'soon' }, 'zone-a'))],
      ['2', encodeRecord(record(2, 2, {}, 'zone-a'))], // moves B's job to A
    ] as const) {
      assert.equal(feed.put(key, value).refusal?.jobId, null, `${key} holds back no job`);
    }
    assert.equal(feed.log.lastRefusal(), null);
    assert.deepEqual([1, 2, 3].map((id) => feed.log.refusalOf(id)), [null, null, null]);

    // A refused new value of A's job 1 holds job 1 back, and nothing else.
    const refused = feed.job(record(1, 2, { max_upload_interval_seconds: 'soon' }, 'zone-a')).refusal;
    assert.equal(refused?.reason, 'invalid');
    assert.equal(refused?.jobId, 1);
    assert.equal(feed.log.refusalOf(1), refused);
    assert.equal(feed.log.refusalOf(2), null);
    // A stray for job 1's key neither replaces nor clears that.
    feed.put('1', encodeRecord(record(1, 3, {}, 'zone-b')));
    assert.equal(feed.log.refusalOf(1), refused);
    // A tombstone not written through the API holds back that job, under its own id.
    feed.put('2', null);
    assert.equal(feed.log.refusalOf(2)?.reason, 'invalid');
    assert.equal(feed.log.refusalOf(2)?.jobId, 2);
    // The owner's good value ends job 1's hold.
    feed.job(record(1, 4, { name: 'fixed' }, 'zone-a'));
    assert.equal(feed.log.refusalOf(1), null);
    assert.equal(feed.log.lastRefusal()?.jobId, 2);
  });

  it('decodeJobValue names the problem path', () => {
    const bad = decodeJobValue('3', Buffer.from(JSON.stringify({ ...record(3), extra: 1 })), LIMITS);
    assert.equal(bad.ok, false);
    assert.equal(bad.ok ? '' : bad.problems[0]?.path, '$.extra');
  });
});

describe('KafkaJobStore on a real broker', { timeout: 120_000 }, () => {
  const topic = uniqueTopic('sluice-jobs-test');
  const stores: KafkaJobStore[] = [];
  /** Every stray each store reported (from its first load on). */
  const strays = new Map<KafkaJobStore, StoreRejection[]>();
  const open = async (): Promise<KafkaJobStore> => {
    const store = new KafkaJobStore({ brokers, topic, limits: LIMITS, counts: { max_jobs_per_zone: 50 }, replicationFactor: 1, loadTimeoutMs: 30_000 });
    stores.push(store);
    strays.set(store, []);
    store.onRejected((r) => {
      if (r.reason === 'stray') strays.get(store)!.push(r);
    });
    await store.start();
    return store;
  };
  let brokers: string[];
  let a: KafkaJobStore;
  let b: KafkaJobStore;

  before(async () => {
    ({ brokers } = await ensureKafka());
    a = await open();
    b = await open();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('creates the topic compacted, with one partition', async () => {
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(meta.topics[0]?.partitions.length, 1);
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }] });
      assert.equal(configs.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue, 'compact');
    } finally {
      await admin.disconnect();
    }
    assert.equal(a.pristine, true);
  });

  it('reads its own writes and shows them on the other instance', async () => {
    const seenOnB: Array<readonly Job[]> = [];
    const unsubscribe = b.subscribe((jobs) => seenOnB.push(jobs));
    const job = await a.create({ zone_id: ZONE }, input('one', { name: 'one' }));
    assert.equal((await a.get(job.id))?.name, 'one', 'visible on the writer as soon as create resolves');
    await until(async () => (await b.get(job.id))?.name === 'one', 'the job on instance B');
    assert.ok(seenOnB.some((jobs) => jobs.some((j) => j.id === job.id)), 'B\'s subscribers were told');
    const updated = await b.update(job.id, { zone_id: ZONE }, { name: 'two' });
    assert.equal(updated.version, 2);
    await until(async () => (await a.get(job.id))?.name === 'two', 'the update on instance A');
    unsubscribe();
  });

  it('concurrent creates on two instances get different ids and all survive', async () => {
    const created = await Promise.all([
      a.create({ zone_id: ZONE }, input('c1')), b.create({ zone_id: ZONE }, input('c2')),
      a.create({ zone_id: ZONE }, input('c3')), b.create({ zone_id: ZONE }, input('c4')),
    ]);
    const ids = created.map((j) => j.id);
    assert.equal(new Set(ids).size, 4, `ids ${ids.join(',')}`);
    await until(async () => {
      const [onA, onB] = [await a.list(), await b.list()];
      return ids.every((id) => onA.some((j) => j.id === id) && onB.some((j) => j.id === id));
    }, 'every created job on both instances');
    for (const job of created) assert.equal((await a.get(job.id))?.destination_conf, job.destination_conf);
  });

  it('a third instance started later loads the same set; poisoned records are refused', async () => {
    const rejections: string[] = [];
    a.onRejected((r) => rejections.push(r.reason));
    const victim = (await a.list())[0]!;
    await produce(topic, [{ key: String(victim.id), value: '{"broken' }, { key: String(victim.id), value: JSON.stringify({ ...record(victim.id, 9), input: { dataset: 'nope' } }) }]);
    await until(() => rejections.includes('corrupt') && rejections.includes('invalid'), 'both refusals on A');
    assert.equal((await a.get(victim.id))?.destination_conf, victim.destination_conf, 'the last good version keeps running');
    assert.match(a.lastRejection()?.origin ?? '', new RegExp(`topic ${topic} offset \\d+`));
    const c = await open();
    assert.equal(c.pristine, false);
    assert.deepEqual((await c.list()).map((j) => j.id), (await a.list()).map((j) => j.id));
    assert.equal(c.lastRejection()?.reason, 'invalid');
  });

  it('tombstones without the API are refused; deleting every job through the API empties the set', async () => {
    const before = (await b.list()).map((j) => j.id);
    assert.ok(before.length >= 2);
    await produce(topic, before.map((id) => ({ key: String(id), value: null })));
    await until(() => b.lastRejection()?.reason === 'empty', 'B refuses the tombstones');
    assert.deepEqual((await b.list()).map((j) => j.id), before, 'every job keeps running on B');
    for (const job of await a.list()) await a.delete(job.id, { zone_id: ZONE });
    assert.deepEqual(await a.list(), []);
    await until(async () => (await b.list()).length === 0, 'B empty');
  });

  const end = async (): Promise<number> => Number((await topicHighWatermarks(topic)).get(0) ?? 0n);

  it('stray records (a far id, garbage claims, 16 digits) do not stop creates on either instance', async () => {
    await produce(topic, [
      { key: '999999999999999', value: JSON.stringify(record(999_999_999_999_999)) },
      { key: 'sluice.claim.999999999999999', value: randomUUID() },
      { key: `sluice.claim.${MAX_JOB_ID}.${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, value: `${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}` },
      { key: 'sluice.claim.abc', value: 'garbage' },
      { key: '1000000000000000', value: '{}' },
    ]);
    const mark = await end();
    await until(() => [a, b].every((s) => strays.get(s)!.some((r) => r.origin.includes(`offset ${mark - 1} `))), 'both instances read the strays');
    for (const s of [a, b]) assert.ok(strays.get(s)!.every((r) => r.job_ids.length === 0));
    const first = await a.create({ zone_id: ZONE }, input('after-a'));
    await until(async () => (await b.get(first.id)) !== undefined, 'B sees A\'s create');
    const second = await b.create({ zone_id: ZONE }, input('after-b'));
    // Every earlier test made fewer than 20 jobs: the strays moved nothing.
    assert.ok(first.id < 20 && second.id === first.id + 1, `ids ${first.id}, ${second.id}`);
    assert.equal(await end(), mark + 4, 'one claim and one job record per create');
    const created = [first, second];
    for (const job of created) await a.delete(job.id, { zone_id: ZONE });
  });

  // Issue 9: a refused stray record put API warning 1012 on every tenant's answers, for ever.
  it('strays hold back no tenant\'s job, also on an instance started after them; a refused value of A\'s job holds back only that job', async () => {
    const [zoneA, zoneB] = [{ zone_id: 'zone-stray-a' }, { zone_id: 'zone-stray-b' }];
    const jobA = await a.create(zoneA, input('stray-a'));
    const jobB = await a.create(zoneB, input('stray-b'));
    const stranger = 900 + jobB.id; // inside the claim window, never claimed
    await produce(topic, [
      { key: 'sluice.claim.abc', value: randomUUID() },
      { key: '1000000000000000', value: JSON.stringify(record(1, 1, {}, zoneA.zone_id)) },
      { key: String(stranger), value: '{"not json' },
      { key: String(stranger), value: JSON.stringify(record(stranger, 1, {}, zoneB.zone_id)) },
      { key: String(jobA.id), value: JSON.stringify(record(jobA.id, 5, {}, zoneB.zone_id)) }, // moves A's job to B
      { key: String(jobB.id), value: JSON.stringify(record(jobB.id, 5, {}, zoneA.zone_id)) }, // moves B's job to A
    ]);
    const mark = await end();
    const late = await open();
    await until(() => [a, b].every((s) => strays.get(s)!.some((r) => r.origin.includes(`offset ${mark - 1} `))), 'both instances read the strays');
    for (const s of [a, b, late]) {
      assert.ok(strays.get(s)!.filter((r) => r.origin.includes(`offset ${mark - 1} `)).length === 1, 'each stray reported once');
      assert.equal(s.lastRejection(), null, 'a stray holds back no job');
      assert.deepEqual([await s.get(jobA.id), await s.get(jobB.id)].map((j) => j?.tenant), [zoneA, zoneB]);
      assert.deepEqual([s.rejectionOf(jobA.id), s.rejectionOf(jobB.id), s.rejectionOf(stranger)], [null, null, null]);
      assert.equal(await s.get(stranger), undefined);
    }
    // A refused new value of A's job: A's job runs its last good version, B's job is not concerned.
    await produce(topic, [{ key: String(jobA.id), value: JSON.stringify({ ...record(jobA.id, 6, {}, zoneA.zone_id), input: { dataset: 'nope' } }) }]);
    await until(() => a.rejectionOf(jobA.id) !== null && late.rejectionOf(jobA.id) !== null, 'A\'s job held back');
    for (const s of [a, late]) {
      assert.deepEqual(s.rejectionOf(jobA.id)?.job_ids, [jobA.id]);
      assert.equal(s.rejectionOf(jobA.id)?.reason, 'invalid');
      assert.equal(s.rejectionOf(jobB.id), null);
      assert.equal((await s.get(jobA.id))?.destination_conf, jobA.destination_conf);
    }
    // The owner's update ends the hold.
    await a.update(jobA.id, zoneA, { name: 'fixed' });
    await until(() => late.rejectionOf(jobA.id) === null, 'the update read on the late instance');
    assert.equal(a.rejectionOf(jobA.id), null);
    for (const job of [jobA, jobB]) await a.delete(job.id, job.tenant);
  });

  // Issue 9: a failing create wrote 8 claims per API call, every call, for ever.
  it('a create that loses every claim writes MAX_CLAIM_ATTEMPTS claims, no job, and fails', async () => {
    const store = await open();
    const producer = (store as unknown as { producer: Producer }).producer;
    const send = producer.send.bind(producer);
    let ours = 0;
    producer.send = async (request) => {
      const key = String(request.messages[0]?.key ?? '');
      if (key.startsWith('sluice.claim.')) {
        ours++;
        // Another create's claim of the same id lands just before this one.
        const nonce = randomUUID();
        await send({ topic: request.topic, acks: -1, messages: [{ key: claimKey(Number(key.split('.')[2]), nonce), value: nonce }] });
      }
      return send(request);
    };
    const before = await end();
    await assert.rejects(store.create({ zone_id: ZONE }, input('loser')), (e: Error & { code?: string }) =>
      e.code === 'ERR_JOB_STORE_WRITE' && /could not claim a job id after 8 attempts/.test(e.message));
    assert.equal(ours, MAX_CLAIM_ATTEMPTS);
    assert.equal(await end(), before + 2 * MAX_CLAIM_ATTEMPTS, 'its claims and the competing ones, no job record');
    assert.deepEqual((await store.list()).filter((j) => j.name === 'loser'), []);
  });

  it('a create whose own claim the store refuses stops after that one claim', async () => {
    const store = await open();
    const producer = (store as unknown as { producer: Producer }).producer;
    const send = producer.send.bind(producer);
    producer.send = async (request) => send({ ...request, messages: request.messages.map((m) => ({ ...m, value: 'not-a-nonce' })) });
    const before = await end();
    await assert.rejects(store.create({ zone_id: ZONE }, input('refused')), (e: Error & { code?: string }) =>
      e.code === 'ERR_JOB_STORE_WRITE' && /refused this instance's claim/.test(e.message));
    assert.equal(await end(), before + 1);
  });
});
