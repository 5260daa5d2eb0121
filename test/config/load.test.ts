import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { ConfigError, isConfigError } from '../../src/config/errors.ts';
import { loadConfig, parseConfig, parseConfigText } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Problem } from '../../src/jobs/types.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';

function minimalConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sources: [{ type: 'generator' }],
    jobs: [{ zone_id: ZONE, dataset: 'http_requests', destination_conf: 'file:///tmp/out/{DATE}', output_options: { field_names: ['RayID'] } }],
    ...overrides,
  };
}

function configProblems(value: unknown, source = 'config.yaml'): Problem[] {
  try {
    parseConfig(value, source);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  assert.fail('expected a ConfigError');
}

function assertProblem(problems: Problem[], path: string, fragment: string): void {
  assert.ok(problems.some((p) => p.path === path && p.message.includes(fragment)), `no ${path} ~ ${fragment} in ${JSON.stringify(problems, null, 1)}`);
}

const FULL_YAML = `
data_dir: /var/lib/sluice
limits:
  min_upload_interval_seconds: 0.2
  min_upload_records: 1
  min_upload_bytes: 1
  default_upload_bytes: 1048576
  max_record_bytes: 65536
pipeline:
  workers: 3
  in_flight_bytes: 1000000
  chunk_bytes: 0
sources:
  - type: generator
    dataset: http_requests
    rate: 0
    seed: 9
    tenants: [${ZONE}, zone-b]
    records: 500
  - type: ndjson
    path: "-"
    dataset: audit_logs
    tenant: acct-1
jobs:
  - zone_id: ${ZONE}
    dataset: http_requests
    destination_conf: "file:///tmp/out/a/{DATE}"
    max_upload_interval_seconds: 0.5
    output_options:
      field_names: [RayID, ClientIP]
  - id: 10
    account_id: acct-1
    dataset: audit_logs
    destination_conf: "file:///tmp/out/b/{DATE}"
    filter: '{"where":{"key":"ActionType","operator":"eq","value":"delete"}}'
    output_options: { field_names: [When, ActionType], output_type: csv }
    compression: none
`;

const FULL_EXPECTED: Config = {
  data_dir: '/var/lib/sluice',
  audit_digests: { enabled: true, interval_seconds: 3600 },
  destinations: { allow_networks: [], file_roots: [], tenant_folders: true },
  shutdown: { deadline_seconds: 25 },
  memory: { limit_mb: 0, worker_heap: null },
  limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1, default_upload_bytes: 1048576, max_record_bytes: 65536 },
  pipeline: { workers: 3, in_flight_bytes: 1000000, chunk_bytes: 0, part_bytes: 16777216, parking: { enabled: false, job_share: 0.5, after_failing_seconds: 60, stalled_seconds: 15, disable_after_hours: 24, catch_up_readers: 2, catch_up_records_per_second: 20000, hand_back_lag: 1000 } },
  sources: [
    { type: 'generator', dataset: 'http_requests', rate: 0, seed: 9, tenants: [ZONE, 'zone-b'], records: 500 },
    { type: 'ndjson', path: '-', dataset: 'audit_logs', tenant: 'acct-1' },
  ],
  jobs: [
    {
      id: 1, version: 1, name: null, enabled: true, dataset: 'http_requests', tenant: { zone_id: ZONE },
      destination_conf: 'file:///tmp/out/a/{DATE}', filter: null,
      output_options: {
        field_names: ['RayID', 'ClientIP'], output_type: 'ndjson', timestamp_format: 'unixnano', sample_rate: 1,
        batch_prefix: '', batch_suffix: '', record_prefix: '{', record_suffix: '}\n', record_delimiter: '', field_delimiter: ',',
        record_template: null, 'CVE-2021-44228': false,
      },
      max_upload_bytes: 1048576, max_upload_records: 100000, max_upload_interval_seconds: 0.5, compression: 'gzip',
    },
    {
      id: 10, version: 1, name: null, enabled: true, dataset: 'audit_logs', tenant: { account_id: 'acct-1' },
      destination_conf: 'file:///tmp/out/b/{DATE}', filter: { where: { key: 'ActionType', operator: 'eq', value: 'delete' } },
      output_options: {
        field_names: ['When', 'ActionType'], output_type: 'csv', timestamp_format: 'unixnano', sample_rate: 1,
        batch_prefix: '', batch_suffix: '', record_prefix: '', record_suffix: '\n', record_delimiter: '', field_delimiter: ',',
        record_template: null, 'CVE-2021-44228': false,
      },
      max_upload_bytes: 1048576, max_upload_records: 100000, max_upload_interval_seconds: 30, compression: 'none',
    },
  ],
};

describe('files', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'sluice-config-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('YAML file → fully resolved Config', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, FULL_YAML);
    assert.deepEqual(await loadConfig(path), FULL_EXPECTED);
  });

  test('the same config as JSON (.json) and as .yml gives the same Config', async () => {
    const value = YAML.parse(FULL_YAML) as unknown;
    const jsonPath = join(dir, 'config.json');
    const ymlPath = join(dir, 'config.yml');
    await writeFile(jsonPath, JSON.stringify(value, null, 2));
    await writeFile(ymlPath, YAML.stringify(value));
    assert.deepEqual(await loadConfig(jsonPath), FULL_EXPECTED);
    assert.deepEqual(await loadConfig(ymlPath), FULL_EXPECTED);
  });

  test('bad YAML reports line and column', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'sources:\n  - type: generator\njobs: [\n  {id: 1,\n');
    await assert.rejects(loadConfig(path), (error: unknown) => {
      assert.ok(isConfigError(error));
      assert.equal(error.message, `${path}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}`);
      assert.match(error.problems[0]?.message ?? '', /^invalid YAML at line \d+, column \d+: /);
      return true;
    });
    await writeFile(path, 'sources:\n  - type: generator\n  dataset: x\n');
    await assert.rejects(loadConfig(path), (error: unknown) => {
      assert.ok(isConfigError(error));
      assert.match(error.problems[0]?.message ?? '', /^invalid YAML at line 3, column 1: All mapping items must start at the same column/);
      return true;
    });
    await writeFile(path, 'data_dir: a\ndata_dir: b\n');
    await assert.rejects(loadConfig(path), (error: unknown) => isConfigError(error) && /line 2, column 1/.test(error.problems[0]?.message ?? ''));
  });

  test('bad JSON reports line and column, without quoting the file', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{\n  "sources": [],\n  "jobs": [{"destination_conf": "s3://b?secret-access-key=TOPSECRET", "id": tru}]\n}');
    await assert.rejects(loadConfig(path), (error: unknown) => {
      assert.ok(isConfigError(error));
      assert.deepEqual(error.problems, [{ path: '$', message: 'invalid JSON at line 3, column 77: unexpected token' }]);
      assert.ok(!error.report().includes('TOPSECRET'));
      return true;
    });
    await writeFile(path, '{\n  "sources": [],\n}');
    await assert.rejects(loadConfig(path), (error: unknown) =>
      isConfigError(error) && error.problems[0]?.message === 'invalid JSON at line 3, column 1: Expected double-quoted property name');
    await writeFile(path, '{"sources": [');
    await assert.rejects(loadConfig(path), (error: unknown) =>
      isConfigError(error) && /^invalid JSON at line 1, column 14: /.test(error.problems[0]?.message ?? ''));
  });

  test('unsupported extension and unreadable file are ConfigErrors', async () => {
    await assert.rejects(loadConfig(join(dir, 'config.toml')), (error: unknown) => isConfigError(error) && /unsupported file extension ".toml"/.test(error.problems[0]?.message ?? ''));
    await assert.rejects(loadConfig(join(dir, 'missing.yaml')), (error: unknown) => isConfigError(error) && error.code === 'ERR_CONFIG' && /cannot read the file/.test(error.problems[0]?.message ?? ''));
  });
});

describe('defaults and rules', () => {
  test('parking is on by default with exactly one kafka source, off with other sources, and can be turned off', () => {
    const kafka = { type: 'kafka', brokers: ['127.0.0.1:9092'], group_id: 'g', topics: [{ topic: 't', dataset: 'http_requests', tenant_from: { key: true } }] };
    assert.equal(parseConfig(minimalConfig({ sources: [kafka] }), 'mem').pipeline.parking.enabled, true);
    assert.equal(parseConfig(minimalConfig({ sources: [kafka], pipeline: { parking: { enabled: false } } }), 'mem').pipeline.parking.enabled, false);
    assert.equal(parseConfig(minimalConfig(), 'mem').pipeline.parking.enabled, false);
    assert.equal(parseConfig(minimalConfig({ sources: [kafka, { ...kafka, group_id: 'h' }] }), 'mem').pipeline.parking.enabled, false);
  });

  test('parking needs exactly one kafka source', () => {
    assert.throws(() => parseConfig(minimalConfig({ pipeline: { parking: { enabled: true } } }), 'config.yaml'), (error: ConfigError) => {
      assert.deepEqual(error.problems.map((p) => p.path), ['$.pipeline.parking.enabled']);
      assert.match(error.problems[0]!.message, /exactly one source, of type kafka/);
      return true;
    });
  });

  test('a minimal config gets every default', () => {
    const config = parseConfig(minimalConfig(), 'mem');
    assert.equal(config.data_dir, './data');
    assert.deepEqual(config.limits, { min_upload_interval_seconds: 30, min_upload_records: 1000, min_upload_bytes: 5_000_000, default_upload_bytes: 8388608, max_record_bytes: 1048576 });
    assert.deepEqual(config.pipeline, {
      workers: availableParallelism(), in_flight_bytes: 256 * 1024 * 1024, chunk_bytes: 8388608, part_bytes: 16777216,
      parking: { enabled: false, job_share: 0.5, after_failing_seconds: 60, stalled_seconds: 15, disable_after_hours: 24, catch_up_readers: 2, catch_up_records_per_second: 20000, hand_back_lag: 1000 },
    });
    assert.equal(config.memory.limit_mb, 0, 'no memory limit unless one is set');
    assert.deepEqual(config.sources, [{ type: 'generator', dataset: 'http_requests', rate: 5000, seed: 1 }]);
    assert.equal(config.jobs[0]?.id, 1);
    assert.deepEqual(parseConfig(minimalConfig({ jobs: undefined }), 'mem').jobs, []);
  });

  test('the summary line counts problems; each problem has a path', () => {
    try {
      parseConfig(minimalConfig({ data_dir: 5, pipeline: { workers: 0 }, sources: [] }), 'config.yaml');
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(isConfigError(error));
      assert.equal(error.message, 'config.yaml: 3 problems');
      assert.deepEqual(error.problems.map((p) => p.path), ['$.data_dir', '$.pipeline.workers', '$.sources']);
      assert.equal(error.report().split('\n').length, 4);
    }
    assert.throws(() => parseConfig(minimalConfig({ data_dir: 5 }), 'c.json'), { message: 'c.json: 1 problem', code: 'ERR_CONFIG' });
  });

  test('unknown keys anywhere are problems, with suggestions', () => {
    const problems = configProblems(minimalConfig({
      data_dri: 'x',
      limits: { min_upload_record: 1 },
      pipeline: { worker: 2 },
      sources: [{ type: 'generator', sede: 2 }, { type: 'ndjson', path: 'x', dataset: 'http_requests', tenant: 't', tennant: 'u' }],
      jobs: [{ zone_id: ZONE, dataset: 'http_requests', destination_conf: 'file:///x', output_options: { field_names: ['RayID'], sample: 1 } }],
    }));
    assertProblem(problems, '$.data_dri', 'did you mean "data_dir"?');
    assertProblem(problems, '$.limits.min_upload_record', 'did you mean "min_upload_records"?');
    assertProblem(problems, '$.pipeline.worker', 'did you mean "workers"?');
    assertProblem(problems, '$.sources[0].sede', 'did you mean "seed"?');
    assertProblem(problems, '$.sources[1].tennant', 'did you mean "tenant"?');
    assertProblem(problems, '$.jobs[0].output_options.sample', 'unknown option "sample"');
    assert.equal(problems.length, 6);
  });

  test('sources: at least one, known type, required fields', () => {
    assertProblem(configProblems(minimalConfig({ sources: [] })), '$.sources', 'at least 1 item');
    assertProblem(configProblems(minimalConfig({ sources: undefined })), '$.sources', 'is required');
    assertProblem(configProblems(minimalConfig({ sources: [{ type: 'kafak' }] })), '$.sources[0].type', 'one of "generator", "ndjson"');
    assertProblem(configProblems(minimalConfig({ sources: [{ type: 'ndjosn' }] })), '$.sources[0].type', 'did you mean "ndjson"?');
    assertProblem(configProblems(minimalConfig({ sources: [{}] })), '$.sources[0].type', 'is required');
    const ndjson = configProblems(minimalConfig({ sources: [{ type: 'ndjson', dataset: 'http_requests' }] }));
    assertProblem(ndjson, '$.sources[0].path', 'is required');
    assertProblem(ndjson, '$.sources[0].tenant', 'is required');
    assertProblem(configProblems(minimalConfig({ sources: [{ type: 'ndjson', path: '-', tenant: 'z', dataset: 'dns_log' }] })), '$.sources[0].dataset', 'did you mean "dns_logs"?');
    // The generator makes events of every catalogued dataset, and of no other.
    assert.deepEqual(parseConfig(minimalConfig({ sources: [{ type: 'generator', dataset: 'dns_logs' }] }), 'config.yaml').sources, [{ type: 'generator', dataset: 'dns_logs', rate: 5000, seed: 1 }]);
    assertProblem(configProblems(minimalConfig({ sources: [{ type: 'generator', dataset: 'dns_log' }] })), '$.sources[0].dataset', 'did you mean "dns_logs"?');
    assertProblem(configProblems(minimalConfig({ sources: [{ type: 'generator', rate: -1 }] })), '$.sources[0].rate', 'at least 0');
  });

  test('job problems carry the job\'s path', () => {
    const problems = configProblems(minimalConfig({
      jobs: [
        { zone_id: ZONE, dataset: 'http_requests', destination_conf: 'file:///x', output_options: { field_names: ['RayID', 'ClientIP', 'Nope'] } },
        'not a job',
      ],
    }));
    assert.deepEqual(problems.map((p) => p.path), ['$.jobs[0].output_options.field_names[2]', '$.jobs[1]']);
    assert.match(problems[0]?.message ?? '', /unknown field "Nope"/);
  });

  test('job ids default to position + 1 and must be unique', () => {
    const job = (extra: object) => ({ zone_id: ZONE, dataset: 'http_requests', destination_conf: 'file:///x', ...extra });
    const config = parseConfig(minimalConfig({ jobs: [job({}), job({ id: 5 }), job({})] }), 'mem');
    assert.deepEqual(config.jobs.map((j) => j.id), [1, 5, 3]);
    const problems = configProblems(minimalConfig({ jobs: [job({ id: 2 }), job({})] }));
    assert.deepEqual(problems.map((p) => p.path), ['$.jobs[1].id']);
    assert.match(problems[0]?.message ?? '', /duplicate job id 2, already used by jobs\[0\].*set "id" explicitly/);
    assertProblem(configProblems(minimalConfig({ jobs: [job({ id: 4 }), job({ id: 4 })] })), '$.jobs[1].id', 'duplicate job id 4');
  });

  test('jobs are validated with the config\'s limits', () => {
    const job = { zone_id: ZONE, dataset: 'http_requests', destination_conf: 'file:///x', max_upload_interval_seconds: 2, max_upload_records: 10 };
    const problems = configProblems(minimalConfig({ jobs: [job] }));
    assertProblem(problems, '$.jobs[0].max_upload_interval_seconds', 'from 30 to 300');
    assertProblem(problems, '$.jobs[0].max_upload_records', 'from 1000 to 1000000');
    const lowered = parseConfig(minimalConfig({ limits: { min_upload_interval_seconds: 1, min_upload_records: 10 }, jobs: [job] }), 'mem');
    assert.equal(lowered.jobs[0]?.max_upload_interval_seconds, 2);
    assert.equal(lowered.jobs[0]?.max_upload_records, 10);
  });

  test('limits: positive minimums; the default upload size respects the minimum', () => {
    assertProblem(configProblems(minimalConfig({ limits: { min_upload_interval_seconds: 0 } })), '$.limits.min_upload_interval_seconds', 'greater than 0');
    assertProblem(configProblems(minimalConfig({ limits: { min_upload_records: 1.5 } })), '$.limits.min_upload_records', 'must be an integer');
    assertProblem(configProblems(minimalConfig({ limits: { min_upload_bytes: 10_000_000, default_upload_bytes: 6_000_000 }, jobs: [] })),
      '$.limits.default_upload_bytes', 'at least min_upload_bytes (10000000)');
    const big = parseConfig(minimalConfig({ limits: { min_upload_bytes: 40_000_000 }, jobs: [] }), 'mem');
    assert.equal(big.limits.default_upload_bytes, 40_000_000);
  });

  test('not an object at all', () => {
    for (const value of [null, [], 'x', 3]) assertProblem(configProblems(value), '$', 'must be an object');
    assertProblem(configProblems(parseYamlValue('')), '$', 'must be an object');
  });

  test('secrets in a job\'s destination_conf never reach the error', () => {
    try {
      parseConfig(minimalConfig({ jobs: [{ zone_id: ZONE, dataset: 'http_requests', destination_conf: 'htps://x?header_Authorization=TOPSECRET', output_options: { field_names: ['X'] } }] }), 'c.yaml');
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(isConfigError(error));
      assert.equal(error.problems.length, 2);
      assert.ok(!error.report().includes('TOPSECRET'));
      assert.ok(!JSON.stringify(error.problems).includes('TOPSECRET'));
    }
  });
});

function parseYamlValue(text: string): unknown {
  return YAML.parse(text) as unknown;
}

test('parseConfigText: whatever the text, the outcome is a Config or a ConfigError', () => {
  const samples = [FULL_YAML, '', '{', ':', '- - -', '&a [*a]', 'a: !!binary x', '"\\u', `${'['.repeat(5000)}`, 'sources: [{type: generator}]\n'];
  for (const text of samples) {
    for (const format of ['yaml', 'json'] as const) {
      try {
        parseConfigText(text, format, 'fuzz');
      } catch (error) {
        assert.ok(isConfigError(error), `${format} ${JSON.stringify(text.slice(0, 20))}: ${String(error)}`);
      }
    }
  }
});
