// Schemathesis (scripts/schemathesis.sh) against a real `sluice run` with the admin API: it
// reads /openapi.json, generates requests from it with a fixed seed, and checks every answer.
// The document must allow only what the API accepts (positive_data_acceptance), and every
// answer must be documented (status code, content type, body schema) and never a 5xx.
//
// Checks not run: negative_data_rejection — where JSON Schema cannot say a rule (a filter
// inside a JSON string, a destination under the operator's file roots, zone_id equal to the
// path's), the document describes a subset of what the API accepts, so some bodies the document
// calls invalid are rightly accepted; ignored_auth, use_after_free and the other stateful
// checks need links between operations the document does not declare.
//
// Containment: schemathesis never chooses a destination. destination_conf is set to a file://
// folder inside this test's temp directory (under the sluice's only file root) for every
// operation that takes one, because validate/destination and the ownership routes really write
// or connect (an https:// or s3:// destination would make this sluice send requests off the
// machine). The sluice's own source generates records for another zone only, so the jobs
// schemathesis creates never deliver anything.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const ZONE = 'zone-schemathesis';
const ACCOUNT = 'acct-schemathesis';
const TOKEN = 'sluice-st-token-0123456789abcdef';
// Fixed, so a failure reproduces; SLUICE_ST_SEED / SLUICE_ST_MAX_EXAMPLES explore further by hand.
const SEED = Number(process.env['SLUICE_ST_SEED'] ?? 20250901);
const MAX_EXAMPLES = Number(process.env['SLUICE_ST_MAX_EXAMPLES'] ?? 30);
/** Operations whose body names a destination (they write to it or connect to it). */
const DESTINATION_OPERATIONS = '^(createJob|updateJob|validateDestination|createOwnershipChallenge|validateOwnershipChallenge)(ForAccount)?$';
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance', 'positive_data_acceptance'];

interface Run {
  code: number | null;
  output: string;
}

function schemathesis(args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(ROOT, 'scripts/schemathesis.sh'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the admin API against its own OpenAPI document (schemathesis)', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-st-'));
  const fileRoot = join(dir, 'roots');
  let sluice: SluiceProcess;
  let url = '';

  before(async () => {
    const install = await schemathesis(['install'], dir, 240_000);
    assert.equal(install.code, 0, `scripts/schemathesis.sh install failed:\n${install.output}`);
    for (const tenant of [ZONE, ACCOUNT]) mkdirSync(join(fileRoot, tenant), { recursive: true });
    const tokens = join(dir, 'api-tokens.json');
    writeFileSync(tokens, JSON.stringify([{
      id: 'st-tenant',
      hash: createHash('sha256').update(TOKEN).digest('hex'),
      scopes: [{ zone_id: ZONE, access: 'write' }, { account_id: ACCOUNT, access: 'write' }],
    }]));
    const config = join(dir, 'sluice.yaml');
    writeFileSync(config, stringify({
      data_dir: join(dir, 'data'),
      pipeline: { workers: 1 },
      // The document states Logpush's own bounds; the operator's minimums are configuration.
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
      // Records for another zone only: the jobs schemathesis creates have nothing to deliver.
      sources: [{ type: 'generator', rate: 1, tenants: ['zone-elsewhere'] }],
      // Generated bodies must not run into limits that are configuration, not schema.
      api: { listen: '127.0.0.1:0', tokens_file: tokens, max_jobs_per_zone: 10_000, max_jobs_per_account: 10_000, rate_per_second: 100_000, rate_burst: 100_000 },
      destinations: { file_roots: [fileRoot] },
    }));
    sluice = new SluiceProcess('sluice', config);
    await waitUntil(() => /admin API on (http:\/\/\S+)/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { timeoutMs: 30_000, detail: () => sluice.tail() });
    url = /admin API on (http:\/\/\S+)/.exec(sluice.stdout)?.[1] ?? '';
    assert.ok(url, `sluice did not start its API:\n${sluice.tail()}`);
  });

  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds no failure with a fixed seed', async () => {
    const destination = (tenant: string) => `${pathToFileURL(join(fileRoot, tenant)).href}/st/{DATE}`;
    const tenantParameters = (kind: 'zone' | 'account', id: string) => toml({
      [`path.${kind}_id`]: id,
      [`body.${kind}_id`]: id,
      'body.destination_conf': destination(id),
    }, { 'path.job_id': '{ dictionary = "job_ids", probability = 0.8 }' });
    const config = join(dir, 'schemathesis.toml');
    writeFileSync(config, [
      `seed = ${SEED}`,
      'workers = 1',
      '[generation]',
      `max-examples = ${MAX_EXAMPLES}`,
      // No example database: every run starts from the seed alone, and nothing is written.
      'database = "none"',
      // Mostly ids of jobs this run created, so get, update and delete reach real jobs.
      '[dictionaries.job_ids]',
      `values = ${JSON.stringify(Array.from({ length: 12 }, (_, i) => String(i + 1)))}`,
      // The coverage phase ignores body overrides: it would send destinations of its own.
      '[[operations]]',
      `include-operation-id-regex = "${DESTINATION_OPERATIONS}"`,
      'phases.coverage.enabled = false',
      '[[operations]]',
      'include-path-regex = "^/zones/"',
      `parameters = ${tenantParameters('zone', ZONE)}`,
      '[[operations]]',
      'include-path-regex = "^/accounts/"',
      `parameters = ${tenantParameters('account', ACCOUNT)}`,
      '',
    ].join('\n'));
    const run = await schemathesis([
      'run', '--config-file', config, `${url}/openapi.json`,
      '--url', url,
      '--header', `Authorization: Bearer ${TOKEN}`,
      '--checks', CHECKS.join(','),
      '--phases', 'examples,coverage,fuzzing',
    ], dir, 240_000);
    assert.match(run.output, /tests? (passed|failed)|Test cases|operations? tested/i, `schemathesis did not run:\n${run.output}`);
    assert.equal(run.code, 0, `schemathesis reported failures (seed ${SEED}):\n${run.output}\n${sluice.tail(5)}`);
  });
});

/** A TOML inline table of strings (and of raw TOML values). */
function toml(values: Record<string, string>, raw: Record<string, string> = {}): string {
  const entries = [...Object.entries(values).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`), ...Object.entries(raw).map(([k, v]) => `${JSON.stringify(k)} = ${v}`)];
  return `{ ${entries.join(', ')} }`;
}
