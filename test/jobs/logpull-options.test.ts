import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogpullOptions } from '../../src/jobs/logpull-options.ts';

test('translates every parameter', () => {
  assert.deepEqual(parseLogpullOptions('fields=RayID,ClientIP,EdgeStartTimestamp&timestamps=rfc3339&CVE-2021-44228=true&sample=0.1'), {
    options: { field_names: ['RayID', 'ClientIP', 'EdgeStartTimestamp'], timestamp_format: 'rfc3339', 'CVE-2021-44228': true, sample_rate: 0.1 },
    problems: [],
  });
});

test('a leading "?", URL encoding, spaces and empty pairs are tolerated', () => {
  assert.deepEqual(parseLogpullOptions('?fields=RayID%2CClientIP, EdgeStartTimestamp&&timestamps=unix').options, {
    field_names: ['RayID', 'ClientIP', 'EdgeStartTimestamp'], timestamp_format: 'unix',
  });
  assert.deepEqual(parseLogpullOptions(''), { options: {}, problems: [] });
  assert.deepEqual(parseLogpullOptions('CVE-2021-44228=false').options, { 'CVE-2021-44228': false });
});

test('values are passed through for output_options validation to judge', () => {
  assert.deepEqual(parseLogpullOptions('timestamps=iso&fields=').options, { timestamp_format: 'iso', field_names: [] });
});

test('problems: unknown or repeated parameters, bad booleans, numbers, encoding', () => {
  const { problems } = parseLogpullOptions('field=RayID&fields=A&fields=B&CVE-2021-44228=yes&sample=half&x=%E0%A4%A');
  assert.equal(problems.length, 5, JSON.stringify(problems));
  assert.match(problems[0] ?? '', /unknown parameter "field"; did you mean "fields"\?/);
  assert.match(problems[1] ?? '', /"fields" is given more than once/);
  assert.match(problems[2] ?? '', /CVE-2021-44228 must be true or false; got "yes"/);
  assert.match(problems[3] ?? '', /sample must be a number/);
  assert.match(problems[4] ?? '', /not valid URL encoding/);
});

test('a whole Logpull URL: its query string, without the time window Logpush sets itself', () => {
  const query = 'fields=RayID,ClientIP&timestamps=unix&sample=0.1&CVE-2021-44228=true';
  const url = `https://api.cloudflare.com/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/logs/received?start=2024-05-01T00:00:00Z&end=2024-05-01T00:05:00Z&${query}`;
  assert.deepEqual(parseLogpullOptions(url), parseLogpullOptions(query));
  assert.deepEqual(parseLogpullOptions(`HTTPS://api.cloudflare.com/client/v4/zones/z/logs/received/?${query}#x`), parseLogpullOptions(query));
  assert.deepEqual(parseLogpullOptions('https://api.cloudflare.com/client/v4/zones/z/logs/received'), { options: {}, problems: [] });
});

test('a URL that is not a Logpull call, or does not parse, is a problem', () => {
  assert.match(parseLogpullOptions('https://api.cloudflare.com/client/v4/zones/z/logs/rayids/abc?fields=RayID').problems[0] ?? '', /must be a Logpull call/);
  assert.match(parseLogpullOptions('https://exa mple.com/logs/received?fields=RayID').problems[0] ?? '', /not a valid URL/);
  assert.match(parseLogpullOptions('fields=RayID&count=5').problems[0] ?? '', /count limits one Logpull response/);
});
