// POST …/logpush/validate/destination/exists and …/logpush/validate/origin, the two checks of
// Cloudflare's SDK (client.logpush.validate.destinationExists / .origin), over real HTTP.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, fileJob, SECRET, startHarness, TOKENS, ZONE_A, ZONE_B, zoneJobs, type Harness } from './helpers.ts';

describe('validate/destination/exists', () => {
  let h: Harness;
  const conf = 'file:///tmp/sluice-api-test/exists/{DATE}';
  before(async () => {
    h = await startHarness();
    const created = await h.call('POST', zoneJobs(ZONE_B), { token: TOKENS.bWrite, body: fileJob({ destination_conf: conf }) });
    assert.equal(created.status, 200, created.text);
  });
  after(() => h.close());

  const exists = (zone: string, destination: string, token: string) =>
    h.call('POST', `/zones/${zone}/logpush/validate/destination/exists`, { token, body: { destination_conf: destination } });

  it('says whether one of the tenant\'s own jobs writes there, and never reveals another tenant\'s', async () => {
    const own = await exists(ZONE_B, conf, TOKENS.bWrite);
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(own.json.result, { exists: true });
    assert.deepEqual((await exists(ZONE_B, 'file:///tmp/sluice-api-test/elsewhere', TOKENS.bWrite)).json.result, { exists: false });
    // Zone A asks about zone B's destination: its own jobs do not write there.
    assert.deepEqual((await exists(ZONE_A, conf, TOKENS.aWrite)).json.result, { exists: false });
    assert.equal((await exists(ZONE_B, conf, TOKENS.aWrite)).status, 404, 'nor can A ask under B');
  });

  it('compares the place, not the keys; takes the docs\' bare example', async () => {
    const r2 = `r2://keyed/logs?account-id=0123456789abcdef&access-key-id=AKIA1&secret-access-key=${SECRET}`;
    assert.equal((await h.call('POST', zoneJobs(ZONE_B), { token: TOKENS.bWrite, body: fileJob({ destination_conf: r2 }) })).status, 200);
    assert.deepEqual((await exists(ZONE_B, r2.replace('AKIA1', 'AKIA2').replace(SECRET, 'rotated-secret'), TOKENS.bWrite)).json.result, { exists: true });
    assert.deepEqual((await exists(ZONE_B, 's3://foo', TOKENS.bWrite)).json.result, { exists: false });
  });

  it('is documented, and refuses a body without destination_conf', async () => {
    const bad = await h.call('POST', `/zones/${ZONE_A}/logpush/validate/destination/exists`, { body: {} });
    assert.equal(bad.status, 400);
    const doc = JSON.parse((await h.call('GET', '/openapi.json', { token: null })).text);
    const op = doc.paths['/accounts/{account_id}/logpush/validate/destination/exists'].post;
    assert.ok(op.responses['200'] && op.responses['503'], 'reads the job store, so may answer 503');
  });
});

describe('validate/origin', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const origin = (body: Record<string, unknown>, path = `/zones/${ZONE_A}`, token: string = TOKENS.aWrite) =>
    h.call('POST', `${path}/logpush/validate/origin`, { token, body });

  it('accepts the documented example (with and without its dataset) and null', async () => {
    const example = 'fields=RayID,ClientIP,EdgeStartTimestamp&timestamps=rfc3339&CVE-2021-44228=true';
    for (const body of [{ logpull_options: example, dataset: 'http_requests' }, { logpull_options: example }, { logpull_options: null }]) {
      const reply = await origin(body);
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.json.result, { valid: true, message: '' }, JSON.stringify(body));
    }
  });

  it('says what is wrong: a field of another dataset, a bad timestamp format, an unknown parameter', async () => {
    const field = await origin({ logpull_options: 'fields=RayID,ClientIp' });
    assert.equal(field.json.result.valid, false);
    assert.match(field.json.result.message, /^\$\.logpull_options: fields\[1\]: unknown field "ClientIp".*did you mean "ClientIP"/);
    const stamps = await origin({ logpull_options: 'fields=RayID&timestamps=iso' });
    assert.equal(stamps.json.result.valid, false);
    assert.match(stamps.json.result.message, /timestamps/);
    const unknown = await origin({ logpull_options: 'fields=RayID&feilds=x' });
    assert.match(unknown.json.result.message, /unknown parameter "feilds"/);
    // Field names are checked against the dataset given.
    assert.equal((await origin({ logpull_options: 'fields=QueryName', dataset: 'dns_logs' })).json.result.valid, true);
    assert.equal((await origin({ logpull_options: 'fields=QueryName' })).json.result.valid, false, 'QueryName is not an http_requests field');
  });

  it('on an account route: the dataset\'s fields when given, else the parameters only', async () => {
    const account = `/accounts/${ACCOUNT}`;
    assert.deepEqual((await origin({ logpull_options: 'fields=ActionType&timestamps=unix', dataset: 'audit_logs' }, account, TOKENS.acctWrite)).json.result, { valid: true, message: '' });
    assert.equal((await origin({ logpull_options: 'fields=RayID', dataset: 'audit_logs' }, account, TOKENS.acctWrite)).json.result.valid, false);
    assert.equal((await origin({ logpull_options: 'fields=Anything&timestamps=unix' }, account, TOKENS.acctWrite)).json.result.valid, true);
    assert.equal((await origin({ logpull_options: 'fields=Anything&sample=often' }, account, TOKENS.acctWrite)).json.result.valid, false);
    // The values are checked even without a catalog for the names.
    const badTimestamps = (await origin({ logpull_options: 'fields=Anything&timestamps=yesterday' }, account, TOKENS.acctWrite)).json.result;
    assert.equal(badTimestamps.valid, false);
    assert.match(badTimestamps.message, /^\$\.logpull_options: timestamps: /);
    assert.equal((await origin({ logpull_options: 'fields=Anything&sample=2' }, account, TOKENS.acctWrite)).json.result.valid, false);
    const scope = await origin({ logpull_options: 'fields=RayID', dataset: 'http_requests' }, account, TOKENS.acctWrite);
    assert.equal(scope.json.result.valid, false);
    assert.match(scope.json.result.message, /zone dataset/);
  });

  it('takes the whole Logpull URL the options came from (its start and end are Logpush\'s to set)', async () => {
    const url = `https://api.cloudflare.com/client/v4/zones/${ZONE_A}/logs/received?start=2018-08-02T10:00:00Z&end=2018-08-02T10:01:00Z&fields=RayID,EdgeStartTimestamp`;
    assert.deepEqual((await origin({ logpull_options: url })).json.result, { valid: true, message: '' });
    assert.equal((await origin({ logpull_options: url.replace('RayID', 'RayId') })).json.result.valid, false);
  });

  it('refuses a body that is not the documented one', async () => {
    assert.equal((await origin({})).status, 400, 'logpull_options is required (null allowed)');
    assert.equal((await origin({ logpull_options: 5 })).status, 400);
    assert.equal((await origin({ logpull_options: 'x'.repeat(4097) })).status, 400, 'at most 4096 characters, as the API schema says');
  });
});
