// The OpenAPI document: served without auth, valid JSON, one operation per route of the
// route table (both tenant prefixes), and every $ref resolves inside the document.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandRoutes } from '../../src/api/routes.ts';
import { listDatasets } from '../../src/datasets/catalog.ts';
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
      assert.deepEqual(createJob.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/JobCreateZone' });
      // One form per zone dataset, each with its own dataset, field names and filter keys.
      const forms = doc.components.schemas.JobCreateZone.anyOf as Array<Record<string, any>>;
      assert.deepEqual(forms.map((f) => f.properties.dataset.const).sort(), listDatasets('zone'));
      const accountForms = doc.components.schemas.JobCreateAccount.anyOf as Array<Record<string, any>>;
      assert.deepEqual(accountForms.map((f) => f.properties.dataset.const).sort(), listDatasets('account'));
      // firewall_events is a zone and an account dataset, each form with its own scope's fields.
      const zoneFirewall = forms.find((f) => f.properties.dataset.const === 'firewall_events')!;
      const accountFirewall = accountForms.find((f) => f.properties.dataset.const === 'firewall_events')!;
      assert.ok(!JSON.stringify(zoneFirewall.properties.output_options).includes('"ZoneName"'));
      assert.ok(JSON.stringify(accountFirewall.properties.output_options).includes('"ZoneName"'));
      const http = forms.find((f) => f.properties.dataset.const === 'http_requests')!;
      assert.match(http.properties.destination_conf.description, /Where batches go/);
      assert.equal(http.additionalProperties, false);
      assert.ok(JSON.stringify(http.properties.output_options).includes('"EdgeStartTimestamp"'), 'field_names are the catalog\'s');
      assert.ok(!JSON.stringify(http.properties.output_options).includes('"ActionType"'), 'no field of another dataset');
      assert.deepEqual(doc.paths['/accounts/{account_id}/logpush/jobs'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/JobCreateAccount' });
      // Errors are documented envelopes.
      assert.deepEqual(createJob.responses['400'].content['application/json'].schema, { $ref: '#/components/schemas/ErrorEnvelope' });
      assert.equal(createJob.responses['429'].headers['retry-after'].required, true);
      for (const ref of refs(doc)) {
        const name = ref.replace('#/components/schemas/', '');
        assert.ok(ref.startsWith('#/components/schemas/') && doc.components.schemas[name], `dangling $ref ${ref}`);
      }
      assert.deepEqual(doc.paths['/zones/{zone_id}/logpush/jobs/{job_id}'].get.parameters.map((p: { name: string }) => p.name), ['zone_id', 'job_id']);
    } finally {
      await h.close();
    }
  });
});
