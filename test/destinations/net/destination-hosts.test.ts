import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destinationHost, destinationNetworkProblem } from '../../../src/destinations/net/destination-hosts.ts';
import type { Resolver } from '../../../src/destinations/net/guarded-lookup.ts';
import { NetworkPolicy } from '../../../src/destinations/net/network-policy.ts';
import { DESTINATION_UNREACHABLE_MESSAGE } from '../../../src/destinations/net/unreachable.ts';

const KEYS = 'access-key-id=AKIAEXAMPLE&secret-access-key=very-secret-value';

describe('destinationHost', () => {
  it('names the host each kind of destination connects to', () => {
    const table: Array<[string, string | null]> = [
      ['https://user:pw@Logs.Example.com:8443/in?header_Authorization=x', 'logs.example.com'],
      ['http://[::1]:9000/x', '::1'],
      ['splunk://10.0.0.1:8088/services/collector/raw?channel=x', '10.0.0.1'],
      ['datadog://http-intake.logs.datadoghq.com/api/v2/logs', 'http-intake.logs.datadoghq.com'],
      [`s3://bucket/p?endpoint=https%3A%2F%2F127.0.0.1%3A9000&${KEYS}`, '127.0.0.1'],
      [`s3://bucket/p?endpoint=minio.internal:9000&${KEYS}`, 'minio.internal'],
      [`s3://bucket/p?endpoint=sfo2.DigitalOceanSpaces.com&${KEYS}`, 'sfo2.digitaloceanspaces.com'],
      [`gs://bucket/p?endpoint=%5B%3A%3A1%5D:9000&${KEYS}`, '::1'],
      // Refused by the destination's own parser, so no host to check (validation reports it).
      [`s3://bucket/p?endpoint=ftp://h:21&${KEYS}`, null],
      [`s3://bucket/p?endpoint=minio.internal:9000/bucket&${KEYS}`, null],
      [`s3://bucket/p?endpoint=http%3A%2F%2F%5B%3A%3Affff%3A127.0.0.1%5D%3A9000&${KEYS}`, '::ffff:7f00:1'],
      [`s3://bucket/p?region=eu-west-1&${KEYS}`, 's3.eu-west-1.amazonaws.com'],
      [`s3://bucket/p`, 's3.us-east-1.amazonaws.com'],
      [`r2://bucket/p?account-id=ABC123&${KEYS}`, 'abc123.r2.cloudflarestorage.com'],
      [`gs://bucket/p?${KEYS}`, 'storage.googleapis.com'],
      ['file:///var/log/sluice', null],
      ['not a url', null],
    ];
    for (const [conf, host] of table) assert.equal(destinationHost(conf), host, conf);
  });
});

describe('destinationNetworkProblem', () => {
  const resolve: Resolver = async (name) => {
    if (name === 'localhost') return [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
    if (name === 'public.example') return [{ address: '93.184.215.14', family: 4 }];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  const deny = new NetworkPolicy([]);

  it('gives the generic refusal for refused hosts, named or literal', async () => {
    for (const conf of [
      'http://127.0.0.1:9090/metrics', 'http://[::1]:1/', 'http://[::ffff:127.0.0.1]:1/', 'https://10.0.0.1/', 'https://169.254.169.254/latest',
      'http://localhost:8787/', `s3://b/p?endpoint=http%3A%2F%2F127.0.0.1%3A39000&${KEYS}`, `s3://b/p?endpoint=localhost:39000&${KEYS}`,
    ]) {
      assert.equal(await destinationNetworkProblem(conf, deny, resolve), DESTINATION_UNREACHABLE_MESSAGE, conf);
    }
  });

  it('passes public hosts, allowed networks, names that do not resolve now, and files', async () => {
    assert.equal(await destinationNetworkProblem('https://public.example/in', deny, resolve), null);
    assert.equal(await destinationNetworkProblem('http://127.0.0.1:9090/', new NetworkPolicy(['127.0.0.0/8']), resolve), null);
    assert.equal(await destinationNetworkProblem('https://nowhere.example/in', deny, resolve), null);
    assert.equal(await destinationNetworkProblem('file:///tmp/x', deny, resolve), null);
  });
});
