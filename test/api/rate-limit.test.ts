// Limits answered with clear errors: requests per token (429 + Retry-After, refilled by the
// clock), jobs per zone (Logpush's 4), and the default 1 MiB body limit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucketLimiter } from '../../src/api/rate-limit.ts';
import { fileJob, startHarness, TOKENS, ZONE_A, zoneJobs } from './helpers.ts';

describe('token bucket', () => {
  it('allows the burst, then one request per 1/rate seconds', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ rate: 2, burst: 3 }, () => now);
    assert.deepEqual([1, 2, 3].map(() => limiter.take('k')), [0, 0, 0]);
    assert.equal(limiter.take('k'), 1);
    assert.equal(limiter.take('other'), 0, 'buckets are per key');
    now += 500;
    assert.equal(limiter.take('k'), 0);
    assert.equal(limiter.take('k'), 1);
  });
});

describe('admin API limits', () => {
  it('answers 429 with Retry-After per token and recovers as time passes', async () => {
    const h = await startHarness({ limits: { rate_per_second: 1, rate_burst: 3 } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await h.call('GET', zoneJobs(ZONE_A))).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const limited = await h.call('GET', zoneJobs(ZONE_A));
      assert.equal(limited.headers.get('retry-after'), '1');
      assert.equal(limited.json.errors[0].code, 1007);
      assert.match(limited.json.errors[0].message, /rate limit exceeded/);
      assert.equal((await h.call('GET', zoneJobs(ZONE_A), { token: TOKENS.aRead })).status, 200, 'another token has its own bucket');
      h.clock.now += 1000;
      assert.equal((await h.call('GET', zoneJobs(ZONE_A))).status, 200);
    } finally {
      await h.close();
    }
  });

  it('limits jobs per zone (default 4) and accepts a new one after a delete', async () => {
    const h = await startHarness();
    try {
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const reply = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob() });
        assert.equal(reply.status, 200, reply.text);
        ids.push(reply.json.result.id);
      }
      const fifth = await h.call('POST', zoneJobs(ZONE_A), { body: fileJob() });
      assert.equal(fifth.status, 400);
      assert.deepEqual(fifth.json.errors, [{ code: 1009, message: 'this zone already has the maximum of 4 jobs; delete one first' }]);
      assert.equal((await h.call('GET', zoneJobs(ZONE_A))).json.result.length, 4);
      assert.equal((await h.call('DELETE', `${zoneJobs(ZONE_A)}/${ids[0]}`)).status, 200);
      assert.equal((await h.call('POST', zoneJobs(ZONE_A), { body: fileJob() })).status, 200);
    } finally {
      await h.close();
    }
  });

  it('refuses a body over the default 1 MiB with 413', async () => {
    const h = await startHarness();
    try {
      const reply = await h.call('POST', zoneJobs(ZONE_A), { raw: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
      assert.equal(reply.status, 413);
      assert.equal(reply.json.errors[0].message, 'request body too large: the limit is 1048576 bytes');
      assert.deepEqual((await h.call('GET', zoneJobs(ZONE_A))).json.result, []);
    } finally {
      await h.close();
    }
  });
});
