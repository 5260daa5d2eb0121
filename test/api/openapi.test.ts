// The OpenAPI document: served without auth, valid JSON, one operation per route of the
// route table (both tenant prefixes), and every $ref resolves inside the document.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandRoutes } from '../../src/api/routes.ts';
import { startHarness } from './helpers.ts';

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refs(item, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') out.push(child);
      else refs(child, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  it('describes every route with schemas generated from the job schema', async () => {
    const h = await startHarness();
    try {
      const reply = await h.call('GET', '/openapi.json', { token: null });
      assert.equal(reply.status, 200);
      const doc = JSON.parse(reply.text);
      assert.equal(doc.openapi, '3.1.0');
      for (const { spec, pattern } of expandRoutes()) {
        assert.ok(doc.paths[pattern]?.[spec.method.toLowerCase()], `missing ${spec.method} ${pattern}`);
      }
      assert.equal(Object.values(doc.paths).reduce((n: number, ops) => n + Object.keys(ops as object).length, 0), expandRoutes().length);
      const createJob = doc.paths['/zones/{zone_id}/logpush/jobs'].post;
      assert.deepEqual(createJob.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/JobInput' });
      const jobInput = doc.components.schemas.JobInput;
      assert.match(jobInput.properties.destination_conf.description, /Where batches go/);
      assert.equal(jobInput.additionalProperties, false);
      for (const ref of refs(doc)) {
        const name = ref.replace('#/components/schemas/', '');
        assert.ok(ref.startsWith('#/components/schemas/') && doc.components.schemas[name], `dangling $ref ${ref}`);
      }
      assert.ok(refs(doc.components.schemas.FilterNode).includes('#/components/schemas/FilterNode'), 'the filter tree is recursive');
      assert.deepEqual(doc.paths['/zones/{zone_id}/logpush/jobs/{job_id}'].get.parameters.map((p: { name: string }) => p.name), ['zone_id', 'job_id']);
    } finally {
      await h.close();
    }
  });
});
