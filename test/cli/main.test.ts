// The sluice command as a user runs it: a child process, real files, exit codes and messages.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { outputLines } from '../e2e/output-reader.ts';
import { assertNoStackTrace, runSluice } from './run-sluice.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';

describe('sluice command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function jobsConfig(name: string, extra: Record<string, unknown> = {}): string {
    const path = join(dir, `${name}.yaml`);
    const out = `${pathToFileURL(join(dir, name)).href}/{DATE}`;
    writeFileSync(
      path,
      [
        'limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1, max_record_bytes: 2000 }',
        'pipeline: { workers: 1 }',
        'sources: [{ type: generator }]',
        'jobs:',
        `  - { id: 1, zone_id: "${ZONE}", dataset: http_requests, destination_conf: "${out}", compression: gzip, max_upload_records: 2, output_options: { field_names: [RayID, EdgeStartTimestamp] } }`,
        ...Object.entries(extra).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
      ].join('\n'),
    );
    return path;
  }

  const events = [
    '{"RayID":"aaaaaaaaaaaaaaa1","EdgeStartTimestamp":1506702504433000201,"ClientIP":"1.2.3.4"}',
    'this is not json',
    '',
    `{"RayID":"aaaaaaaaaaaaaaa2","EdgeStartTimestamp":1506702504433000202,"Pad":"${'x'.repeat(3000)}"}`,
    '{"RayID":"aaaaaaaaaaaaaaa3","EdgeStartTimestamp":1506702504433000203}\r',
    '{"RayID":"aaaaaaaaaaaaaaa4","EdgeStartTimestamp":1506702504433000204}',
  ].join('\n');

  it('delivers an NDJSON file and exits 0 once everything is delivered; bad records are counted, not fatal', async () => {
    const input = join(dir, 'events.ndjson');
    writeFileSync(input, events);
    const result = await runSluice(['run', '--config', jobsConfig('from-file'), '--input', input, '--dataset', 'http_requests', '--tenant', ZONE]);
    assert.equal(result.code, 0, result.stderr);
    const { lines } = outputLines(join(dir, 'from-file'));
    assert.deepEqual(lines.sort(), [
      '{"RayID":"aaaaaaaaaaaaaaa1","EdgeStartTimestamp":1506702504433000201}',
      '{"RayID":"aaaaaaaaaaaaaaa3","EdgeStartTimestamp":1506702504433000203}',
      '{"RayID":"aaaaaaaaaaaaaaa4","EdgeStartTimestamp":1506702504433000204}',
    ]);
    assert.match(result.stdout, /invalid_json 1, wrong_type 0, oversized 1/);
  });

  it('reads NDJSON from stdin with --input -', async () => {
    const result = await runSluice(['run', '--config', jobsConfig('from-stdin'), '--input', '-', '--dataset', 'http_requests', '--tenant', ZONE], { stdin: events });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(outputLines(join(dir, 'from-stdin')).lines.length, 3);
  });

  it('rejects a config with mistakes: exit 2, every problem with its path, no stack trace', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, ['sources: [{ type: generator, rate: -5 }]', 'jobs:', `  - { zone_id: "${ZONE}", dataset: http_requests, destination_conf: "file:///tmp/x", output_options: { field_names: [ClientIp] } }`].join('\n'));
    const result = await runSluice(['run', '--config', path]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sluice: .*bad\.yaml.*2 problems/m);
    assert.match(result.stderr, /\$\.sources\[0\]\.rate/);
    assert.match(result.stderr, /\$\.jobs\[0\]\.output_options\.field_names\[0\].*ClientIP/);
    assertNoStackTrace(result.stderr);
  });

  it('says clearly when the config file does not exist or is not valid YAML', async () => {
    const missing = await runSluice(['run', '--config', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml/);
    assertNoStackTrace(missing.stderr);
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'jobs: [\n  {id: 1\n');
    const broken = await runSluice(['run', '--config', path]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /line \d+/);
    assertNoStackTrace(broken.stderr);
  });

  it('runs a config of jobs alone with --input, as the README shows; without --input says what to add', async () => {
    const path = join(dir, 'jobs.yaml');
    writeFileSync(path, readFileSync(jobsConfig('jobs-only'), 'utf8').replace(/^sources:.*\n/m, ''));
    assert.doesNotMatch(readFileSync(path, 'utf8'), /sources/);
    const input = join(dir, 'jobs-only.ndjson');
    writeFileSync(input, events);
    const result = await runSluice(['run', '--config', path, '--input', input, '--dataset', 'http_requests', '--tenant', ZONE]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(outputLines(join(dir, 'jobs-only')).lines.length, 3);

    const without = await runSluice(['run', '--config', path, '--seconds', '1']);
    assert.equal(without.code, 2, without.stderr);
    assert.match(without.stderr, /\$\.sources: is required: add at least one source .*or give the records with `sluice run --input/);
    assertNoStackTrace(without.stderr);
  });

  it('says clearly when the input file does not exist', async () => {
    const result = await runSluice(['run', '--config', jobsConfig('missing-input'), '--input', join(dir, 'absent.ndjson'), '--dataset', 'http_requests', '--tenant', ZONE]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /absent\.ndjson/);
    assertNoStackTrace(result.stderr);
  });

  it('refuses to start with an unusable audit digest signing key: exit 2, one line naming the file', async () => {
    const key = join(dir, 'not-a-key.pem');
    writeFileSync(key, 'garbage');
    const path = join(dir, 'audit-bad-key.yaml');
    writeFileSync(path, [
      'pipeline: { workers: 1 }',
      'sources: [{ type: generator }]',
      `audit_digests: { signing_key_file: ${JSON.stringify(key)} }`,
      'jobs:',
      `  - { id: 1, account_id: "${ZONE}", dataset: audit_logs, destination_conf: "${pathToFileURL(join(dir, 'audit-out')).href}", output_options: { field_names: [ID] } }`,
    ].join('\n'));
    const result = await runSluice(['run', '--config', path, '--seconds', '1']);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^sluice: signing key .*not-a-key\.pem is not a PEM private key/);
    assertNoStackTrace(result.stderr);
  });

  it('rejects bad usage with exit 2', async () => {
    for (const args of [['frobnicate'], ['run', '--input', '-'], ['run', '--seconds', 'soon'], ['run', '--no-such-flag']]) {
      const result = await runSluice(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^sluice: /);
      assertNoStackTrace(result.stderr);
    }
  });
});
