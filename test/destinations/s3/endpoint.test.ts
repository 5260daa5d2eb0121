// parseEndpoint is what both the S3 settings and the API's network check read an endpoint with:
// one answer per value, scheme or not.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destinationHost } from '../../../src/destinations/net/destination-hosts.ts';
import { s3ConfigFrom } from '../../../src/destinations/s3/config.ts';
import { parseEndpoint } from '../../../src/destinations/s3/endpoint.ts';

const KEYS = 'access-key-id=AKIAEXAMPLE&secret-access-key=very-secret-value';

describe('parseEndpoint', () => {
  it('takes host[:port] without a scheme as https', () => {
    const table: Array<[string, string]> = [
      ['sfo2.digitaloceanspaces.com', 'https://sfo2.digitaloceanspaces.com'],
      ['minio.internal:9000', 'https://minio.internal:9000'],
      ['localhost:9000', 'https://localhost:9000'],
      ['10.0.0.5:9000/', 'https://10.0.0.5:9000'],
      ['[::1]:9000', 'https://[::1]:9000'],
      ['http://127.0.0.1:9000', 'http://127.0.0.1:9000'],
      ['HTTPS://Minio.Example.com', 'https://minio.example.com'],
    ];
    for (const [value, origin] of table) {
      const parsed = parseEndpoint(value);
      assert.ok(parsed.ok, value);
      assert.equal(parsed.url.origin, origin, value);
    }
  });

  it('refuses what is not [scheme://]host[:port]', () => {
    for (const value of ['', 'ftp://h', 'h:port', 'h/bucket', 'u:pw@h:9000', 'https://h?x=1', 'not a url']) {
      assert.equal(parseEndpoint(value).ok, false, value);
    }
  });

  it('gives the S3 settings and the network check the same host', () => {
    for (const endpoint of ['sfo2.digitaloceanspaces.com', 'minio.internal:9000', 'https://store.example:8443', 'http://127.0.0.1:9000']) {
      const conf = `s3://bucket/p?endpoint=${encodeURIComponent(endpoint)}&${KEYS}`;
      assert.equal(new URL(s3ConfigFrom(conf).endpoint!).hostname, destinationHost(conf), endpoint);
    }
  });
});
