// A job's dataset catalog is the one of the job's scope: firewall_events and websocket_analytics
// are documented for zones and for accounts with different fields.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateJob } from '../../../src/jobs/validation/validate.ts';
import { assertOneProblem, goodJob, limits } from '../helpers.ts';

const accountFirewall = (overrides: Record<string, unknown> = {}) =>
  goodJob({ zone_id: undefined, account_id: 'acct', dataset: 'firewall_events', output_options: { field_names: ['ZoneName', 'Datetime'] }, ...overrides });

describe('validateJob: the catalog of the job\'s scope', () => {
  test('an account firewall_events job may name account-only fields, from the body or the route', () => {
    assert.equal(validateJob(accountFirewall(), { limits }).ok, true);
    assert.equal(validateJob(accountFirewall({ account_id: undefined }), { limits, tenant: { account_id: 'acct' } }).ok, true);
  });

  test('a zone firewall_events job may not', () => {
    assertOneProblem(accountFirewall({ account_id: undefined, zone_id: 'zone-a' }), '$.output_options.field_names[0]', 'ZoneName');
  });

  test('filter keys are checked against the same catalog', () => {
    const filter = JSON.stringify({ where: { key: 'timestampStartNanos', operator: 'gt', value: 1 } });
    const account = goodJob({ zone_id: undefined, account_id: 'acct', dataset: 'websocket_analytics', filter, output_options: { field_names: ['rayId'] } });
    assert.equal(validateJob(account, { limits }).ok, true);
    const zone = goodJob({ dataset: 'websocket_analytics', filter, output_options: { field_names: ['RayID'] } });
    assertOneProblem(zone, '$.filter.where.key', 'timestampStartNanos');
  });

  test('without a tenant, the message names both scopes', () => {
    assertOneProblem(accountFirewall({ account_id: undefined, output_options: { field_names: ['Datetime'] } }), '$',
      'a job needs zone_id or account_id (firewall_events is both a zone and an account dataset)');
  });
});
