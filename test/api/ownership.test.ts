// Ownership challenge round trip: the token written to the destination is valid for that
// tenant and destination only, and only until it expires (injected clock).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OwnershipSigner } from '../../src/api/ownership.ts';
import { fileJob, s3Conf, startHarness, TOKENS, ZONE_A, ZONE_B, zoneJobs, type Harness } from './helpers.ts';

describe('ownership challenge', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness({ ownershipTtlSeconds: 3600 });
    const reply = await h.call('POST', `/zones/${ZONE_A}/logpush/ownership`, { body: { destination_conf: s3Conf() } });
    assert.equal(reply.status, 200, reply.text);
    token = h.challenges.at(-1)!.content;
  });
  after(async () => {
    await h.close();
  });

  const check = (zone: string, conf: string, challenge: string, bearer: string = TOKENS.aWrite) =>
    h.call('POST', `/zones/${zone}/logpush/ownership/validate`, { token: bearer, body: { destination_conf: conf, ownership_challenge: challenge } });

  it('is valid for the tenant and destination it was issued for', async () => {
    assert.equal((await check(ZONE_A, s3Conf(), token)).json.result.valid, true);
    // Bound to the destination without its credentials: a rotated key keeps it valid.
    assert.equal((await check(ZONE_A, s3Conf().replace('AKIAEXAMPLE', 'AKIAROTATED'), token)).json.result.valid, true);
  });

  it('is invalid for another tenant, another destination, or a tampered token', async () => {
    const other = await check(ZONE_B, s3Conf(), token, TOKENS.bWrite);
    assert.equal(other.json.result.valid, false);
    assert.match(other.json.result.message, /does not match this destination and tenant/);
    assert.equal((await check(ZONE_A, s3Conf('other-bucket'), token)).json.result.valid, false);
    const [expiry, mac] = token.split('.');
    assert.equal((await check(ZONE_A, s3Conf(), `${Number(expiry) + 100000}.${mac}`)).json.result.valid, false, 'a later expiry breaks the MAC');
    assert.equal((await check(ZONE_A, s3Conf(), 'garbage')).json.result.valid, false);
    const created = await h.call('POST', zoneJobs(ZONE_B), { token: TOKENS.bWrite, body: fileJob({ destination_conf: s3Conf(), ownership_challenge: token }) });
    assert.equal(created.status, 400);
    assert.equal(created.json.errors[0].code, 1010);
  });

  it('expires', async () => {
    h.clock.now += 3601 * 1000;
    const expired = await check(ZONE_A, s3Conf(), token);
    assert.deepEqual(expired.json.result, { valid: false, message: 'the ownership challenge has expired; request a new one' });
    const created = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob({ destination_conf: s3Conf(), ownership_challenge: token }) });
    assert.equal(created.status, 400);
    assert.match(created.json.errors[0].message, /^\$\.ownership_challenge: the ownership challenge has expired/);
    assert.deepEqual((await h.call('GET', zoneJobs(ZONE_A))).json.result, []);
  });

  it('signs with the server secret: another secret does not verify', () => {
    const now = () => 0;
    const a = new OwnershipSigner(Buffer.from('one'), 60, now);
    const b = new OwnershipSigner(Buffer.from('two'), 60, now);
    const issued = a.issue({ zone_id: 'z' }, 's3://b/p');
    assert.equal(a.verify({ zone_id: 'z' }, 's3://b/p', issued).valid, true);
    assert.equal(b.verify({ zone_id: 'z' }, 's3://b/p', issued).valid, false);
    assert.equal(a.verify({ account_id: 'z' }, 's3://b/p', issued).valid, false, 'a zone and an account with the same id differ');
  });
});
