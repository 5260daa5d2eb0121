// Every route that takes a body, fed malformed JSON, wrong types, unknown fields and oversized
// bodies — each must get a 4xx with a precise message, and the stored jobs must not change.
// Also the job-specific rejections: an over-limit filter and an invalid destination.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileJob, OPERATOR, SECRET, startHarness, ZONE_A, zoneJobs, type Harness } from './helpers.ts';

describe('admin API request bodies', () => {
  let h: Harness;
  let jobId: number;
  let snapshot: string;
  before(async () => {
    h = await startHarness({ limits: { max_body_bytes: 64 * 1024 } });
    const created = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob() });
    jobId = created.json.result.id;
    snapshot = (await h.call('GET', zoneJobs(ZONE_A))).text;
  });
  after(async () => {
    for (const body of h.bodies) assert.ok(!body.includes(SECRET), 'a response leaked the secret');
    await h.close();
  });

  const unchanged = async () => {
    assert.equal((await h.call('GET', zoneJobs(ZONE_A))).text, snapshot, 'the stored jobs changed');
    assert.equal(h.audits.length, 1, 'only the setup create was audited');
  };

  const routes = () => [
    { method: 'POST', path: zoneJobs(ZONE_A), token: undefined, wrongType: { dataset: 42 }, unknown: { ...fileJob(), destinaton_conf: 'x' } },
    { method: 'PUT', path: `${zoneJobs(ZONE_A)}/${jobId}`, token: undefined, wrongType: { enabled: 'yes' }, unknown: { enabeld: false } },
    { method: 'POST', path: `/zones/${ZONE_A}/logpush/validate/destination`, token: undefined, wrongType: { destination_conf: 7 }, unknown: { destination_conf: 'file:///x', extra: 1 } },
    { method: 'POST', path: `/zones/${ZONE_A}/logpush/validate/destination/exists`, token: undefined, wrongType: { destination_conf: 7 }, unknown: { destination_conf: 'file:///x', extra: 1 } },
    { method: 'POST', path: `/zones/${ZONE_A}/logpush/validate/origin`, token: undefined, wrongType: { logpull_options: 7 }, unknown: { logpull_options: 'fields=RayID', extra: 1 } },
    { method: 'POST', path: `/zones/${ZONE_A}/logpush/ownership`, token: undefined, wrongType: { destination_conf: ['s3://b'] }, unknown: { destination_conf: 's3://b/x', bucket: 'b' } },
    { method: 'POST', path: `/zones/${ZONE_A}/logpush/ownership/validate`, token: undefined, wrongType: { destination_conf: 's3://b/x', ownership_challenge: 5 }, unknown: { destination_conf: 's3://b/x', ownership_challenge: 'x', challenge: 'y' } },
    { method: 'POST', path: '/tokens', token: OPERATOR, wrongType: { scopes: 'zone' }, unknown: { scopes: [{ zone_id: 'z', access: 'read' }], admin: true } },
  ];

  it('rejects malformed JSON with its line and column on every body route', async () => {
    for (const route of routes()) {
      const reply = await h.call(route.method, route.path, { token: route.token, raw: '{"destination_conf": "file:///x",\n  "name": oops}' });
      assert.equal(reply.status, 400, `${route.method} ${route.path}`);
      assert.deepEqual(reply.json.errors, [{ code: 1005, message: 'malformed JSON at line 2, column 11 (offset 44): unexpected character at this position' }]);
      const truncated = await h.call(route.method, route.path, { token: route.token, raw: '{"a": [1, 2' });
      assert.equal(truncated.status, 400);
      assert.match(truncated.json.errors[0].message, /^malformed JSON at line 1, column 12 \(offset 11\): unexpected end of input$/);
      const empty = await h.call(route.method, route.path, { token: route.token, raw: '' });
      assert.equal(empty.status, 400);
      assert.equal(empty.json.errors[0].code, 1005);
    }
    await unchanged();
  });

  it('rejects wrong types and unknown fields with JSON paths on every body route', async () => {
    for (const route of routes()) {
      const wrong = await h.call(route.method, route.path, { token: route.token, body: route.wrongType });
      assert.equal(wrong.status, 400, `${route.method} ${route.path}: ${wrong.text}`);
      assert.ok(wrong.json.errors.every((e: { code: number }) => e.code === 1004));
      assert.ok(wrong.json.errors.some((e: { message: string }) => /^\$\.\w+: must be/.test(e.message)), wrong.text);
      const unknown = await h.call(route.method, route.path, { token: route.token, body: route.unknown });
      assert.equal(unknown.status, 400, `${route.method} ${route.path}: ${unknown.text}`);
      assert.ok(unknown.json.errors.some((e: { message: string }) => /^\$\.\w+: unknown (field|key)/.test(e.message)), unknown.text);
      const array = await h.call(route.method, route.path, { token: route.token, body: [1, 2] });
      assert.equal(array.status, 400);
    }
    const typo = await h.call('POST', zoneJobs(ZONE_A), { body: { ...fileJob(), destinaton_conf: 'x' } });
    assert.ok(typo.json.errors.some((e: { message: string }) => e.message === '$.destinaton_conf: unknown field "destinaton_conf"; did you mean "destination_conf"?'), typo.text);
    const field = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ output_options: { field_names: ['ClientIp'] } }) });
    assert.deepEqual(field.json.errors, [{ code: 1004, message: '$.output_options.field_names[0]: unknown field "ClientIp" for dataset http_requests; did you mean "ClientIP"?' }]);
    await unchanged();
  });

  it('answers 413 for bodies over the limit on every body route', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
    for (const route of routes()) {
      const reply = await h.call(route.method, route.path, { token: route.token, raw: big });
      assert.equal(reply.status, 413, `${route.method} ${route.path}`);
      assert.deepEqual(reply.json.errors, [{ code: 1006, message: 'request body too large: the limit is 65536 bytes' }]);
    }
    await unchanged();
  });

  it('rejects an over-limit filter and an invalid destination precisely', async () => {
    const leaves = Array.from({ length: 31 }, (_, i) => ({ key: 'EdgeResponseStatus', operator: 'eq', value: 200 + i }));
    const filter = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ filter: { where: { or: leaves } } }) });
    assert.equal(filter.status, 400);
    assert.ok(filter.json.errors.some((e: { code: number; message: string }) =>
      e.code === 1004 && e.message === '$.filter: has 31 operators; at most 30 are allowed'), filter.text);

    const ftp = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ destination_conf: `ftp://host/x?secret=${SECRET}` }) });
    assert.equal(ftp.status, 400);
    assert.equal(ftp.json.errors.length, 1);
    assert.equal(ftp.json.errors[0].code, 1004);
    assert.match(ftp.json.errors[0].message, /^\$\.destination_conf: unsupported scheme "ftp:"; use one of s3, r2, gs, https/);

    const put = await h.call('PUT', `${zoneJobs(ZONE_A)}/${jobId}`, { body: { destination_conf: 'file://relative/x' } });
    assert.equal(put.status, 400);
    assert.match(put.json.errors[0].message, /^\$\.destination_conf: a file: destination needs an absolute path/);

    const ownership = await h.call('POST', `/zones/${ZONE_A}/logpush/ownership`, { body: { destination_conf: 'nope' } });
    assert.equal(ownership.status, 400);
    assert.match(ownership.json.errors[0].message, /^\$\.destination_conf: must be a URL/);

    const dataset = await h.call('PUT', `${zoneJobs(ZONE_A)}/${jobId}`, { body: { dataset: 'dns_logs' } });
    assert.equal(dataset.status, 400);
    assert.match(dataset.json.errors[0].message, /^\$\.dataset: cannot be changed/);

    const idInBody = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ id: 5 }) });
    assert.deepEqual(idInBody.json.errors, [{ code: 1004, message: '$.id: is assigned by sluice when the job is created; remove it' }]);

    const otherZone = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ zone_id: 'zone-bbbb' }) });
    assert.equal(otherZone.status, 400);
    assert.match(otherZone.json.errors[0].message, /^\$\.zone_id: does not match the zone "zone-aaaa"/);

    const badId = await h.call('GET', `${zoneJobs(ZONE_A)}/abc`);
    assert.equal(badId.status, 404);
    await unchanged();
  });
});
