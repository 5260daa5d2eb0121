// Every catalogued dataset through the admin API: its fields route and job creation under its
// own scope, and a clear refusal under the other one.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { datasetScopes, getCatalog, listCatalogs, listDatasets, type DatasetScope } from '../../src/datasets/catalog.ts';
import { ACCOUNT, startHarness, TOKENS, ZONE_A, type Harness } from './helpers.ts';

const ROUTE: Record<DatasetScope, string> = { zone: `/zones/${ZONE_A}`, account: `/accounts/${ACCOUNT}` };
const TOKEN: Record<DatasetScope, string> = { zone: TOKENS.aWrite, account: TOKENS.acctWrite };
const OTHER: Record<DatasetScope, DatasetScope> = { zone: 'account', account: 'zone' };

/** A job body that only its dataset's catalog can accept: its first two fields, the first one in a filter. */
function jobFor(dataset: string, scope: DatasetScope): Record<string, unknown> {
  const catalog = getCatalog(dataset, scope)!;
  const [first, second] = catalog.fields;
  const value = first!.type === 'bool' ? true : first!.type === 'int' || first!.type === 'float' ? 1 : 'x';
  return {
    dataset,
    destination_conf: `file:///tmp/sluice-datasets-test/${dataset}/{DATE}`,
    output_options: { field_names: [first!.name, ...(second ? [second.name] : [])] },
    ...(first!.type.startsWith('array') || first!.type === 'object' ? {} : { filter: JSON.stringify({ where: { key: first!.name, operator: 'eq', value } }) }),
  };
}

describe('datasets through the API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('answers the fields route of every dataset in each of its scopes with its whole catalog', async () => {
    for (const scope of ['zone', 'account'] as const) {
      for (const catalog of listCatalogs(scope)) {
        const reply = await h.call('GET', `${ROUTE[scope]}/logpush/datasets/${catalog.dataset}/fields`, { token: TOKEN[scope] });
        assert.equal(reply.status, 200, `${scope} ${catalog.dataset}: ${reply.text}`);
        assert.deepEqual(Object.keys(reply.json.result), catalog.fieldNames, `${scope} ${catalog.dataset}`);
        for (const field of catalog.fields) {
          assert.equal(reply.json.result[field.name], field.deprecated ? `${field.type} (deprecated)` : field.type);
        }
      }
    }
    // Two datasets are documented for both scopes, with different fields: each route answers its own.
    const zone = await h.call('GET', `${ROUTE.zone}/logpush/datasets/firewall_events/fields`, { token: TOKEN.zone });
    const account = await h.call('GET', `${ROUTE.account}/logpush/datasets/firewall_events/fields`, { token: TOKEN.account });
    assert.equal(zone.json.result.ZoneName, undefined);
    assert.equal(account.json.result.ZoneName, 'string');
  });

  it('creates a job of every dataset under its scope, validating field_names and filter against that catalog', async () => {
    for (const dataset of listDatasets()) {
      for (const scope of datasetScopes(dataset)) {
        const reply = await h.call('POST', `${ROUTE[scope]}/logpush/jobs`, { token: TOKEN[scope], body: jobFor(dataset, scope) });
        assert.equal(reply.status, 200, `${scope} ${dataset}: ${reply.text}`);
        assert.equal(reply.json.result.dataset, dataset);
        // Tenants may hold a few jobs only.
        const deleted = await h.call('DELETE', `${ROUTE[scope]}/logpush/jobs/${reply.json.result.id}`, { token: TOKEN[scope] });
        assert.equal(deleted.status, 200, deleted.text);
        const unknownField = await h.call('POST', `${ROUTE[scope]}/logpush/jobs`, {
          token: TOKEN[scope], body: { ...jobFor(dataset, scope), output_options: { field_names: ['NoSuchField'] } },
        });
        assert.equal(unknownField.status, 400, `${scope} ${dataset}: ${unknownField.text}`);
        assert.match(unknownField.text, /NoSuchField/);
      }
    }
    const zoneOnly = await h.call('POST', `${ROUTE.zone}/logpush/jobs`, {
      token: TOKEN.zone, body: { ...jobFor('firewall_events', 'zone'), output_options: { field_names: ['ZoneName'] } },
    });
    assert.equal(zoneOnly.status, 400, 'ZoneName is a field of account-scoped firewall_events only');
    const accountToo = await h.call('POST', `${ROUTE.account}/logpush/jobs`, {
      token: TOKEN.account, body: { ...jobFor('firewall_events', 'account'), output_options: { field_names: ['ZoneName'] } },
    });
    assert.equal(accountToo.status, 200, accountToo.text);
  });

  it('refuses a job, or a fields request, under the scope a dataset does not have, saying which it has', async () => {
    for (const dataset of listDatasets()) {
      const scopes = datasetScopes(dataset);
      if (scopes.length > 1) continue;
      const own = scopes[0]!;
      const wrong = OTHER[own];
      const job = await h.call('POST', `${ROUTE[wrong]}/logpush/jobs`, { token: TOKEN[wrong], body: jobFor(dataset, own) });
      assert.equal(job.status, 400, `${dataset} under ${wrong}: ${job.text}`);
      assert.ok(job.text.includes(`dataset ${dataset} is a${own === 'account' ? 'n' : ''} ${own} dataset: set ${own}_id`), job.text);
      const fields = await h.call('GET', `${ROUTE[wrong]}/logpush/datasets/${dataset}/fields`, { token: TOKEN[wrong] });
      assert.equal(fields.status, 404);
      assert.ok(fields.text.includes(`use /${own}s/{${own}_id}/logpush/`), fields.text);
    }
  });
});
