import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressionProblem, destinationConfProblem } from '../../../src/jobs/validation/destination-conf.ts';

test('accepts the documented forms', () => {
  for (const conf of [
    'file:///var/log/sluice/{DATE}',
    's3://bucket/path/{DATE}?region=us-east-1&endpoint=http://minio:9000&access-key-id=a&secret-access-key=b&sse=AES256',
    'r2://bucket/{DATE}?account-id=x&access-key-id=a&secret-access-key=b',
    'gs://bucket/{DATE}?access-key-id=a&secret-access-key=b',
    'https://logs.example.com/ingest?header_Authorization=Bearer%20x',
    'splunk://splunk.example.com:8088/services/collector/raw?channel=FE0ECFAD-13D5-401B-847D-77833BD77131&header_Authorization=Splunk%20y',
    'datadog://http-intake.logs.datadoghq.com/v1/input?header_DD-API-KEY=k',
  ]) assert.equal(destinationConfProblem(conf), null, conf);
});

test('refuses what cannot work, naming only the scheme', () => {
  assert.match(destinationConfProblem('http://x/y') ?? '', /only allowed to a loopback host/);
  assert.equal(destinationConfProblem('http://127.0.0.1:8080/ingest'), null);
  assert.equal(destinationConfProblem('http://localhost/ingest'), null);
  assert.match(destinationConfProblem('ftp://x/y') ?? '', /unsupported scheme "ftp:"/);
  assert.match(destinationConfProblem('file:///x#frag') ?? '', /no query string or fragment/);
  assert.match(destinationConfProblem('gs:///x') ?? '', /needs a bucket name/);
  assert.match(destinationConfProblem('splunk:///x') ?? '', /needs a host name/);
  assert.match(destinationConfProblem('x'.repeat(4097)) ?? '', /at most 4096/);
  const problem = destinationConfProblem(`${'s'.repeat(40)}://secret`);
  assert.ok(problem !== null && !problem.includes('secret') && !problem.includes('s'.repeat(33)));
});

test('HTTP destinations take gzip or uncompressed bodies only', () => {
  assert.equal(compressionProblem('https://logs.example.com/in', 'gzip'), null);
  assert.equal(compressionProblem('splunk://h:8088/services/collector/raw', 'none'), null);
  assert.match(compressionProblem('datadog://http-intake.logs.datadoghq.com/api/v2/logs', 'zstd') ?? '', /use "gzip"/);
  assert.equal(compressionProblem('s3://bucket/x', 'zstd'), null);
});
