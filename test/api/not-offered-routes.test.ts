// Routes of Logpush features sluice does not offer (Instant Logs, transformers) answer 404 with
// a message naming the feature; other unknown paths keep the plain "no route" answer.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from './helpers.ts';

describe('routes of features sluice does not offer', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  const cases: Array<[string, string, RegExp]> = [
    ['POST', '/client/v4/zones/z1/logpush/edge/jobs', /^Instant Logs \(logpush\/edge\) is not offered by sluice/],
    ['GET', '/zones/z1/logpush/edge', /^Instant Logs \(logpush\/edge\) is not offered by sluice/],
    ['POST', '/client/v4/accounts/a1/logpush/transformers/preview', /^Logpush transformers \(logpush\/transformers\) are not offered by sluice/],
    ['GET', '/accounts/a1/logpush/transformers/t1/versions', /^Logpush transformers \(logpush\/transformers\) are not offered by sluice/],
  ];
  for (const [method, path, message] of cases) {
    it(`${method} ${path}: 404, code 1003, says sluice does not offer it`, async () => {
      const reply = await h.call(method, path, method === 'POST' ? { body: {} } : {});
      assert.equal(reply.status, 404, reply.text);
      assert.equal(reply.json.success, false);
      assert.equal(reply.json.errors.length, 1);
      assert.equal(reply.json.errors[0].code, 1003);
      assert.match(reply.json.errors[0].message, message);
    });
  }

  it('a path that only looks like one is still "no route"', async () => {
    for (const path of ['/zones/z1/logpush/edgeless', '/accounts/a1/logpush/transformersx', '/zones/z1/edge/jobs']) {
      const reply = await h.call('GET', path);
      assert.equal(reply.status, 404, reply.text);
      assert.equal(reply.json.errors[0].message, `no route for GET ${path}`);
    }
  });
});
