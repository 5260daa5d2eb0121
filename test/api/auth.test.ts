// Tenant isolation and token scopes over real HTTP: another tenant's jobs are invisible (404,
// never 403, so existence does not leak), read tokens cannot write (403), and the operator
// token manages tokens whose secrets are shown once and stored only as hashes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileJob, OPERATOR, startHarness, TOKENS, ZONE_A, ZONE_B, zoneJobs, type Harness } from './helpers.ts';

describe('admin API auth and tenant isolation', () => {
  let h: Harness;
  let jobB: number;
  before(async () => {
    h = await startHarness();
    const created = await h.call('POST', zoneJobs(ZONE_B), { token: TOKENS.bWrite, body: fileJob() });
    assert.equal(created.status, 200, created.text);
    jobB = created.json.result.id;
  });
  after(async () => {
    await h.close();
  });

  const listB = async () => (await h.call('GET', zoneJobs(ZONE_B), { token: TOKENS.bWrite })).json.result;

  it('answers 401 without a token or with an unknown one', async () => {
    for (const token of [null, 'not-a-token', `${TOKENS.aWrite}x`]) {
      const reply = await h.call('GET', zoneJobs(ZONE_A), { token });
      assert.equal(reply.status, 401, String(token));
      assert.equal(reply.json.errors[0].code, 1001);
      assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    const basic = await h.call('GET', zoneJobs(ZONE_A), { token: null, headers: { authorization: `Basic ${TOKENS.aWrite}` } });
    assert.equal(basic.status, 401);
  });

  it('hides zone B from a zone A token: 404 for its job ids, its list, and creates under it', async () => {
    const before = await listB();
    for (const [method, path, body] of [
      ['GET', `${zoneJobs(ZONE_B)}/${jobB}`, undefined],
      ['PUT', `${zoneJobs(ZONE_B)}/${jobB}`, { enabled: false }],
      ['DELETE', `${zoneJobs(ZONE_B)}/${jobB}`, undefined],
      ['GET', zoneJobs(ZONE_B), undefined],
      ['GET', `/zones/${ZONE_B}/logpush/datasets/http_requests/jobs`, undefined],
      ['POST', zoneJobs(ZONE_B), fileJob()],
      // B's job id under A's own path: same answer as an id that does not exist.
      ['GET', `${zoneJobs(ZONE_A)}/${jobB}`, undefined],
      ['PUT', `${zoneJobs(ZONE_A)}/${jobB}`, { enabled: false }],
      ['DELETE', `${zoneJobs(ZONE_A)}/${jobB}`, undefined],
    ] as const) {
      const reply = await h.call(method, path, { token: TOKENS.aWrite, ...(body ? { body } : {}) });
      assert.equal(reply.status, 404, `${method} ${path}: ${reply.text}`);
      assert.equal(reply.json.errors[0].code, 1003);
      assert.doesNotMatch(reply.text, /errors-to|file:\/\//, 'nothing of the job is revealed');
    }
    const missing = await h.call('GET', `${zoneJobs(ZONE_A)}/999999`);
    const foreign = await h.call('GET', `${zoneJobs(ZONE_A)}/${jobB}`);
    assert.equal(missing.status, foreign.status);
    assert.equal(missing.json.errors[0].message.replace('999999', 'N'), foreign.json.errors[0].message.replace(String(jobB), 'N'));
    assert.deepEqual(await listB(), before, 'zone B unchanged');
    assert.equal((await h.store.get(jobB))?.enabled, true);
  });

  it('lets a read token read but not write (403) on its own zone', async () => {
    const created = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob() });
    const id = created.json.result.id;
    assert.equal((await h.call('GET', zoneJobs(ZONE_A), { token: TOKENS.aRead })).status, 200);
    assert.equal((await h.call('GET', `${zoneJobs(ZONE_A)}/${id}`, { token: TOKENS.aRead })).status, 200);
    for (const [method, path, body] of [
      ['POST', zoneJobs(ZONE_A), fileJob()],
      ['PUT', `${zoneJobs(ZONE_A)}/${id}`, { enabled: false }],
      ['DELETE', `${zoneJobs(ZONE_A)}/${id}`, undefined],
      ['POST', `/zones/${ZONE_A}/logpush/ownership`, { destination_conf: 's3://b/x' }],
    ] as const) {
      const reply = await h.call(method, path, { token: TOKENS.aRead, ...(body ? { body } : {}) });
      assert.equal(reply.status, 403, `${method} ${path}`);
      assert.equal(reply.json.errors[0].code, 1002);
    }
    const jobs = (await h.call('GET', zoneJobs(ZONE_A), { token: TOKENS.aRead })).json.result;
    assert.deepEqual(jobs.map((j: { id: number; enabled: boolean }) => [j.id, j.enabled]), [[id, true]]);
    // The read token still sees nothing of zone B.
    assert.equal((await h.call('GET', zoneJobs(ZONE_B), { token: TOKENS.aRead })).status, 404);
  });

  it('manages tokens with the operator token only; secrets are shown once', async () => {
    assert.equal((await h.call('GET', '/tokens', { token: TOKENS.aWrite })).status, 403);
    assert.equal((await h.call('POST', '/tokens', { token: TOKENS.aWrite, body: { scopes: [{ zone_id: ZONE_A, access: 'write' }] } })).status, 403);

    const created = await h.call('POST', '/tokens', { token: OPERATOR, body: { name: 'ci', scopes: [{ zone_id: 'zone-new', access: 'write' }] } });
    assert.equal(created.status, 200, created.text);
    const { id, token } = created.json.result;
    assert.match(token, /^sluice_[A-Za-z0-9_-]{43}$/);

    const listed = await h.call('GET', '/tokens', { token: OPERATOR });
    assert.ok(listed.json.result.some((t: { id: string }) => t.id === id));
    assert.ok(!listed.text.includes(token), 'the list never shows a secret');
    assert.ok(!listed.text.includes('hash'), 'nor a hash');

    const own = await h.call('POST', zoneJobs('zone-new'), { token, body: fileJob() });
    assert.equal(own.status, 200, own.text);
    assert.equal((await h.call('GET', zoneJobs(ZONE_A), { token })).status, 404);

    const bad = await h.call('POST', '/tokens', { token: OPERATOR, body: { scopes: [{ zone_id: 'z', access: 'admin' }] } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.errors[0].message, /^\$\.scopes\[0\]/);

    assert.equal((await h.call('DELETE', `/tokens/${id}`, { token: OPERATOR })).status, 200);
    assert.equal((await h.call('GET', zoneJobs('zone-new'), { token })).status, 401, 'a revoked token no longer works');
    assert.equal((await h.call('DELETE', `/tokens/${id}`, { token: OPERATOR })).status, 404);

    // The operator may act for any tenant.
    assert.equal((await h.call('GET', zoneJobs(ZONE_B), { token: OPERATOR })).status, 200);
  });
});
