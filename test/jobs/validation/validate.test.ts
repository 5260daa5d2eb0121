import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Job, OutputOptions } from '../../../src/jobs/types.ts';
import { validateJob } from '../../../src/jobs/validation/validate.ts';
import { assertOneProblem, goodJob, limits, problemsOf } from '../helpers.ts';

const NDJSON_DEFAULTS: Omit<OutputOptions, 'field_names'> = {
  output_type: 'ndjson',
  timestamp_format: 'unixnano',
  sample_rate: 1,
  batch_prefix: '',
  batch_suffix: '',
  record_prefix: '{',
  record_suffix: '}\n',
  record_delimiter: '',
  field_delimiter: ',',
  record_template: null,
  'CVE-2021-44228': false,
};

function accepted(input: unknown, options: Parameters<typeof validateJob>[1] = { limits }): Job {
  const result = validateJob(input, options);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems, null, 1));
  return result.value;
}

describe('good jobs have every default resolved', () => {
  test('minimal job', () => {
    assert.deepEqual(accepted(goodJob()), {
      id: 7,
      version: 1,
      name: null,
      enabled: true,
      dataset: 'http_requests',
      tenant: { zone_id: 'zone-a' },
      destination_conf: 'file:///tmp/sluice/{DATE}',
      filter: null,
      output_options: { field_names: ['ClientIP', 'RayID'], ...NDJSON_DEFAULTS },
      max_upload_bytes: 8388608,
      max_upload_records: 100000,
      max_upload_interval_seconds: 30,
      compression: 'gzip',
    } satisfies Job);
  });

  test('csv defaults differ from ndjson', () => {
    const job = accepted(goodJob({ output_options: { field_names: ['RayID'], output_type: 'csv' } }));
    assert.deepEqual(job.output_options, {
      ...NDJSON_DEFAULTS, field_names: ['RayID'], output_type: 'csv', record_prefix: '', record_suffix: '\n',
    });
  });

  test('every field set explicitly, account dataset, string filter, options id/version', () => {
    const filter = '{"where":{"and":[{"key":"ActionType","operator":"eq","value":"create"},{"key":"ActorEmail","operator":"endsWith","value":"@example.com"}]}}';
    const job = accepted({
      account_id: 'acct-1',
      name: 'audit.example-com',
      enabled: false,
      dataset: 'audit_logs',
      destination_conf: 's3://bucket/audit/{DATE}?region=us-east-1',
      filter,
      output_options: {
        field_names: ['When', 'ActionType', 'ActorEmail'],
        output_type: 'ndjson',
        timestamp_format: 'rfc3339',
        sample_rate: 0.5,
        batch_prefix: '[',
        batch_suffix: ']',
        record_prefix: '{',
        record_suffix: '}',
        record_delimiter: ',',
        field_delimiter: ';',
        record_template: '{{.When}} {{ .ActionType }}',
        'CVE-2021-44228': true,
      },
      max_upload_bytes: 1_000_000_000,
      max_upload_records: 1_000,
      max_upload_interval_seconds: 300,
      compression: 'zstd',
    }, { limits, id: 42, version: 3 });
    assert.deepEqual(job, {
      id: 42,
      version: 3,
      name: 'audit.example-com',
      enabled: false,
      dataset: 'audit_logs',
      tenant: { account_id: 'acct-1' },
      destination_conf: 's3://bucket/audit/{DATE}?region=us-east-1',
      filter: { where: { and: [
        { key: 'ActionType', operator: 'eq', value: 'create' },
        { key: 'ActorEmail', operator: 'endsWith', value: '@example.com' },
      ] } },
      output_options: {
        field_names: ['When', 'ActionType', 'ActorEmail'],
        output_type: 'ndjson',
        timestamp_format: 'rfc3339',
        sample_rate: 0.5,
        batch_prefix: '[',
        batch_suffix: ']',
        record_prefix: '{',
        record_suffix: '}',
        record_delimiter: ',',
        field_delimiter: ';',
        record_template: '{{.When}} {{ .ActionType }}',
        'CVE-2021-44228': true,
      },
      max_upload_bytes: 1_000_000_000,
      max_upload_records: 1_000,
      max_upload_interval_seconds: 300,
      compression: 'zstd',
    } satisfies Job);
  });

  test('null means "not set" everywhere optional (Logpush returns nulls)', () => {
    const job = accepted(goodJob({
      name: null, enabled: null, filter: null, logpull_options: null, compression: null,
      max_upload_bytes: null, max_upload_records: null, max_upload_interval_seconds: null, account_id: null,
      output_options: {
        field_names: null, output_type: null, timestamp_format: null, sample_rate: null, batch_prefix: null,
        batch_suffix: null, record_prefix: null, record_suffix: null, record_delimiter: null, field_delimiter: null,
        record_template: null, 'CVE-2021-44228': null,
      },
    }));
    assert.deepEqual(job.output_options, {
      ...NDJSON_DEFAULTS,
      field_names: ['ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeEndTimestamp',
        'EdgeResponseBytes', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID'],
    });
    assert.equal(job.name, null);
    assert.equal(job.enabled, true);
    assert.equal(job.compression, 'gzip');
  });

  test('output_options absent: the dataset default fields are used', () => {
    const job = accepted(goodJob({ output_options: undefined }));
    assert.equal(job.output_options.field_names.length, 9);
    assert.equal(job.output_options.field_names[0], 'ClientIP');
  });

  test('filter: object and string forms give the same filter; an empty string is no filter', () => {
    const where = { or: [{ key: 'EdgeResponseStatus', operator: 'geq', value: 500 }, { key: 'ClientCountry', operator: 'in', value: ['us', 'ca'] }] };
    const fromObject = accepted(goodJob({ filter: { where } }));
    const fromString = accepted(goodJob({ filter: JSON.stringify({ where }) }));
    assert.deepEqual(fromObject.filter, { where });
    assert.deepEqual(fromString.filter, { where });
    assert.equal(accepted(goodJob({ filter: '' })).filter, null);
    assert.equal(accepted(goodJob({ filter: '   ' })).filter, null);
  });

  test('the caller\'s tenant is used, and a matching body tenant is fine', () => {
    const job = accepted(goodJob({ zone_id: undefined }), { limits, tenant: { zone_id: 'zone-from-url' } });
    assert.deepEqual(job.tenant, { zone_id: 'zone-from-url' });
    assert.deepEqual(accepted(goodJob(), { limits, tenant: { zone_id: 'zone-a' } }).tenant, { zone_id: 'zone-a' });
  });

  test('read-only and other known Logpush fields are accepted and ignored', () => {
    const job = accepted(goodJob({
      last_complete: '2024-01-01T00:00:00Z', last_error: null, error_message: 'x', frequency: 'high', kind: '', ownership_challenge: 'token',
    }));
    assert.deepEqual(accepted(goodJob()), job);
  });

  test('upload limits: 0 takes the default; the operator minimums can be lowered', () => {
    const job = accepted(goodJob({ max_upload_bytes: 0, max_upload_records: 0, max_upload_interval_seconds: 0 }));
    assert.deepEqual([job.max_upload_bytes, job.max_upload_records, job.max_upload_interval_seconds], [8388608, 100000, 30]);
    const low = { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1, default_upload_bytes: 1000 };
    const fast = accepted(goodJob({ max_upload_bytes: 1, max_upload_records: 1, max_upload_interval_seconds: 0.5 }), { limits: low });
    assert.deepEqual([fast.max_upload_bytes, fast.max_upload_records, fast.max_upload_interval_seconds], [1, 1, 0.5]);
    assert.equal(accepted(goodJob(), { limits: low }).max_upload_bytes, 1000);
  });

  test('defaults never fall below the operator minimums', () => {
    const strict = { min_upload_interval_seconds: 60, min_upload_records: 200_000, min_upload_bytes: 5_000_000, default_upload_bytes: 6_000_000 };
    const job = accepted(goodJob(), { limits: strict });
    assert.deepEqual([job.max_upload_records, job.max_upload_interval_seconds], [200_000, 60]);
  });

  test('the smallest and largest Logpush values are accepted', () => {
    const low = accepted(goodJob({ max_upload_bytes: 5_000_000, max_upload_records: 1_000, max_upload_interval_seconds: 30 }));
    assert.deepEqual([low.max_upload_bytes, low.max_upload_records, low.max_upload_interval_seconds], [5_000_000, 1_000, 30]);
    const high = accepted(goodJob({ max_upload_bytes: 1_000_000_000, max_upload_records: 1_000_000, max_upload_interval_seconds: 300 }));
    assert.deepEqual([high.max_upload_bytes, high.max_upload_records, high.max_upload_interval_seconds], [1_000_000_000, 1_000_000, 300]);
  });

  test('a name of exactly 512 allowed characters', () => {
    assert.equal(accepted(goodJob({ name: 'a.b-C9'.repeat(85) + 'xy' })).name?.length, 512);
  });
});

describe('one problem per broken rule, with the exact path', () => {
  test('the job is not an object', () => {
    for (const input of [null, undefined, [], [goodJob()], 5, 'job', true]) {
      const problems = problemsOf(input);
      assert.deepEqual(problems.map((p) => p.path), ['$']);
      assert.match(problems[0]?.message ?? '', /must be a JSON object/);
    }
  });

  test('unknown top-level field, with a suggestion', () => {
    assertOneProblem(goodJob({ compresion: 'zstd' }), '$.compresion', ['unknown field "compresion"', 'did you mean "compression"?']);
  });

  test('dataset: unknown (with suggestion), missing, wrong type', () => {
    assertOneProblem(goodJob({ dataset: 'http_request' }), '$.dataset', ['unknown dataset "http_request"', 'did you mean "http_requests"?', 'firewall_events']);
    assertOneProblem(goodJob({ dataset: undefined }), '$.dataset', 'is required');
    assertOneProblem(goodJob({ dataset: 5 }), '$.dataset', 'must be a string');
  });

  test('tenant kind must match the dataset scope', () => {
    assertOneProblem(goodJob({ zone_id: undefined, account_id: 'acct' }), '$.account_id', ['http_requests is a zone dataset', 'set zone_id']);
    assertOneProblem({ ...goodJob({ dataset: 'audit_logs', output_options: { field_names: ['When'] } }) }, '$.zone_id', ['audit_logs is an account dataset', 'set account_id']);
    assertOneProblem(goodJob({ zone_id: undefined }), '$', ['account_id'], { tenant: { account_id: 'acct' } });
  });

  test('tenant: both, neither, mismatching the caller, wrong type', () => {
    assertOneProblem(goodJob({ account_id: 'acct' }), '$', 'either zone_id or account_id, not both');
    assertOneProblem(goodJob({ zone_id: undefined }), '$', 'a job needs zone_id (http_requests is a zone dataset)');
    assertOneProblem(goodJob(), '$.zone_id', 'does not match the zone "zone-b"', { tenant: { zone_id: 'zone-b' } });
    assertOneProblem(goodJob({ zone_id: 12 }), '$.zone_id', 'must be a string');
    assertOneProblem(goodJob({ zone_id: '' }), '$.zone_id', 'at least 1 characters');
  });

  test('id: required, positive integer, must match the caller\'s', () => {
    assertOneProblem(goodJob({ id: undefined }), '$.id', 'is required');
    assertOneProblem(goodJob({ id: 0 }), '$.id', 'greater than 0');
    assertOneProblem(goodJob({ id: -3 }), '$.id', 'greater than 0');
    assertOneProblem(goodJob({ id: 1.5 }), '$.id', 'must be an integer');
    assertOneProblem(goodJob({ id: '7' }), '$.id', 'got a string');
    assertOneProblem(goodJob({ id: 8 }), '$.id', 'is 8 but this job\'s id is 7', { id: 7 });
  });

  test('name: at most 512 characters of [a-zA-Z0-9.-]', () => {
    assertOneProblem(goodJob({ name: 'a'.repeat(513) }), '$.name', 'at most 512 characters');
    assertOneProblem(goodJob({ name: 'my job' }), '$.name', 'only letters, digits');
    assertOneProblem(goodJob({ name: 3 }), '$.name', 'must be a string');
  });

  test('enabled must be a boolean', () => {
    assertOneProblem(goodJob({ enabled: 'yes' }), '$.enabled', 'must be a boolean');
  });

  test('destination_conf: required, known scheme, absolute file path, valid URL', () => {
    assertOneProblem(goodJob({ destination_conf: undefined }), '$.destination_conf', 'is required');
    assertOneProblem(goodJob({ destination_conf: '' }), '$.destination_conf', 'must not be empty');
    assertOneProblem(goodJob({ destination_conf: 'ftp://host/x' }), '$.destination_conf', ['unsupported scheme "ftp:"', 's3, r2, gs, https, http, splunk, datadog, sumo, sentinelone']);
    assertOneProblem(goodJob({ destination_conf: '/tmp/out' }), '$.destination_conf', 'must be a URL');
    assertOneProblem(goodJob({ destination_conf: 'file://tmp/out/{DATE}' }), '$.destination_conf', 'absolute path');
    assertOneProblem(goodJob({ destination_conf: 'file:relative/x' }), '$.destination_conf', 'absolute path');
    assertOneProblem(goodJob({ destination_conf: 'file:///tmp/x?y=1' }), '$.destination_conf', 'no query string');
    assertOneProblem(goodJob({ destination_conf: 's3:///path' }), '$.destination_conf', 'needs a bucket name');
    assertOneProblem(goodJob({ destination_conf: 'https://exa mple.com/x' }), '$.destination_conf', 'not a valid https: URL');
    for (const ok of [
      'r2://bkt/p?account-id=x&access-key-id=a&secret-access-key=b', 'gs://bkt/p?access-key-id=a&secret-access-key=b', 'https://h/p',
      'splunk://h:8088/services/collector/raw?channel=FE0ECFAD-13D5-401B-847D-77833BD77131&header_Authorization=Splunk%20t',
      'datadog://h/v1/input?header_DD-API-KEY=k', 'S3://bkt/p',
    ]) {
      const result = validateJob(goodJob({ destination_conf: ok }), { limits });
      assert.ok(result.ok, `${ok}: ${JSON.stringify(!result.ok && result.problems)}`);
    }
    // Each destination's own parameters are checked at creation, not at the first delivery.
    assertOneProblem(goodJob({ destination_conf: 'r2://bkt/p?account-id=x' }), '$.destination_conf', 'access-key-id');
    assertOneProblem(goodJob({ destination_conf: 's3://bkt/p?part-size=12' }), '$.destination_conf', 'part-size');
    assertOneProblem(goodJob({ destination_conf: 'splunk://h:8088/services/collector/raw?header_Authorization=Splunk%20t' }), '$.destination_conf', 'channel');
  });

  test('output_options: shape and options', () => {
    assertOneProblem(goodJob({ output_options: [] }), '$.output_options', 'must be an object, got an array');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], field_name: ['x'] } }), '$.output_options.field_name', ['unknown option "field_name"', 'did you mean "field_names"?']);
    assertOneProblem(goodJob({ output_options: { field_names: [] } }), '$.output_options.field_names', 'at least 1 item');
    assertOneProblem(goodJob({ output_options: { field_names: 'RayID' } }), '$.output_options.field_names', 'must be an array');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID', 3] } }), '$.output_options.field_names[1]', 'must be a string');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID', 'EdgeResponseStatus', 'ClientRequestHost', 'ClientIp'] } }),
      '$.output_options.field_names[3]', 'unknown field "ClientIp" for dataset http_requests; did you mean "ClientIP"?');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID', 'ClientIP', 'RayID', 'ClientIp'] } }), '$.output_options.field_names[3]', 'unknown field "ClientIp"');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], output_type: 'json' } }), '$.output_options.output_type', 'one of "ndjson", "csv"');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], timestamp_format: 'rfc3339nano' } }), '$.output_options.timestamp_format', 'did you mean "rfc3339"?');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], sample_rate: 0 } }), '$.output_options.sample_rate', 'greater than 0');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], sample_rate: 1.01 } }), '$.output_options.sample_rate', 'at most 1');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], sample_rate: '0.5' } }), '$.output_options.sample_rate', 'must be a number');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], record_prefix: 1 } }), '$.output_options.record_prefix', 'must be a string');
    assertOneProblem(goodJob({ output_options: { field_names: ['RayID'], 'CVE-2021-44228': 'true' } }), '$.output_options["CVE-2021-44228"]', 'must be a boolean');
  });

  test('output_options.field_names is required when the dataset has no default fields', () => {
    assertOneProblem(goodJob({ dataset: 'firewall_events', output_options: {} }), '$.output_options.field_names', 'is required for dataset firewall_events');
    assertOneProblem(goodJob({ dataset: 'firewall_events', output_options: undefined }), '$.output_options.field_names', 'is required');
  });

  test('record_template: {{.Field}} of catalog fields, constants, comments and literals only', () => {
    const template = (t: string) => goodJob({ output_options: { field_names: ['RayID'], record_template: t } });
    assertOneProblem(template('{{if .RayID}}x{{end}}'), '$.output_options.record_template', ['the "if" action is not supported', 'only {{.Field}}, {{"text"}}']);
    assertOneProblem(template('{{ .RayID | printf }}'), '$.output_options.record_template', 'a pipeline ("|") is not supported');
    assertOneProblem(template('{{.RayId}}'), '$.output_options.record_template', ['"{{.RayId}}" names an unknown field', 'did you mean "RayID"?']);
    assertOneProblem(template('x {{.RayID'), '$.output_options.record_template', 'never closed');
    assertOneProblem(template('{{template "x"}}'), '$.output_options.record_template', 'the "template" action');
    // Logpush's documented forms; a catalog field missing from field_names is accepted (it prints null).
    const job = accepted(template('{{/* note */}}{{ "ray=" }}{{.RayID}} {{`{{x}}`}} {{.ClientIP}}'));
    assert.equal(job.output_options.record_template, '{{/* note */}}{{ "ray=" }}{{.RayID}} {{`{{x}}`}} {{.ClientIP}}');
  });

  test('logpull_options: translated, and refused next to output_options', () => {
    const job = accepted(goodJob({ output_options: undefined, logpull_options: 'fields=RayID,ClientIP&timestamps=rfc3339&CVE-2021-44228=true' }));
    assert.deepEqual(job.output_options, { ...NDJSON_DEFAULTS, field_names: ['RayID', 'ClientIP'], timestamp_format: 'rfc3339', 'CVE-2021-44228': true });
    assertOneProblem(goodJob({ logpull_options: 'fields=RayID' }), '$.logpull_options', 'not both');
    assertOneProblem(goodJob({ output_options: undefined, logpull_options: 'fields=RayID,ClientIp' }), '$.logpull_options', 'fields[1]: unknown field "ClientIp"');
    assertOneProblem(goodJob({ output_options: undefined, logpull_options: 'fields=RayID&timestamp=unix' }), '$.logpull_options', ['unknown parameter "timestamp"', 'did you mean "timestamps"?']);
    assertOneProblem(goodJob({ output_options: undefined, logpull_options: 'fields=RayID&timestamps=iso' }), '$.logpull_options', 'timestamps: must be one of');
  });

  test('upload limits: ranges named in the message', () => {
    assertOneProblem(goodJob({ max_upload_bytes: 4_999_999 }), '$.max_upload_bytes', 'from 5000000 to 1000000000; got 4999999');
    assertOneProblem(goodJob({ max_upload_bytes: 1_000_000_001 }), '$.max_upload_bytes', 'from 5000000 to 1000000000');
    assertOneProblem(goodJob({ max_upload_bytes: 6_000_000.5 }), '$.max_upload_bytes', 'must be an integer');
    assertOneProblem(goodJob({ max_upload_bytes: -1 }), '$.max_upload_bytes', 'at least 0');
    assertOneProblem(goodJob({ max_upload_records: 999 }), '$.max_upload_records', 'from 1000 to 1000000; got 999');
    assertOneProblem(goodJob({ max_upload_records: 1_000_001 }), '$.max_upload_records', 'from 1000 to 1000000');
    assertOneProblem(goodJob({ max_upload_records: '5000' }), '$.max_upload_records', 'got a string');
    assertOneProblem(goodJob({ max_upload_interval_seconds: 29 }), '$.max_upload_interval_seconds', 'from 30 to 300; got 29');
    assertOneProblem(goodJob({ max_upload_interval_seconds: 301 }), '$.max_upload_interval_seconds', 'from 30 to 300');
    assertOneProblem(goodJob({ max_upload_interval_seconds: 30.5 }), '$.max_upload_interval_seconds', 'whole number');
    const lowered = { ...limits, min_upload_interval_seconds: 1 };
    assertOneProblem(goodJob({ max_upload_interval_seconds: 0.5 }), '$.max_upload_interval_seconds', 'from 1 to 300', { limits: lowered });
  });

  test('compression', () => {
    assertOneProblem(goodJob({ compression: 'gz' }), '$.compression', ['one of "gzip", "zstd", "snappy", "none"', 'did you mean "gzip"?']);
  });
});

test('every problem is reported at once (4 mistakes → 4 problems)', () => {
  const problems = problemsOf(goodJob({
    compression: 'lz4',
    max_upload_records: 5,
    output_options: { field_names: ['RayID', 'ClientIp'] },
    filter: { where: { and: [{ key: 'EdgeResponseStatus', operator: 'geq', value: 500 }, { key: 'ClientCountry', operator: 'like', value: 'us' }] } },
  }));
  assert.deepEqual(problems.map((p) => p.path).sort(), [
    '$.compression',
    '$.filter.where.and[1].operator',
    '$.max_upload_records',
    '$.output_options.field_names[1]',
  ]);
});

test('secrets in destination_conf never appear in problem messages', () => {
  const secrets = ['SUPERSECRETKEY', 'AKIAEXAMPLEID', 'TOPSECRETTOKEN'];
  const confs = [
    's3://bucket/path/{DATE}?region=us-east-1&access-key-id=AKIAEXAMPLEID&secret-access-key=SUPERSECRETKEY',
    's3:///nobucket?secret-access-key=SUPERSECRETKEY',
    's3://bad bucket/x?secret-access-key=SUPERSECRETKEY',
    'htps://host/p?header_Authorization=Bearer%20TOPSECRETTOKEN',
    'https://host/p?header_Authorization=Bearer TOPSECRETTOKEN#frag TOPSECRETTOKEN',
    'datadog://?header_DD-API-KEY=TOPSECRETTOKEN',
    'file://host/x?secret-access-key=SUPERSECRETKEY',
    `s3://bucket/${'x'.repeat(5000)}?secret-access-key=SUPERSECRETKEY`,
    'SUPERSECRETKEY',
  ];
  for (const destination_conf of confs) {
    // Other mistakes too, so that every message path runs.
    const result = validateJob(goodJob({ destination_conf, compression: 'x', output_options: { field_names: ['Nope'] } }), { limits });
    assert.equal(result.ok, false);
    const text = JSON.stringify(result);
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} leaked for ${destination_conf.slice(0, 40)}: ${text}`);
  }
});

test('the output job shares no objects with the input', () => {
  const input = goodJob({ filter: { where: { key: 'ClientCountry', operator: 'in', value: ['us'] } } });
  const job = accepted(input);
  ((input.output_options as { field_names: string[] }).field_names).push('EdgeResponseStatus');
  ((input.filter as { where: { value: string[] } }).where.value).push('ca');
  assert.deepEqual(job.output_options.field_names, ['ClientIP', 'RayID']);
  assert.deepEqual(job.filter, { where: { key: 'ClientCountry', operator: 'in', value: ['us'] } });
});

describe('Logpush settings the SDK and the documentation send', () => {
  const output = (options: Record<string, unknown>) => goodJob({ output_options: { field_names: ['RayID'], ...options } });

  test('kind: "" or absent is a Logpush job; "edge" is refused, never dropped', () => {
    for (const kind of ['', null, undefined]) assert.deepEqual(accepted(goodJob({ kind })), accepted(goodJob()));
    assertOneProblem(goodJob({ kind: 'edge' }), '$.kind', ['"edge"', 'not offered by sluice']);
    assertOneProblem(goodJob({ kind: 'logpush' }), '$.kind', 'must be one of ""');
  });

  test('filter_attack_traffic: false is what sluice does; true is refused', () => {
    for (const value of [false, null]) assert.deepEqual(accepted(goodJob({ filter_attack_traffic: value })), accepted(goodJob()));
    assertOneProblem(goodJob({ filter_attack_traffic: true }), '$.filter_attack_traffic', ['does not support excluding DDoS attack traffic', 'set it to false']);
    assertOneProblem(goodJob({ filter_attack_traffic: 'no' }), '$.filter_attack_traffic', 'must be one of false');
  });

  test('frequency: "high" (Logpush\'s default) is accepted; "low" is refused with what to use instead', () => {
    for (const value of ['high', null]) assert.deepEqual(accepted(goodJob({ frequency: value })), accepted(goodJob()));
    assertOneProblem(goodJob({ frequency: 'low' }), '$.frequency', ['"low" is not supported', 'max_upload_interval_seconds']);
    assertOneProblem(goodJob({ frequency: 'hourly' }), '$.frequency', 'must be one of "high"');
  });

  test('merge_subrequests: false is what sluice does; true is refused', () => {
    for (const value of [false, null]) assert.deepEqual(accepted(output({ merge_subrequests: value })), accepted(output({})));
    assertOneProblem(output({ merge_subrequests: true }), '$.output_options.merge_subrequests', 'does not support merging subrequests');
  });

  test('timestamp_format rfc3339ms and rfc3339ns (Logpush\'s) are accepted, in output_options and logpull_options', () => {
    for (const format of ['rfc3339ms', 'rfc3339ns'] as const) {
      assert.equal(accepted(output({ timestamp_format: format })).output_options.timestamp_format, format);
      assert.equal(accepted(goodJob({ output_options: undefined, logpull_options: `fields=RayID&timestamps=${format}` })).output_options.timestamp_format, format);
    }
  });

  test('CVE-2021-4428 (Cloudflare\'s API schema spelling) is the same option as CVE-2021-44228', () => {
    const cve = (options: Record<string, unknown>) => accepted(output(options)).output_options['CVE-2021-44228'];
    assert.equal(cve({ 'CVE-2021-4428': true }), true);
    assert.equal(cve({ 'CVE-2021-4428': false }), false);
    assert.equal(cve({ 'CVE-2021-4428': true, 'CVE-2021-44228': true }), true);
    assert.equal(cve({ 'CVE-2021-4428': true, 'CVE-2021-44228': null }), true);
    assert.equal(cve({ 'CVE-2021-4428': null, 'CVE-2021-44228': true }), true);
    assert.equal(cve({ 'CVE-2021-4428': null }), false);
    assert.ok(!('CVE-2021-4428' in accepted(output({ 'CVE-2021-4428': true })).output_options), 'resolved under one name');
    assertOneProblem(output({ 'CVE-2021-4428': true, 'CVE-2021-44228': false }), '$.output_options["CVE-2021-4428"]', ['is true but CVE-2021-44228 is false', 'same option']);
    assertOneProblem(output({ 'CVE-2021-4428': 'true' }), '$.output_options["CVE-2021-4428"]', 'must be a boolean');
  });

  test('field_names: a name listed twice is kept once, at its first place (the docs\' S3-compatible example)', () => {
    const docsExample = ['ClientIP', 'ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeEndTimestamp',
      'EdgeResponseBytes', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID'];
    const job = accepted(goodJob({ output_options: { field_names: docsExample, timestamp_format: 'rfc3339' } }));
    // The job Logpush returns for that request lists ClientIP once.
    assert.deepEqual(job.output_options.field_names, docsExample.slice(1));
    assert.deepEqual(accepted(output({ field_names: ['RayID', 'ClientIP', 'RayID', 'EdgeStartTimestamp', 'ClientIP'] })).output_options.field_names,
      ['RayID', 'ClientIP', 'EdgeStartTimestamp']);
    const fromLogpull = accepted(goodJob({ output_options: undefined, logpull_options: 'fields=RayID,ClientIP,RayID' }));
    assert.deepEqual(fromLogpull.output_options.field_names, ['RayID', 'ClientIP']);
  });

  test('logpull_options as a whole Logpull URL is read like its query string', () => {
    const query = 'fields=RayID,ClientIP&timestamps=rfc3339&CVE-2021-44228=true&sample=0.5';
    const plain = accepted(goodJob({ output_options: undefined, logpull_options: query })).output_options;
    for (const url of [
      `https://api.cloudflare.com/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/logs/received?${query}`,
      // Copied from a real call: Logpush sets the time window itself.
      `https://api.cloudflare.com/client/v4/zones/zone-a/logs/received?start=2024-01-01T00:00:00Z&end=2024-01-01T00:01:00Z&${query}`,
    ]) {
      assert.deepEqual(accepted(goodJob({ output_options: undefined, logpull_options: url })).output_options, plain, url);
    }
    assert.deepEqual(plain, { ...NDJSON_DEFAULTS, field_names: ['RayID', 'ClientIP'], timestamp_format: 'rfc3339', sample_rate: 0.5, 'CVE-2021-44228': true });
    assertOneProblem(goodJob({ output_options: undefined, logpull_options: 'https://example.com/logs?fields=RayID' }), '$.logpull_options', 'must be a Logpull call');
    assertOneProblem(goodJob({ output_options: undefined, logpull_options: 'https://api.cloudflare.com/client/v4/zones/z/logs/received?fields=RayID&count=10' }),
      '$.logpull_options', 'count limits one Logpull response');
    assertOneProblem(goodJob({ output_options: undefined, logpull_options: 'https://api.cloudflare.com/client/v4/zones/z/logs/received?fields=RayId' }),
      '$.logpull_options', 'fields[0]: unknown field "RayId"');
  });
});
