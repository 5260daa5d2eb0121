// The admin API as an operator uses it: two `sluice run` child processes sharing one Kafka job
// store (a compacted topic on the real broker), each with its own generator source for its own
// zone, driven over real HTTP. Covers the full job lifecycle (create → delivers → update →
// delete → delivery stops), a job created on instance A running on instance B without a
// restart, audit events on the audit_logs topic, and store poisoning written straight into the
// topic (tombstones for every job, a non-JSON value, an invalid job): delivery goes on with the
// last good jobs and the refusal is reported (log line and API message 1012).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { TEMP_PREFIX } from '../../src/destinations/file.ts';
import { listFiles } from '../e2e/output-reader.ts';
import { createTopic, ensureKafka, kafkaClient, produce, uniqueTopic } from '../helpers/kafka.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE_A = 'zone-api-a';
const ZONE_B = 'zone-api-b';
const ACCOUNT = 'acct-operator';
const TOKEN = 'sluice-it-token-0123456789abcdef';
const WAIT = { timeoutMs: 30_000 };

function objects(dir: string): string[] {
  return listFiles(dir).filter((path) => !basename(path).startsWith(TEMP_PREFIX));
}

describe('admin API with a shared Kafka job store', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-api-it-'));
  const storeTopic = uniqueTopic('sluice-jobs-it');
  const auditTopic = uniqueTopic('sluice-audit-it');
  let a: SluiceProcess;
  let b: SluiceProcess;
  let urlA = '';
  let urlB = '';

  function writeConfig(name: string, zone: string, brokers: string[]): string {
    const tokens = join(dir, 'api-tokens.json');
    writeFileSync(tokens, JSON.stringify([{
      id: 'it-writer',
      hash: createHash('sha256').update(TOKEN).digest('hex'),
      scopes: [{ zone_id: ZONE_A, access: 'write' }, { zone_id: ZONE_B, access: 'write' }],
    }]));
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, stringify({
      data_dir: join(dir, `data-${name}`),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 200, tenants: [zone] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokens },
      // API-created jobs write file:// output only under the operator's roots.
      destinations: { file_roots: [dir], tenant_folders: false },
      job_store: { type: 'kafka', brokers, topic: storeTopic, replication_factor: 1 },
      audit: { topic: auditTopic, account_id: ACCOUNT },
    }));
    return path;
  }

  async function apiUrl(p: SluiceProcess): Promise<string> {
    await waitUntil(() => /admin API on (http:\/\/\S+)/.test(p.stdout) || p.exit !== null, `${p.name}'s admin API`, { ...WAIT, detail: () => p.tail() });
    const url = /admin API on (http:\/\/\S+)/.exec(p.stdout)?.[1];
    assert.ok(url, `${p.name} did not start its API:\n${p.tail()}`);
    return url;
  }

  async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: await response.json() };
  }

  function jobBody(out: string, name: string): Record<string, unknown> {
    return {
      name,
      enabled: true, // created through the API: disabled unless the body says so
      dataset: 'http_requests',
      destination_conf: pathToFileURL(join(dir, out)).href,
      compression: 'none',
      max_upload_interval_seconds: 0.2,
      output_options: { field_names: ['RayID', 'EdgeStartTimestamp'] },
    };
  }

  /** Waits for `count` more objects in `dir` than there are now. */
  async function moreObjects(out: string, count: number, what: string): Promise<void> {
    const start = objects(join(dir, out)).length;
    await waitUntil(() => objects(join(dir, out)).length >= start + count, what, { ...WAIT, detail: () => `${a.tail(5)}\n${b.tail(5)}` });
  }

  before(async () => {
    const { brokers } = await ensureKafka();
    await createTopic(auditTopic);
    a = new SluiceProcess('A', writeConfig('a', ZONE_A, brokers));
    urlA = await apiUrl(a);
    // B starts once A created the store topic (two creates at once are fine too, but slower).
    b = new SluiceProcess('B', writeConfig('b', ZONE_B, brokers));
    urlB = await apiUrl(b);
  });

  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create → delivers → update → delete → delivery stops', async () => {
    const control = await call(urlA, 'POST', `/zones/${ZONE_A}/logpush/jobs`, jobBody('control', 'control'));
    assert.equal(control.status, 200, JSON.stringify(control.json));
    const created = await call(urlA, 'POST', `/zones/${ZONE_A}/logpush/jobs`, jobBody('life-1', 'life'));
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = created.json.result.id as number;
    const got = await call(urlA, 'GET', `/zones/${ZONE_A}/logpush/jobs/${id}`);
    assert.equal(got.json.result.name, 'life', 'read-your-writes: the job is there right after create');
    await moreObjects('life-1', 2, 'the new job delivering into life-1');
    await waitUntil(async () => (await call(urlA, 'GET', `/zones/${ZONE_A}/logpush/jobs/${id}`)).json.result.last_complete !== null, 'last_complete in the job view', WAIT);

    const updated = await call(urlA, 'PUT', `/zones/${ZONE_A}/logpush/jobs/${id}`, { destination_conf: pathToFileURL(join(dir, 'life-2')).href });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    await moreObjects('life-2', 2, 'the updated job delivering into life-2');

    const deleted = await call(urlA, 'DELETE', `/zones/${ZONE_A}/logpush/jobs/${id}`);
    assert.deepEqual([deleted.status, deleted.json.result], [200, { id }]);
    assert.equal((await call(urlA, 'GET', `/zones/${ZONE_A}/logpush/jobs/${id}`)).status, 404);
    // The batch sealed by the delete lands within one control delivery; after that, two more
    // control deliveries (time passing with the pipeline running) bring nothing for the job.
    await moreObjects('control', 1, 'a control delivery after the delete');
    const settled = objects(join(dir, 'life-2')).length;
    await moreObjects('control', 2, 'two more control deliveries');
    assert.equal(objects(join(dir, 'life-2')).length, settled, 'the deleted job delivered nothing more');

    // Audit events for create, update and delete are on the audit_logs topic, keyed by the account.
    const events = await readAudit(auditTopic, (e) => e.ResourceID === String(id), 3);
    assert.deepEqual(events.map((e) => e.ActionType), ['create', 'update', 'delete']);
    for (const event of events) {
      assert.equal(event.key, ACCOUNT);
      assert.equal(event.ActorID, 'it-writer');
      assert.equal(event.ResourceType, 'logpush_job');
      assert.equal(event.OwnerID, ACCOUNT);
      assert.match(event.When, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    assert.equal(events[1]!.Metadata.before.destination_conf, pathToFileURL(join(dir, 'life-1')).href);
    assert.equal(events[1]!.Metadata.after.destination_conf, pathToFileURL(join(dir, 'life-2')).href);
  });

  it('a job created through instance A runs on instance B without a restart', async () => {
    // Only B generates ZONE_B records, so objects in b-job come from B.
    const created = await call(urlA, 'POST', `/zones/${ZONE_B}/logpush/jobs`, jobBody('b-job', 'for-B'));
    assert.equal(created.status, 200, JSON.stringify(created.json));
    await moreObjects('b-job', 2, 'instance B delivering the job created on A');
    const onB = await call(urlB, 'GET', `/zones/${ZONE_B}/logpush/jobs/${created.json.result.id}`);
    assert.equal(onB.json.result.name, 'for-B');
    assert.notEqual(onB.json.result.last_complete, null, 'B reports its own delivery health');
  });

  it('a poisoned store (tombstones for every job, non-JSON and invalid values) keeps the last good jobs', async () => {
    const jobs = (await call(urlB, 'GET', `/zones/${ZONE_B}/logpush/jobs`)).json.result as Array<{ id: number }>;
    const all = [...jobs, ...(await call(urlA, 'GET', `/zones/${ZONE_A}/logpush/jobs`)).json.result as Array<{ id: number }>];
    const target = jobs[0]!.id;
    await produce(storeTopic, [
      ...all.map((job) => ({ key: String(job.id), value: null })),
      { key: String(target), value: '{"id": 1, not json' },
      { key: String(target), value: JSON.stringify({ id: target, version: 99, tenant: { zone_id: ZONE_B }, input: { dataset: 'no_such_dataset' }, updated_at: 'x' }) },
    ]);
    await waitUntil(() => b.logs.filter((l) => l.msg === 'job store refused a job set; the last good jobs keep running').length >= all.length + 2,
      'B logging every refusal', { ...WAIT, detail: () => b.tail() });
    const reasons = new Set(b.logs.filter((l) => l.msg?.startsWith('job store refused')).map((l) => l['reason']));
    assert.deepEqual([...reasons].sort(), ['corrupt', 'empty', 'invalid']);
    await moreObjects('b-job', 2, 'the job still delivering after the poisoning');
    const listed = await call(urlB, 'GET', `/zones/${ZONE_B}/logpush/jobs`);
    assert.deepEqual(listed.json.result.map((j: { id: number }) => j.id), jobs.map((j) => j.id));
    assert.ok(listed.json.messages.some((m: { code: number }) => m.code === 1012), JSON.stringify(listed.json.messages));
  });
});

interface AuditSeen {
  key: string;
  ActionType: string;
  ActorID: string;
  ResourceID: string;
  ResourceType: string;
  OwnerID: string;
  When: string;
  Metadata: { before: any; after: any };
}

/** Reads the audit topic from the start until `count` events match. */
async function readAudit(topic: string, match: (event: AuditSeen) => boolean, count: number): Promise<AuditSeen[]> {
  const consumer = kafkaClient('sluice-it-audit').consumer({ groupId: uniqueTopic('sluice-it-audit-reader'), maxWaitTimeInMs: 100 });
  const seen: AuditSeen[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = { ...JSON.parse(message.value!.toString('utf8')), key: message.key?.toString('utf8') } as AuditSeen;
        if (match(event)) seen.push(event);
      },
    });
    await waitUntil(() => seen.length >= count, `${count} audit events`, WAIT);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
