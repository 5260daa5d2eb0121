// Config `api.tls`: both files required, min_version TLSv1.2 by default, nothing else accepted;
// without the section the admin API stays plain HTTP.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Problem } from '../../src/jobs/types.ts';

const withApi = (api: Record<string, unknown>) => ({ sources: [{ type: 'generator' }], api });

function problems(api: Record<string, unknown>): Problem[] {
  try {
    parseConfig(withApi(api), 'config.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  return assert.fail('expected a ConfigError');
}

describe('config api.tls', () => {
  it('is absent unless given (plain HTTP)', () => {
    assert.equal(parseConfig(withApi({}), 'config.yaml').api?.tls, undefined);
  });

  it('takes the two files and defaults min_version to TLSv1.2', () => {
    const config = parseConfig(withApi({ tls: { cert_file: 'api.crt', key_file: 'api.key' } }), 'config.yaml');
    assert.deepEqual(config.api?.tls, { cert_file: 'api.crt', key_file: 'api.key', min_version: 'TLSv1.2' });
    const strict = parseConfig(withApi({ tls: { cert_file: 'api.crt', key_file: 'api.key', min_version: 'TLSv1.3' } }), 'config.yaml');
    assert.equal(strict.api?.tls?.min_version, 'TLSv1.3');
  });

  it('needs both files, each a non-empty path', () => {
    assert.deepEqual(problems({ tls: { cert_file: 'api.crt' } }).map((p) => p.path), ['$.api.tls.key_file']);
    assert.deepEqual(problems({ tls: { key_file: 'api.key' } }).map((p) => p.path), ['$.api.tls.cert_file']);
    assert.deepEqual(problems({ tls: { cert_file: '', key_file: 'api.key' } }).map((p) => p.path), ['$.api.tls.cert_file']);
  });

  it('refuses TLS versions older than 1.2 and unknown fields', () => {
    const old = problems({ tls: { cert_file: 'a', key_file: 'b', min_version: 'TLSv1.1' } });
    assert.deepEqual(old.map((p) => p.path), ['$.api.tls.min_version']);
    assert.match(old[0]!.message, /TLSv1\.2.*TLSv1\.3/);
    const unknown = problems({ tls: { cert_file: 'a', key_file: 'b', ca_file: 'c' } });
    assert.equal(unknown.length, 1);
    assert.match(`${unknown[0]!.path} ${unknown[0]!.message}`, /ca_file/);
  });
});
