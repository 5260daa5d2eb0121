// Issue 9, "a stray record in the topic affects no tenant's API": warning 1012 (the store runs
// the last good version of a job) reaches only the tenant whose job it is. Strays written
// straight into a Kafka job store's topic — a garbage claim key, a 16-digit id, a non-JSON
// value and another tenant's job under an unclaimed id, values moving a job to another tenant —
// leave every answer of zones A and B exactly as before; a refused new value of A's job warns
// A, on that job only, never B. With the file store, a refused jobs.json warns the tenants of
// the jobs it holds back and no one else.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { StoreRejection } from '../../src/jobs/store/job-store.ts';
import { KafkaJobStore } from '../../src/jobs/store/kafka-job-store.ts';
import { ensureKafka, produce, topicHighWatermarks, uniqueTopic } from '../helpers/kafka.ts';
import { ACCOUNT, fileJob, startHarness, TOKENS, ZONE_A, zoneJobs, type Harness } from './helpers.ts';

const ZONE_B = 'zone-bbbb';
const tokenOf = { [ZONE_A]: TOKENS.aWrite, [ZONE_B]: TOKENS.bWrite } as const;

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every answer a zone's token gets about its jobs: list, list by dataset, get of each job. */
async function answers(h: Harness, zone: keyof typeof tokenOf): Promise<Array<{ path: string; json: any; text: string }>> {
  const token = tokenOf[zone];
  const paths = [zoneJobs(zone), `/zones/${zone}/logpush/datasets/http_requests/jobs`];
  const listed = await h.call('GET', paths[0]!, { token });
  assert.equal(listed.status, 200, listed.text);
  for (const job of listed.json.result as Array<{ id: number }>) paths.push(`${zoneJobs(zone)}/${job.id}`);
  return Promise.all(paths.map(async (path) => {
    const reply = await h.call('GET', path, { token });
    assert.equal(reply.status, 200, `${path}: ${reply.text}`);
    return { path, json: reply.json, text: reply.text };
  }));
}

describe('API warning 1012 over a Kafka job store: only the owner of a held-back job is told', { timeout: 120_000 }, () => {
  const topic = uniqueTopic('sluice-jobs-api-warnings');
  let store: KafkaJobStore;
  let h: Harness;
  const rejections: StoreRejection[] = [];
  const ids = { a: 0, b: 0 };
  const end = async (): Promise<number> => Number((await topicHighWatermarks(topic)).get(0) ?? 0n);
  /** Waits until the store has reported the refusal of the record at `offset`. */
  const refused = (offset: number) => until(() => rejections.some((r) => r.origin.includes(`offset ${offset} `)), `the refusal of offset ${offset}`);
  const storedJob = (id: number, zone: string, input: Record<string, unknown> = fileJob({ name: `stray-${id}` })) =>
    JSON.stringify({ id, version: 7, tenant: { zone_id: zone }, input, updated_at: '2025-01-01T00:00:00.000Z' });

  before(async () => {
    const { brokers } = await ensureKafka();
    store = new KafkaJobStore({ brokers, topic, replicationFactor: 1 });
    store.onRejected((r) => rejections.push(r));
    await store.start();
    h = await startHarness({ store });
    for (const [zone, key] of [[ZONE_A, 'a'], [ZONE_B, 'b']] as const) {
      const created = await h.call('POST', zoneJobs(zone), { token: tokenOf[zone], body: fileJob({ name: `job-${key}` }) });
      assert.equal(created.status, 200, created.text);
      ids[key] = created.json.result.id;
    }
  });
  after(async () => {
    await h?.close();
    await store?.close();
  });

  it('strays in the topic leave no 1012 and no trace in any answer of zone A or B', async () => {
    const stranger = ids.b + 10; // inside the claim window, never claimed
    await produce(topic, [
      { key: 'sluice.claim.abc', value: randomUUID() },
      { key: '1000000000000000', value: storedJob(1, ZONE_A) },
      { key: String(stranger), value: '{"not json' },
      { key: String(stranger), value: storedJob(stranger, ZONE_B) },
      { key: String(ids.a), value: storedJob(ids.a, ZONE_B) }, // would move A's job to B
      { key: String(ids.b), value: storedJob(ids.b, ZONE_A) }, // would move B's job to A
    ]);
    await refused((await end()) - 1);
    assert.ok(rejections.every((r) => r.reason === 'stray'), 'the operator hears of every stray, as a stray');
    for (const zone of [ZONE_A, ZONE_B] as const) {
      for (const answer of await answers(h, zone)) {
        assert.deepEqual(answer.json.messages, [], `${zone} ${answer.path}`);
        for (const trace of ['1012', 'abc', '1000000000000000', String(stranger), topic, 'stray', 'refused']) {
          assert.ok(!answer.text.includes(trace), `${zone} ${answer.path} mentions ${trace}: ${answer.text}`);
        }
      }
      assert.equal((await h.call('GET', `${zoneJobs(zone)}/${stranger}`, { token: tokenOf[zone] })).status, 404);
    }
    assert.deepEqual((await h.call('GET', zoneJobs(ZONE_A))).json.result.map((j: { id: number }) => j.id), [ids.a]);
  });

  it('a refused new value of A\'s job gives 1012 to A, on that job, and never to B', async () => {
    await produce(topic, [{ key: String(ids.a), value: storedJob(ids.a, ZONE_A, fileJob({ dataset: 'no_such_dataset' })) }]);
    await refused((await end()) - 1);
    for (const answer of await answers(h, ZONE_A)) {
      assert.deepEqual(answer.json.messages.map((m: { code: number }) => m.code), [1012], `${ZONE_A} ${answer.path}`);
      const [message] = answer.json.messages as Array<{ message: string }>;
      assert.match(message!.message, new RegExp(`job ${ids.a} .*last good version`));
      assert.ok(!message!.message.includes(topic) && !message!.message.includes('offset'), 'where the record was is the operator\'s business');
    }
    for (const answer of await answers(h, ZONE_B)) assert.deepEqual(answer.json.messages, [], `${ZONE_B} ${answer.path}`);
    // A's own update replaces the refused value: the warning ends.
    const updated = await h.call('PUT', `${zoneJobs(ZONE_A)}/${ids.a}`, { body: { name: 'fixed' } });
    assert.equal(updated.status, 200, updated.text);
    for (const answer of await answers(h, ZONE_A)) assert.deepEqual(answer.json.messages, [], `${ZONE_A} ${answer.path} after the update`);
  });
});

describe('API warning 1012 over the file job store: the tenants of held-back jobs only', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('a refused jobs.json warns each tenant with a job, on its jobs; a tenant with none hears nothing', async () => {
    const ids: number[] = [];
    for (const zone of [ZONE_A, ZONE_B] as const) {
      const created = await h.call('POST', zoneJobs(zone), { token: tokenOf[zone], body: fileJob() });
      assert.equal(created.status, 200, created.text);
      ids.push(created.json.result.id);
    }
    await writeFile(h.store.path, '{"format": "sluice-jobs/1", not json');
    assert.equal((await h.store.reload())?.reason, 'corrupt');
    for (const [zone, id] of [[ZONE_A, ids[0]], [ZONE_B, ids[1]]] as const) {
      for (const answer of await answers(h, zone)) {
        assert.deepEqual(answer.json.messages.map((m: { message: string }) => m.message.match(/job (\d+)/)?.[1]), [String(id)], `${zone} ${answer.path}`);
      }
    }
    const account = await h.call('GET', `/accounts/${ACCOUNT}/logpush/jobs`, { token: TOKENS.acctWrite });
    assert.equal(account.status, 200, account.text);
    assert.deepEqual(account.json.messages, []);
  });
});
