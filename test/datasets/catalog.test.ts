import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildCatalog, CATALOG_DIR, datasetScopes, defaultFields, eventTimeField, fieldType, getCatalog, listCatalogs, listDatasets,
  timestampFields,
} from '../../src/datasets/catalog.ts';

// The datasets of Cloudflare's Logpush docs (logs/logpush/logpush-job/datasets/{zone,account}/).
const ZONE_DATASETS = [
  'account_abuse_protection_events', 'dns_logs', 'firewall_events', 'http_requests', 'spectrum_events', 'websocket_analytics',
  'zaraz_events',
];
const ACCOUNT_DATASETS = [
  'access_requests', 'audit_logs', 'audit_logs_v2', 'biso_user_actions', 'device_posture_results', 'dex_application_tests',
  'dex_device_state_events', 'dlp_forensic_copies', 'dns_firewall_logs', 'email_security_alerts',
  'email_security_post_delivery_events', 'firewall_events', 'gateway_dns', 'gateway_http', 'gateway_network', 'ipsec_logs',
  'magic_bgp_logs', 'magic_ids_detections', 'mcp_portal_logs', 'mnm_flow_logs', 'network_analytics_logs',
  'sinkhole_http_logs', 'ssh_logs', 'turnstile_events', 'warp_config_changes', 'warp_toggle_changes', 'websocket_analytics',
  'workers_trace_events', 'zero_trust_network_sessions',
];
// Their docs type no field "int or string" (the timestamp type): they carry their time as plain
// integers (EventTimestampMs; timestampStartNanos), which timestamp_format must not rewrite.
const WITHOUT_TIMESTAMP_FIELDS = new Set(['account/workers_trace_events', 'account/websocket_analytics']);

test('lists every documented dataset, sorted, zone and account scoped as documented', () => {
  assert.deepEqual(listDatasets('zone'), ZONE_DATASETS);
  assert.deepEqual(listDatasets('account'), ACCOUNT_DATASETS);
  assert.deepEqual(listDatasets(), [...new Set([...ZONE_DATASETS, ...ACCOUNT_DATASETS])].sort());
  assert.equal(listDatasets().length, 34);
  assert.deepEqual(datasetScopes('firewall_events'), ['zone', 'account']);
  assert.deepEqual(datasetScopes('gateway_http'), ['account']);
  assert.deepEqual(datasetScopes('nope'), []);
});

test('every catalog file parses and has its directory\'s scope, fields, a source and its timestamp fields', () => {
  let files = 0;
  for (const scope of ['zone', 'account'] as const) {
    for (const file of readdirSync(join(CATALOG_DIR, scope))) {
      files++;
      const path = join(CATALOG_DIR, scope, file);
      const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      const catalog = buildCatalog(raw, path);
      assert.equal(`${catalog.dataset}.json`, file, path);
      assert.equal(catalog.scope, scope, path);
      assert.ok(catalog.fields.length > 0, path);
      assert.match(String(raw.source), new RegExp(`^cloudflare/cloudflare-docs: .*/datasets/${scope}/${catalog.dataset}\\.md$`), path);
      // timestamp_fields are exactly the fields typed as timestamps, and the event time is one of them.
      assert.deepEqual(catalog.timestampFields, catalog.fields.filter((f) => f.type === 'int or string').map((f) => f.name), path);
      if (WITHOUT_TIMESTAMP_FIELDS.has(`${scope}/${catalog.dataset}`)) {
        assert.equal(catalog.eventTimeField, null, path);
      } else {
        assert.ok(catalog.timestampFields.includes(catalog.eventTimeField ?? ''), `${path} has no event time field`);
      }
      assert.equal(getCatalog(catalog.dataset, scope)?.fieldNames.join(), catalog.fieldNames.join(), path);
    }
  }
  assert.equal(files, ZONE_DATASETS.length + ACCOUNT_DATASETS.length);
  assert.equal(listCatalogs('account').length, ACCOUNT_DATASETS.length);
});

test('a dataset of both scopes has a catalog per scope; without a scope, the zone one', () => {
  assert.equal(getCatalog('firewall_events', 'account')?.fieldsByName.has('ZoneName'), true);
  assert.equal(getCatalog('firewall_events', 'zone')?.fieldsByName.has('ZoneName'), false);
  assert.equal(getCatalog('firewall_events'), getCatalog('firewall_events', 'zone'));
  assert.equal(getCatalog('audit_logs'), getCatalog('audit_logs', 'account'));
  assert.equal(getCatalog('audit_logs', 'zone'), undefined);
  assert.deepEqual(timestampFields('websocket_analytics', 'zone'), ['EdgeEndTimestamp', 'EdgeStartTimestamp']);
  assert.equal(fieldType('websocket_analytics', 'timestampStartNanos', 'account'), 'int');
  assert.equal(fieldType('websocket_analytics', 'timestampStartNanos', 'zone'), undefined);
});

test('getCatalog gives scope and fields; unknown and prototype names miss', () => {
  const http = getCatalog('http_requests');
  assert.equal(http?.scope, 'zone');
  assert.equal(getCatalog('audit_logs')?.scope, 'account');
  assert.equal(http?.fieldsByName.get('ClientIP')?.type, 'string');
  assert.equal(http?.fieldsByName.get('CacheResponseStatus')?.deprecated, true);
  assert.equal(http?.fieldsByName.get('ClientIP')?.deprecated, false);
  assert.equal(getCatalog('nope'), undefined);
  assert.equal(getCatalog('__proto__'), undefined);
  assert.equal(getCatalog('constructor'), undefined);
});

test('fieldType', () => {
  assert.equal(fieldType('http_requests', 'EdgeResponseStatus'), 'int');
  assert.equal(fieldType('http_requests', 'EdgeStartTimestamp'), 'int or string');
  assert.equal(fieldType('http_requests', 'BotTags'), 'array[string]');
  assert.equal(fieldType('http_requests', 'ClientIp'), undefined);
  assert.equal(fieldType('nope', 'ClientIP'), undefined);
});

test('timestamp fields and the event time field (first with "Start", else first, else null)', () => {
  assert.deepEqual(timestampFields('http_requests'), ['EdgeEndTimestamp', 'EdgeStartTimestamp']);
  assert.equal(eventTimeField('http_requests'), 'EdgeStartTimestamp');
  assert.equal(eventTimeField('audit_logs'), 'When');
  assert.equal(eventTimeField('firewall_events'), 'Datetime');
  assert.equal(eventTimeField('workers_trace_events'), null);
  assert.deepEqual(timestampFields('workers_trace_events'), []);
  assert.equal(eventTimeField('nope'), null);
});

test('default fields: http_requests has Logpull\'s, no other dataset has any (Logpush requires field_names)', () => {
  assert.deepEqual(defaultFields('http_requests'), [
    'ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeEndTimestamp',
    'EdgeResponseBytes', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID',
  ]);
  assert.equal(defaultFields('firewall_events'), null);
  for (const scope of ['zone', 'account'] as const) {
    for (const catalog of listCatalogs(scope)) {
      if (catalog.dataset !== 'http_requests') assert.equal(catalog.defaultFields, null, `${scope}/${catalog.dataset}`);
    }
  }
});

test('buildCatalog: picks the first timestamp when none says Start; rejects malformed catalogs', () => {
  const c = buildCatalog({
    dataset: 'x', scope: 'zone', timestamp_fields: ['B', 'A'],
    fields: [{ name: 'A', type: 'int or string' }, { name: 'B', type: 'int or string' }],
  }, 'x.json');
  assert.equal(c.eventTimeField, 'B');
  assert.deepEqual(c.fieldNames, ['A', 'B']);
  assert.throws(() => buildCatalog({ dataset: 'x', scope: 'planet', fields: [] }, 'x.json'), /scope/);
  assert.throws(() => buildCatalog({ dataset: 'x', scope: 'zone', fields: [{ name: 'A', type: 'blob' }] }, 'x.json'), /fields\[0\]/);
  assert.throws(() => buildCatalog({ dataset: 'x', scope: 'zone', fields: [], timestamp_fields: ['T'] }, 'x.json'), /T is not one of its fields/);
});

test('catalogs load relative to the module, not the working directory', () => {
  assert.ok(CATALOG_DIR.endsWith('/src/datasets/catalogs'));
  const moduleUrl = new URL('../../src/datasets/catalog.ts', import.meta.url).href;
  const out = execFileSync(process.execPath, [
    '--input-type=module', '-e', `const m = await import(${JSON.stringify(moduleUrl)}); console.log(m.listDatasets().length)`,
  ], { cwd: tmpdir(), encoding: 'utf8' });
  assert.equal(out.trim(), '34');
});
