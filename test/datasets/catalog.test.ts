import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import {
  buildCatalog, CATALOG_DIR, defaultFields, eventTimeField, fieldType, getCatalog, listDatasets, timestampFields,
} from '../../src/datasets/catalog.ts';

test('lists the six catalogued datasets, sorted', () => {
  assert.deepEqual(listDatasets(), [
    'audit_logs', 'audit_logs_v2', 'dns_logs', 'firewall_events', 'http_requests', 'workers_trace_events',
  ]);
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

test('default fields: http_requests has them, others do not', () => {
  assert.deepEqual(defaultFields('http_requests'), [
    'ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeEndTimestamp',
    'EdgeResponseBytes', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID',
  ]);
  assert.equal(defaultFields('firewall_events'), null);
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
  assert.equal(out.trim(), '6');
});
