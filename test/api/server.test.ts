// The admin API over real HTTP: job lifecycle, envelopes, routing, secrets, audit events.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, fileJob, s3Conf, SECRET, startHarness, TOKENS, ZONE_A, zoneJobs, type Harness } from './helpers.ts';

describe('admin API server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    // Invariant 7: no response and no audit event ever carried the destination secret.
    for (const body of h.bodies) assert.ok(!body.includes(SECRET), `a response leaked the secret: ${body.slice(0, 200)}`);
    assert.ok(!JSON.stringify(h.audits).includes(SECRET), 'an audit event leaked the secret');
    await h.close();
  });

  it('runs a job through create → get → list → update → disable → delete', async () => {
    const created = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ output_options: { field_names: ['ClientIP', 'RayID'], timestamp_format: 'rfc3339' } }) });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.success, true);
    assert.deepEqual(created.json.errors, []);
    const job = created.json.result;
    assert.equal(typeof job.id, 'number');
    assert.equal(job.zone_id, ZONE_A);
    assert.equal(job.output_options.timestamp_format, 'rfc3339');
    assert.equal(job.last_complete, null);
    assert.equal(job.last_error, null);
    assert.equal(job.error_message, null);

    const got = await h.call('GET', `${zoneJobs(ZONE_A)}/${job.id}`, { token: TOKENS.aRead });
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.result, job);

    const listed = await h.call('GET', zoneJobs(ZONE_A), { token: TOKENS.aRead });
    assert.deepEqual(listed.json.result.map((j: { id: number }) => j.id), [job.id]);

    // PUT replaces output_options as a whole: timestamp_format falls back to its default.
    const updated = await h.call('PUT', `${zoneJobs(ZONE_A)}/${job.id}`, { body: { output_options: { field_names: ['RayID'], output_type: 'csv' } } });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(updated.json.result.output_options.field_names, ['RayID']);
    assert.equal(updated.json.result.output_options.output_type, 'csv');
    assert.equal(updated.json.result.output_options.timestamp_format, 'unixnano');
    assert.equal(updated.json.result.name, 'errors', 'fields not sent are kept');

    const disabled = await h.call('PUT', `${zoneJobs(ZONE_A)}/${job.id}`, { body: { enabled: false } });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.json.result.enabled, false);
    assert.equal((await h.store.get(job.id))?.enabled, false);
    assert.equal((await h.store.get(job.id))?.version, 3);

    const deleted = await h.call('DELETE', `${zoneJobs(ZONE_A)}/${job.id}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.json.result, { id: job.id });
    assert.deepEqual((await h.call('GET', zoneJobs(ZONE_A))).json.result, []);
    assert.equal((await h.call('GET', `${zoneJobs(ZONE_A)}/${job.id}`)).status, 404);

    const actions = h.audits.filter((e) => e.job_id === job.id).map((e) => [e.action, e.who, e.before === null, e.after === null]);
    assert.deepEqual(actions, [['create', 'a-write', true, false], ['update', 'a-write', false, false], ['disable', 'a-write', false, false], ['delete', 'a-write', false, true]]);
    assert.deepEqual(h.audits[0]?.tenant, { zone_id: ZONE_A });
  });

  it('needs a valid ownership challenge for s3 jobs and never returns the secret', async () => {
    const without = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ destination_conf: s3Conf() }) });
    assert.equal(without.status, 400);
    assert.equal(without.json.errors[0].code, 1010);
    assert.match(without.json.errors[0].message, /^\$\.ownership_challenge: is required for s3: destinations/);

    const challenge = await h.call('POST', `/zones/${ZONE_A}/logpush/ownership`, { body: { destination_conf: s3Conf() } });
    assert.equal(challenge.status, 200, challenge.text);
    assert.deepEqual(challenge.json.result, { filename: 'logs/ownership-challenge.txt', message: '', valid: true });
    const token = h.challenges.at(-1)!.content;

    const created = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ destination_conf: s3Conf(), ownership_challenge: token }) });
    assert.equal(created.status, 200, created.text);
    assert.match(created.json.result.destination_conf, /secret-access-key=REDACTED/);
    // The stored job keeps the real secret for delivery.
    assert.ok((await h.store.get(created.json.result.id))?.destination_conf.includes(SECRET));

    // PUT of what GET returned (redacted destination) keeps the stored secret.
    const echoed = await h.call('PUT', `${zoneJobs(ZONE_A)}/${created.json.result.id}`, { body: { destination_conf: created.json.result.destination_conf, name: 'renamed' } });
    assert.equal(echoed.status, 200, echoed.text);
    assert.ok((await h.store.get(created.json.result.id))?.destination_conf.includes(SECRET));
    assert.equal((await h.call('DELETE', `${zoneJobs(ZONE_A)}/${created.json.result.id}`)).status, 200);
  });

  it('serves the /client/v4 prefix, 404 and 405 envelopes, and /healthz without a token', async () => {
    const prefixed = await h.call('GET', `/client/v4${zoneJobs(ZONE_A)}`);
    assert.equal(prefixed.status, 200);
    assert.equal(prefixed.json.success, true);

    const missing = await h.call('GET', '/zones/x/logpush/nothing');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { success: false, errors: [{ code: 1003, message: 'no route for GET /zones/x/logpush/nothing' }], messages: [], result: null });

    const wrong = await h.call('PATCH', zoneJobs(ZONE_A));
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, POST');
    assert.equal(wrong.json.errors[0].code, 1008);

    const health = await h.call('GET', '/healthz', { token: null });
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
  });

  it('lists dataset fields as a map and the jobs of one dataset', async () => {
    const fields = await h.call('GET', `/zones/${ZONE_A}/logpush/datasets/http_requests/fields`, { token: TOKENS.aRead });
    assert.equal(fields.status, 200);
    assert.equal(fields.json.result.ClientIP, 'string');
    assert.equal(fields.json.result.EdgeResponseStatus, 'int');
    const defaults = await h.call('GET', `/zones/${ZONE_A}/logpush/datasets/http_requests/fields/default`, { token: TOKENS.aRead });
    assert.equal(defaults.status, 200);
    assert.equal(typeof defaults.json.result, 'object');
    const unknown = await h.call('GET', `/zones/${ZONE_A}/logpush/datasets/nope/fields`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.errors[0].message, /dataset "nope" not found/);
    const wrongScope = await h.call('GET', `/zones/${ZONE_A}/logpush/datasets/audit_logs/fields`);
    assert.equal(wrongScope.status, 404);
    assert.match(wrongScope.json.errors[0].message, /audit_logs is an account dataset/);

    const accountJob = await h.call('POST', `/accounts/${ACCOUNT}/logpush/jobs`, {
      token: TOKENS.acctWrite, body: { dataset: 'audit_logs', destination_conf: 'file:///tmp/sluice-audit/{DATE}', output_options: { field_names: ['ID', 'When'] } },
    });
    assert.equal(accountJob.status, 200, accountJob.text);
    assert.equal(accountJob.json.result.account_id, ACCOUNT);
    const byDataset = await h.call('GET', `/accounts/${ACCOUNT}/logpush/datasets/audit_logs/jobs`, { token: TOKENS.acctWrite });
    assert.deepEqual(byDataset.json.result.map((j: { id: number }) => j.id), [accountJob.json.result.id]);
    const otherDataset = await h.call('GET', `/accounts/${ACCOUNT}/logpush/datasets/audit_logs_v2/jobs`, { token: TOKENS.acctWrite });
    assert.deepEqual(otherDataset.json.result, []);
  });

  it('validates destinations with the pluggable validator (default: syntax)', async () => {
    const good = await h.call('POST', `/zones/${ZONE_A}/logpush/validate/destination`, { body: { destination_conf: s3Conf() } });
    assert.deepEqual(good.json.result, { valid: true, message: '' });
    const bad = await h.call('POST', `/zones/${ZONE_A}/logpush/validate/destination`, { body: { destination_conf: `ftp://host/x?secret=${SECRET}` } });
    assert.equal(bad.status, 200);
    assert.equal(bad.json.result.valid, false);
    assert.match(bad.json.result.message, /unsupported scheme "ftp:"/);
  });
});
