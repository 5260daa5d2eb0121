// The example jobs of Cloudflare's Logpush documentation (test/fixtures/logpush-docs/, see its
// README), each accepted as the docs write it and run end to end — NDJSON file → router →
// batcher → worker pool → file destination — producing the documented output byte for byte.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { LOGPUSH_LIMITS } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { runService, type ServiceOutcome } from '../../src/service.ts';
import { createLogger } from '../../src/shared/log.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { decodeObject, listFiles } from './output-reader.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/logpush-docs');
const TENANT = '023e105f4ecef8ad9ca31a8372d0c353';
const INPUT = join(FIXTURES, 'records.ndjson');

interface Example {
  name: string;
  body: Record<string, unknown>;
  expected: string;
}

const examples: Example[] = readdirSync(FIXTURES).filter((f) => f.endsWith('.job.json')).sort().map((file) => {
  const name = file.slice(0, -'.job.json'.length);
  return {
    name,
    body: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, unknown>,
    expected: readFileSync(join(FIXTURES, `${name}.expected`), 'utf8'),
  };
});

describe("Logpush documentation examples", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-logpush-docs-'));
  const out = (name: string) => `${pathToFileURL(join(dir, 'out', name)).href}/{DATE}`;
  let outcome: ServiceOutcome;

  before(async () => {
    assert.ok(examples.length >= 7, `fixtures found: ${examples.map((e) => e.name).join(', ')}`);
    const config = parseConfig(
      {
        data_dir: join(dir, 'state'),
        limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
        pipeline: { workers: 2 },
        sources: [{ type: 'ndjson', path: INPUT, dataset: 'http_requests', tenant: TENANT }],
        // The docs' bodies, given a config id, the tenant (an API call's path) and a local destination.
        jobs: examples.map((e, i) => ({ ...e.body, id: i + 1, zone_id: TENANT, destination_conf: out(e.name) })),
      },
      'logpush docs examples',
    );
    const source = new NdjsonSource({ path: INPUT, dataset: 'http_requests', tenant: TENANT });
    outcome = await runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts every body exactly as the docs write it (the zone comes from the API path)', () => {
    for (const { name, body } of examples) {
      const result = validateJob(body, { limits: LOGPUSH_LIMITS, id: 1, tenant: { zone_id: TENANT } });
      assert.ok(result.ok, `${name}: ${JSON.stringify(!result.ok && result.problems)}`);
    }
  });

  it('delivers every batch', () => {
    assert.equal(outcome.undelivered, 0);
  });

  for (const { name, expected } of examples) {
    it(`${name}: the documented output, byte for byte`, () => {
      const files = listFiles(join(dir, 'out', name));
      assert.equal(files.length, 1, `${name}: one batch, one object: ${files.join(', ')}`);
      assert.equal(decodeObject(files[0]!), expected);
    });
  }
});
