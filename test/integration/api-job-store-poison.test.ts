// Issue 9, "the job store cannot be poisoned": stray records written straight into the Kafka
// job-store topic — a job keyed 999999999999999 (valid-looking and garbage), claims far ahead,
// out of range or with garbage nonces, a 16-digit id, another tenant's job under an unclaimed
// id, a value moving a job to another tenant — against two `sluice run` child processes sharing
// the topic, each zone with its own token. Before the fix one such record made every create of
// every tenant fail with 1011 (across restarts), each failure writing 8 more claims.
// Asserted here: creates on both instances succeed with the first ids (the strays moved
// nothing), each writes exactly one claim and one job record; a create that fails (over the
// job limit, invalid) writes nothing; lists and gets show each zone only its own jobs, with no
// `messages` entry (no warning 1012: a stray concerns no tenant's job, and what the store
// refused is the operator's business); the same holds after restarting both instances, and a
// deleted job's id is not handed out again.

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { MAX_JOB_ID } from '../../src/jobs/store/job-store.ts';
import { fileJob, zoneJobs } from '../api/helpers.ts';
import { createTopic, ensureKafka, produce, topicHighWatermarks, uniqueTopic } from '../helpers/kafka.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE_A = 'zone-poison-a';
const ZONE_B = 'zone-poison-b';
const TOKENS: Record<string, string> = { [ZONE_A]: 'sluice-it-poison-token-a-0123456789', [ZONE_B]: 'sluice-it-poison-token-b-0123456789' };
const MAX_JOBS_PER_ZONE = 2;
const WAIT = { timeoutMs: 30_000 };

describe('a poisoned Kafka job store topic does not stop creates (issue 9)', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-store-poison-it-'));
  const storeTopic = uniqueTopic('sluice-jobs-poison-it');
  const outRoot = join(dir, 'out');
  /** API-created file:// jobs must write under an operator's root, in their zone's own folder. */
  const outConf = (zone: string) => pathToFileURL(join(outRoot, zone)).href;
  let brokers: string[];
  const urls = { a: '', b: '' };
  const created: Array<{ id: number; zone: string }> = [];

  /** A stored job value as the store writes it: valid in every way but the claim. */
  const storedJob = (id: number, zone: string) => JSON.stringify({
    id, version: 1, tenant: { zone_id: zone }, input: fileJob({ destination_conf: outConf(zone), name: `stray-${id}` }), updated_at: '2025-01-01T00:00:00.000Z',
  });

  function writeConfig(name: string): string {
    const tokens = join(dir, 'api-tokens.json');
    writeFileSync(tokens, JSON.stringify(Object.entries(TOKENS).map(([zone, token]) => ({
      id: `it-${zone}`,
      hash: createHash('sha256').update(token).digest('hex'),
      scopes: [{ zone_id: zone, access: 'write' }],
    }))));
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, stringify({
      data_dir: join(dir, `data-${name}`),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 20, tenants: ['zone-poison-idle'] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokens, max_jobs_per_zone: MAX_JOBS_PER_ZONE, rate_per_second: 10_000, rate_burst: 10_000 },
      job_store: { type: 'kafka', brokers, topic: storeTopic, replication_factor: 1 },
      destinations: { file_roots: [outRoot] },
    }));
    return path;
  }

  async function start(name: 'a' | 'b'): Promise<void> {
    const p = new SluiceProcess(name, writeConfig(name));
    await waitUntil(() => /admin API on (http:\/\/\S+)/.test(p.stdout) || p.exit !== null, `${name}'s admin API`, { ...WAIT, detail: () => p.tail() });
    const url = /admin API on (http:\/\/\S+)/.exec(p.stdout)?.[1];
    assert.ok(url, `${name} did not start its API:\n${p.tail()}`);
    urls[name] = url;
  }

  async function call(on: 'a' | 'b', zone: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${urls[on]}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKENS[zone]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: await response.json() };
  }

  const end = async (): Promise<number> => Number((await topicHighWatermarks(storeTopic)).get(0) ?? 0n);
  const listIds = async (on: 'a' | 'b', zone: string): Promise<number[]> =>
    ((await call(on, zone, 'GET', zoneJobs(zone))).json.result as Array<{ id: number }>).map((j) => j.id).sort((x, y) => x - y);
  const other = (on: 'a' | 'b'): 'a' | 'b' => (on === 'a' ? 'b' : 'a');

  /** Creates a job through `on` once both instances agree; returns its id and how many records the create wrote. */
  async function create(on: 'a' | 'b', zone: string): Promise<{ status: number; json: any; written: number }> {
    const mark = await end();
    const reply = await call(on, zone, 'POST', zoneJobs(zone), fileJob({ destination_conf: outConf(zone), name: `job-${created.length}` }));
    const written = (await end()) - mark;
    if (reply.status === 200) {
      const id = reply.json.result.id as number;
      created.push({ id, zone });
      // The next create goes through the other instance: let it read this one first, so a
      // create never races (a race costs a claim, which would blur the count).
      await waitUntil(async () => (await listIds(other(on), zone)).includes(id), `job ${id} on ${other(on)}`, WAIT);
    }
    return { ...reply, written };
  }

  async function assertEveryZoneSeesOnlyItsOwn(): Promise<void> {
    for (const on of ['a', 'b'] as const) {
      for (const zone of [ZONE_A, ZONE_B]) {
        const own = created.filter((j) => j.zone === zone).map((j) => j.id).sort((x, y) => x - y);
        assert.deepEqual(await listIds(on, zone), own, `${zone} on ${on}`);
        // Issue 9: a stray changed what every tenant's API answered (warning 1012, for ever).
        for (const path of [zoneJobs(zone), ...own.map((id) => `${zoneJobs(zone)}/${id}`)]) {
          const reply = await call(on, zone, 'GET', path);
          assert.equal(reply.status, 200, JSON.stringify(reply.json));
          assert.deepEqual(reply.json.messages, [], `messages of GET ${path} on ${on}`);
        }
        for (const id of [999_999_999_999_999, 2_000]) {
          assert.equal((await call(on, zone, 'GET', `${zoneJobs(zone)}/${id}`)).status, 404, `stray job ${id} for ${zone} on ${on}`);
        }
      }
    }
  }

  before(async () => {
    ({ brokers } = await ensureKafka());
    await createTopic(storeTopic);
    // Read at the instances' start: before the fix, the first record alone made every create fail.
    await produce(storeTopic, [
      { key: '999999999999999', value: storedJob(999_999_999_999_999, ZONE_A) },
      { key: '999999999999999', value: '{"id": 999999999999999, not json' },
      { key: 'sluice.claim.999999999999999', value: randomUUID() },
      { key: `sluice.claim.${MAX_JOB_ID}.${randomUUID()}`, value: 'garbage nonce' },
      { key: 'sluice.claim.2000', value: randomUUID() }, // far ahead of the highest claim (none)
      { key: 'sluice.claim.abc', value: randomUUID() },
      { key: 'sluice.claim.1', value: 'garbage nonce' },
      { key: '1000000000000000', value: storedJob(1_000_000_000_000_000, ZONE_B) },
      { key: '2', value: storedJob(2, ZONE_B) }, // another tenant's job under an id nobody claimed
      { key: '2000', value: storedJob(2_000, ZONE_A) },
    ]);
    await Promise.all([start('a'), start('b')]);
  });

  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates for two zones on two instances succeed with the first ids, one claim and one job record each', async () => {
    for (const [on, zone] of [['a', ZONE_A], ['b', ZONE_B], ['b', ZONE_A], ['a', ZONE_B]] as const) {
      const reply = await create(on, zone);
      assert.equal(reply.status, 200, `create for ${zone} on ${on}: ${JSON.stringify(reply.json)}`);
      assert.equal(reply.written, 2, `records written by the create of job ${reply.json.result.id}`);
    }
    const ids = created.map((j) => j.id);
    assert.deepEqual([...ids].sort((x, y) => x - y), [1, 2, 3, 4], 'the strays moved no id');
    assert.ok(ids.every((id) => id >= 1 && id <= MAX_JOB_ID));
    await assertEveryZoneSeesOnlyItsOwn();
  });

  it('a create that fails (job limit, invalid job) writes nothing to the topic', async () => {
    const mark = await end();
    for (const on of ['a', 'b'] as const) {
      const limited = await create(on, ZONE_A);
      assert.equal(limited.status, 400, JSON.stringify(limited.json));
      assert.equal(limited.json.errors[0].code, 1009);
      assert.equal(limited.written, 0);
      const invalid = await call(on, ZONE_B, 'POST', zoneJobs(ZONE_B), fileJob({ destination_conf: outConf(ZONE_B), dataset: 'no_such_dataset' }));
      assert.equal(invalid.status, 400, JSON.stringify(invalid.json));
    }
    assert.equal(await end(), mark);
  });

  it('after a restart of both instances and more strays, creates still succeed and a deleted id is never reused', async () => {
    const [first] = created;
    const moved = JSON.parse(storedJob(first!.id, first!.zone === ZONE_A ? ZONE_B : ZONE_A));
    const nonce = randomUUID();
    await produce(storeTopic, [
      { key: String(first!.id), value: JSON.stringify({ ...moved, version: 2 }) }, // moves job 1 to the other zone
      { key: `sluice.claim.${4 + 1_001}.${nonce}`, value: nonce }, // well formed, but past the window
    ]);
    await killAllSluice();
    await Promise.all([start('a'), start('b')]);
    await assertEveryZoneSeesOnlyItsOwn();

    // Delete the highest job (4), then create in its zone on each instance.
    const highest = created.reduce((x, y) => (y.id > x.id ? y : x));
    const deleted = await call('a', highest.zone, 'DELETE', `${zoneJobs(highest.zone)}/${highest.id}`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
    created.splice(created.indexOf(highest), 1);
    await waitUntil(async () => !(await listIds('b', highest.zone)).includes(highest.id), `job ${highest.id} deleted on b`, WAIT);
    const again = await create('b', highest.zone);
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.equal(again.json.result.id, 5, `job ${highest.id} was deleted: its id stays taken`);
    assert.equal(again.written, 2);
    await assertEveryZoneSeesOnlyItsOwn();
  });
});
