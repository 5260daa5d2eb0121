// End to end in one process: generator → router → batcher → worker pool → file destination.
// Every generated record that matches a job's filter must appear exactly once in that job's
// files; nothing else may appear there.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createHttpRequestsGenerator, DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runService, type ServiceOutcome } from '../../src/service.ts';
import { GeneratorSource } from '../../src/sources/generator.ts';
import { createLogger } from '../../src/shared/log.ts';
import { outputLines } from './output-reader.ts';

const RECORDS = 20_000;
const SEED = 42;
const [zoneA, zoneB, zoneC] = DEFAULT_TENANTS as [string, string, string];

/** A deterministic event clock: each event 1 µs and 7 ns after the previous one. */
function fixedClock(): () => bigint {
  let t = 1_764_000_000_123_456_789n;
  return () => (t += 1_007n);
}

interface Event {
  tenant: string;
  json: string;
  parsed: Record<string, unknown>;
}

function generatedEvents(): Event[] {
  const generator = createHttpRequestsGenerator({ seed: SEED, clock: fixedClock() });
  const events: Event[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const { tenant, json } = generator.next();
    events.push({ tenant, json, parsed: JSON.parse(json) as Record<string, unknown> });
  }
  return events;
}

describe('embedded pipeline end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  const out = (name: string) => `${pathToFileURL(join(dir, 'out', name)).href}/{DATE}`;
  let outcome: ServiceOutcome;
  let events: Event[];

  before(async () => {
    const config = parseConfig(
      {
        data_dir: join(dir, 'state'),
        limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
        pipeline: { workers: 2, in_flight_bytes: 8 * 1024 * 1024 },
        sources: [{ type: 'generator', rate: 0, records: RECORDS, seed: SEED }],
        jobs: [
          { id: 1, zone_id: zoneA, dataset: 'http_requests', destination_conf: out('all'), compression: 'zstd', max_upload_records: 1_000, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID', 'EdgeStartTimestamp', 'ClientIP'] } },
          {
            id: 2, zone_id: zoneA, dataset: 'http_requests', destination_conf: out('errors'), compression: 'gzip', max_upload_records: 1_000, max_upload_interval_seconds: 1,
            filter: JSON.stringify({ where: { and: [{ key: 'EdgeResponseStatus', operator: 'geq', value: 400 }, { key: 'ClientRequestMethod', operator: 'in', value: ['POST', 'PUT', 'GET'] }] } }),
            output_options: { output_type: 'csv', field_names: ['RayID', 'EdgeResponseStatus'] },
          },
          {
            id: 3, zone_id: zoneB, dataset: 'http_requests', destination_conf: out('foreign'), compression: 'snappy', max_upload_records: 1_000, max_upload_interval_seconds: 1,
            filter: { where: { or: [{ key: 'ClientCountry', operator: '!eq', value: 'us' }, { key: 'BotScore', operator: 'lt', value: 30 }] } },
            output_options: { field_names: ['RayID', 'ClientCountry'], record_template: '{{.RayID}}|{{.ClientCountry}}', record_prefix: '', record_suffix: '\n' },
          },
          {
            id: 4, zone_id: zoneC, dataset: 'http_requests', destination_conf: out('api'), compression: 'none', max_upload_records: 1_000, max_upload_interval_seconds: 1,
            filter: { where: { key: 'ClientRequestURI', operator: 'startsWith', value: '/v1/' } },
            output_options: { field_names: ['RayID', 'ClientRequestURI'], timestamp_format: 'rfc3339' },
          },
        ],
      },
      'e2e test',
    );
    const source = new GeneratorSource({ dataset: 'http_requests', rate: 0, seed: SEED, records: RECORDS, clock: fixedClock() });
    outcome = await runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false });
    events = generatedEvents();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function assertExactlyOnce(job: string, expected: Event[], rayIdOf: (line: string) => string): string[] {
    const { files, lines } = outputLines(join(dir, 'out', job));
    assert.ok(files.length > 1, `${job}: expected several objects, got ${files.length}`);
    const seen = new Map<string, number>();
    for (const line of lines) seen.set(rayIdOf(line), (seen.get(rayIdOf(line)) ?? 0) + 1);
    const want = new Set(expected.map((e) => e.parsed.RayID as string));
    assert.equal(want.size, expected.length, 'generated RayIDs are unique');
    const missing = [...want].filter((id) => !seen.has(id));
    const unexpected = [...seen.keys()].filter((id) => !want.has(id));
    const duplicated = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual({ missing: missing.length, unexpected: unexpected.length, duplicated: duplicated.length }, { missing: 0, unexpected: 0, duplicated: 0 }, job);
    assert.equal(lines.length, expected.length);
    return lines;
  }

  it('acknowledges every record', () => {
    assert.equal(outcome.undelivered, 0);
    assert.equal(outcome.pipeline.stats.recordsIn, RECORDS);
  });

  it('delivers every record of the tenant to an unfiltered job, values exact', () => {
    const expected = events.filter((e) => e.tenant === zoneA);
    const lines = assertExactlyOnce('all', expected, (line) => (JSON.parse(line) as { RayID: string }).RayID);
    const sourceTimestamp = new Map(expected.map((e) => [e.parsed.RayID as string, /"EdgeStartTimestamp":(\d+)/.exec(e.json)![1]]));
    for (const line of lines.slice(0, 500)) {
      const rayId = (JSON.parse(line) as { RayID: string }).RayID;
      assert.equal(/"EdgeStartTimestamp":(\d+)/.exec(line)![1], sourceTimestamp.get(rayId), 'the 19-digit timestamp passes through digit for digit');
    }
  });

  it('delivers exactly the records an and/in filter keeps, as csv', () => {
    const expected = events.filter((e) => e.tenant === zoneA && (e.parsed.EdgeResponseStatus as number) >= 400 && ['POST', 'PUT', 'GET'].includes(e.parsed.ClientRequestMethod as string));
    assert.ok(expected.length > 50, 'the generator makes enough errors for this test to mean something');
    assertExactlyOnce('errors', expected, (line) => JSON.parse(line.split(',')[0]!) as string);
  });

  it('delivers exactly the records an or filter keeps, through a record template and snappy', () => {
    const expected = events.filter((e) => e.tenant === zoneB && (e.parsed.ClientCountry !== 'us' || (e.parsed.BotScore as number) < 30));
    assert.ok(expected.length > 50);
    assertExactlyOnce('foreign', expected, (line) => JSON.parse(line.split('|')[0]!) as string);
  });

  it('delivers exactly the records a startsWith filter keeps, uncompressed', () => {
    const expected = events.filter((e) => e.tenant === zoneC && (e.parsed.ClientRequestURI as string).startsWith('/v1/'));
    assert.ok(expected.length > 10);
    assertExactlyOnce('api', expected, (line) => (JSON.parse(line) as { RayID: string }).RayID);
  });

  it('accounts for every routed record', () => {
    const s = outcome.pipeline.stats;
    const d = s.recordsDropped;
    assert.equal(s.recordsRouted, s.recordsDelivered + s.recordsFiltered + s.recordsSampled + d.invalid_json + d.wrong_type + d.quarantined);
    assert.equal(s.recordsIn, s.recordsUnrouted + events.filter((e) => [zoneA, zoneB, zoneC].includes(e.tenant)).length);
  });
});
