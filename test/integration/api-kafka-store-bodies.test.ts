// Bad request bodies against a running `sluice run` child process with the real Kafka job store,
// over real HTTP: every route that takes a body, fed malformed JSON, wrong types, unknown fields
// (with a typo suggestion) and oversized bodies, plus the job-specific rejections (an over-limit
// filter, invalid destinations). Each gets a 4xx with a precise message, and nothing changes:
// the jobs list is byte-identical, no record reaches the store topic or the audit topic, and the
// tokens file is untouched. test/api/body.test.ts asserts the same against the file store.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { fileJob, SECRET, zoneJobs } from '../api/helpers.ts';
import { createTopic, ensureKafka, topicHighWatermarks, uniqueTopic } from '../helpers/kafka.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE = 'zone-bodies-a';
/** The generator's only zone: the job (in ZONE) never receives records, so its health stays null. */
const IDLE_ZONE = 'zone-bodies-idle';
const ACCOUNT = 'acct-bodies';
const TOKEN = 'sluice-it-bodies-token-0123456789';
const OPERATOR = 'sluice-it-bodies-operator-0123456789';
const MAX_BODY_BYTES = 64 * 1024;
const WAIT = { timeoutMs: 30_000 };

interface Reply {
  status: number;
  text: string;
  json: any;
}

describe('admin API request bodies with the Kafka job store', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-api-bodies-it-'));
  const tokensFile = join(dir, 'api-tokens.json');
  const storeTopic = uniqueTopic('sluice-jobs-bodies-it');
  const auditTopic = uniqueTopic('sluice-audit-bodies-it');
  const outConf = pathToFileURL(join(dir, 'out')).href;
  const bodies: string[] = [];
  let sluice: SluiceProcess;
  let url = '';
  let jobId: number;
  let snapshot: string;
  let tokensSnapshot: string;
  let storeEnd: bigint;
  let auditEnd: bigint;

  /** A valid zone job body writing under the temp dir (the service checks file destinations by creating them). */
  const job = (overrides: Record<string, unknown> = {}) => fileJob({ destination_conf: outConf, ...overrides });

  async function call(method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<Reply> {
    const body = options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token ?? TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    bodies.push(text);
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // left null: the assertion on it fails with the status visible
    }
    return { status: response.status, text, json };
  }

  /** The high watermark of a one-partition topic. */
  async function end(topic: string): Promise<bigint> {
    return (await topicHighWatermarks(topic)).get(0) ?? 0n;
  }

  function writeConfig(brokers: string[]): string {
    writeFileSync(tokensFile, JSON.stringify([{
      id: 'it-bodies-writer',
      hash: createHash('sha256').update(TOKEN).digest('hex'),
      scopes: [{ zone_id: ZONE, access: 'write' }],
    }]));
    const path = join(dir, 'sluice.yaml');
    writeFileSync(path, stringify({
      data_dir: join(dir, 'data'),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 20, tenants: [IDLE_ZONE] }],
      // Dozens of requests in a few seconds: the rate limit must not answer any of them.
      api: { listen: '127.0.0.1:0', tokens_file: tokensFile, max_body_bytes: MAX_BODY_BYTES, rate_per_second: 10_000, rate_burst: 10_000 },
      destinations: { file_roots: [dir], tenant_folders: false },
      job_store: { type: 'kafka', brokers, topic: storeTopic, replication_factor: 1 },
      audit: { topic: auditTopic, account_id: ACCOUNT },
    }));
    return path;
  }

  before(async () => {
    const { brokers } = await ensureKafka();
    await createTopic(auditTopic);
    // SluiceProcess hands the child a copy of this environment: the operator token for /tokens.
    process.env['SLUICE_OPERATOR_TOKEN'] = OPERATOR;
    try {
      sluice = new SluiceProcess('bodies', writeConfig(brokers));
    } finally {
      delete process.env['SLUICE_OPERATOR_TOKEN'];
    }
    await waitUntil(() => /admin API on (http:\/\/\S+)/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { ...WAIT, detail: () => sluice.tail() });
    const found = /admin API on (http:\/\/\S+)/.exec(sluice.stdout)?.[1];
    assert.ok(found, `sluice did not start its API:\n${sluice.tail()}`);
    url = found;

    const created = await call('POST', zoneJobs(ZONE), { body: job() });
    assert.equal(created.status, 200, created.text);
    jobId = created.json.result.id;
    // The create's audit event is produced after the answer: wait for it before taking the baseline.
    await waitUntil(async () => (await end(auditTopic)) >= 1n, 'the create\'s audit event', WAIT);
    snapshot = (await call('GET', zoneJobs(ZONE))).text;
    tokensSnapshot = readFileSync(tokensFile, 'utf8');
    storeEnd = await end(storeTopic);
    auditEnd = await end(auditTopic);
    assert.ok(storeEnd >= 1n, 'the create was written to the store topic');
    assert.equal(auditEnd, 1n, 'only the setup create was audited');
  });

  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
    for (const body of bodies) assert.ok(!body.includes(SECRET), 'a response leaked the secret');
  });

  const unchanged = async () => {
    assert.equal((await call('GET', zoneJobs(ZONE))).text, snapshot, 'the stored jobs changed');
    assert.equal(await end(storeTopic), storeEnd, 'a record was written to the store topic');
    assert.equal(await end(auditTopic), auditEnd, 'only the setup create was audited');
    assert.equal(readFileSync(tokensFile, 'utf8'), tokensSnapshot, 'the tokens file changed');
  };

  const routes = () => [
    { method: 'POST', path: zoneJobs(ZONE), token: undefined, wrongType: { dataset: 42 }, unknown: { ...job(), destinaton_conf: 'x' } },
    { method: 'PUT', path: `${zoneJobs(ZONE)}/${jobId}`, token: undefined, wrongType: { enabled: 'yes' }, unknown: { enabeld: false } },
    { method: 'POST', path: `/zones/${ZONE}/logpush/validate/destination`, token: undefined, wrongType: { destination_conf: 7 }, unknown: { destination_conf: outConf, extra: 1 } },
    { method: 'POST', path: `/zones/${ZONE}/logpush/ownership`, token: undefined, wrongType: { destination_conf: ['s3://b'] }, unknown: { destination_conf: 's3://b/x', bucket: 'b' } },
    { method: 'POST', path: `/zones/${ZONE}/logpush/ownership/validate`, token: undefined, wrongType: { destination_conf: 's3://b/x', ownership_challenge: 5 }, unknown: { destination_conf: 's3://b/x', ownership_challenge: 'x', challenge: 'y' } },
    { method: 'POST', path: '/tokens', token: OPERATOR, wrongType: { scopes: 'zone' }, unknown: { scopes: [{ zone_id: 'z', access: 'read' }], admin: true } },
  ];

  it('rejects malformed JSON with its line and column on every body route', async () => {
    for (const route of routes()) {
      const reply = await call(route.method, route.path, { token: route.token, raw: '{"destination_conf": "file:///x",\n  "name": oops}' });
      assert.equal(reply.status, 400, `${route.method} ${route.path}: ${reply.text}`);
      assert.deepEqual(reply.json.errors, [{ code: 1005, message: 'malformed JSON at line 2, column 11 (offset 44): unexpected character at this position' }]);
      const truncated = await call(route.method, route.path, { token: route.token, raw: '{"a": [1, 2' });
      assert.equal(truncated.status, 400);
      assert.deepEqual(truncated.json.errors, [{ code: 1005, message: 'malformed JSON at line 1, column 12 (offset 11): unexpected end of input' }]);
      const empty = await call(route.method, route.path, { token: route.token, raw: '' });
      assert.equal(empty.status, 400);
      assert.deepEqual(empty.json.errors, [{ code: 1005, message: 'the request body is empty; send a JSON object' }]);
    }
    await unchanged();
  });

  it('rejects wrong types and unknown fields with JSON paths on every body route', async () => {
    for (const route of routes()) {
      const wrong = await call(route.method, route.path, { token: route.token, body: route.wrongType });
      assert.equal(wrong.status, 400, `${route.method} ${route.path}: ${wrong.text}`);
      assert.ok(wrong.json.errors.every((e: { code: number }) => e.code === 1004), wrong.text);
      assert.ok(wrong.json.errors.some((e: { message: string }) => /^\$\.\w+: must be/.test(e.message)), wrong.text);
      const unknown = await call(route.method, route.path, { token: route.token, body: route.unknown });
      assert.equal(unknown.status, 400, `${route.method} ${route.path}: ${unknown.text}`);
      assert.ok(unknown.json.errors.some((e: { message: string }) => /^\$\.\w+: unknown (field|key)/.test(e.message)), unknown.text);
      const array = await call(route.method, route.path, { token: route.token, body: [1, 2] });
      assert.equal(array.status, 400, `${route.method} ${route.path}: ${array.text}`);
    }
    const typo = await call('POST', zoneJobs(ZONE), { body: { ...job(), destinaton_conf: 'x' } });
    assert.ok(typo.json.errors.some((e: { message: string }) => e.message === '$.destinaton_conf: unknown field "destinaton_conf"; did you mean "destination_conf"?'), typo.text);
    const putTypo = await call('PUT', `${zoneJobs(ZONE)}/${jobId}`, { body: { enabeld: false } });
    assert.ok(putTypo.json.errors.some((e: { message: string }) => e.message === '$.enabeld: unknown field "enabeld"; did you mean "enabled"?'), putTypo.text);
    const field = await call('POST', zoneJobs(ZONE), { body: job({ output_options: { field_names: ['ClientIp'] } }) });
    assert.deepEqual(field.json.errors, [{ code: 1004, message: '$.output_options.field_names[0]: unknown field "ClientIp" for dataset http_requests; did you mean "ClientIP"?' }]);
    await unchanged();
  });

  it('answers 413 for bodies over the limit on every body route', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
    for (const route of routes()) {
      const reply = await call(route.method, route.path, { token: route.token, raw: big });
      assert.equal(reply.status, 413, `${route.method} ${route.path}: ${reply.text}`);
      assert.deepEqual(reply.json.errors, [{ code: 1006, message: `request body too large: the limit is ${MAX_BODY_BYTES} bytes` }]);
    }
    await unchanged();
  });

  it('rejects an over-limit filter and an invalid destination precisely', async () => {
    const leaves = Array.from({ length: 31 }, (_, i) => ({ key: 'EdgeResponseStatus', operator: 'eq', value: 200 + i }));
    for (const [method, path] of [['POST', zoneJobs(ZONE)], ['PUT', `${zoneJobs(ZONE)}/${jobId}`]] as const) {
      const body = method === 'POST' ? job({ filter: { where: { or: leaves } } }) : { filter: { where: { or: leaves } } };
      const filter = await call(method, path, { body });
      assert.equal(filter.status, 400, `${method} ${path}: ${filter.text}`);
      assert.ok(filter.json.errors.some((e: { code: number; message: string }) =>
        e.code === 1004 && e.message === '$.filter: has 31 operators; at most 30 are allowed'), filter.text);
    }

    const ftp = await call('POST', zoneJobs(ZONE), { body: job({ destination_conf: `ftp://host/x?secret=${SECRET}` }) });
    assert.equal(ftp.status, 400, ftp.text);
    assert.equal(ftp.json.errors.length, 1);
    assert.equal(ftp.json.errors[0].code, 1004);
    assert.match(ftp.json.errors[0].message, /^\$\.destination_conf: unsupported scheme "ftp:"; use one of s3, r2, gs, https/);

    const put = await call('PUT', `${zoneJobs(ZONE)}/${jobId}`, { body: { destination_conf: 'file://relative/x' } });
    assert.equal(put.status, 400, put.text);
    assert.match(put.json.errors[0].message, /^\$\.destination_conf: a file: destination needs an absolute path/);

    const ownership = await call('POST', `/zones/${ZONE}/logpush/ownership`, { body: { destination_conf: 'nope' } });
    assert.equal(ownership.status, 400, ownership.text);
    assert.match(ownership.json.errors[0].message, /^\$\.destination_conf: must be a URL/);

    const dataset = await call('PUT', `${zoneJobs(ZONE)}/${jobId}`, { body: { dataset: 'dns_logs' } });
    assert.equal(dataset.status, 400, dataset.text);
    assert.match(dataset.json.errors[0].message, /^\$\.dataset: cannot be changed/);

    const idInBody = await call('POST', zoneJobs(ZONE), { body: job({ id: 5 }) });
    assert.deepEqual(idInBody.json.errors, [{ code: 1004, message: '$.id: is assigned by sluice when the job is created; remove it' }]);

    const otherZone = await call('POST', zoneJobs(ZONE), { body: job({ zone_id: 'zone-bbbb' }) });
    assert.equal(otherZone.status, 400, otherZone.text);
    assert.match(otherZone.json.errors[0].message, new RegExp(`^\\$\\.zone_id: does not match the zone "${ZONE}"`));
    await unchanged();
  });
});
