// The container overrides (src/config/deployment-env.ts) through parseConfig, as the CLI applies
// them: listen addresses and the shutdown deadline from the environment, bad values reported at
// the config path they land on.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { isConfigError } from '../../src/config/errors.ts';
import { DEFAULT_SHUTDOWN_DEADLINE_SECONDS } from '../../src/config/schema.ts';

const BASE = { sources: [{ type: 'generator' }] };

function problems(raw: unknown, env: Record<string, string>): string[] {
  try {
    parseConfig(raw, 'test', env);
  } catch (error) {
    if (isConfigError(error)) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('deployment environment overrides', () => {
  it('without variables: no telemetry listener, the default shutdown deadline', () => {
    const config = parseConfig(BASE, 'test', {});
    assert.equal(config.telemetry, undefined);
    assert.deepEqual(config.shutdown, { deadline_seconds: DEFAULT_SHUTDOWN_DEADLINE_SECONDS });
  });

  it('SLUICE_TELEMETRY_LISTEN opens the ops listener on that address, also without a telemetry: section', () => {
    const config = parseConfig(BASE, 'test', { SLUICE_TELEMETRY_LISTEN: '0.0.0.0:9464' });
    assert.deepEqual(config.telemetry, { listen: '0.0.0.0:9464', default_metrics: true });
    const kept = parseConfig({ ...BASE, telemetry: { listen: '127.0.0.1:1', default_metrics: false } }, 'test', { SLUICE_TELEMETRY_LISTEN: '[::]:9464' });
    assert.deepEqual(kept.telemetry, { listen: '[::]:9464', default_metrics: false });
  });

  it('SLUICE_API_LISTEN moves the admin API of a config with api:, and is refused without one', () => {
    const config = parseConfig({ ...BASE, api: { max_jobs_per_zone: 2 } }, 'test', { SLUICE_API_LISTEN: '0.0.0.0:8787' });
    assert.equal(config.api?.listen, '0.0.0.0:8787');
    assert.equal(config.api?.max_jobs_per_zone, 2);
    assert.deepEqual(problems(BASE, { SLUICE_API_LISTEN: '0.0.0.0:8787' }), ['$.api: env SLUICE_API_LISTEN is set, but the config has no api: section (add one to serve the admin API, or unset the variable)']);
  });

  it('a bad listen address from the environment is reported at its config path', () => {
    assert.deepEqual(problems(BASE, { SLUICE_TELEMETRY_LISTEN: '9464' }), ['$.telemetry.listen: must be host:port (e.g. 127.0.0.1:8787), got "9464"']);
  });

  it('SLUICE_SHUTDOWN_DEADLINE_SECONDS overrides shutdown.deadline_seconds; text or out of range is refused', () => {
    const config = parseConfig({ ...BASE, shutdown: { deadline_seconds: 600 } }, 'test', { SLUICE_SHUTDOWN_DEADLINE_SECONDS: '45.5' });
    assert.deepEqual(config.shutdown, { deadline_seconds: 45.5 });
    assert.deepEqual(problems(BASE, { SLUICE_SHUTDOWN_DEADLINE_SECONDS: '45s' }), ['$.shutdown.deadline_seconds: env SLUICE_SHUTDOWN_DEADLINE_SECONDS must be a number of seconds, got "45s"']);
    assert.equal(problems(BASE, { SLUICE_SHUTDOWN_DEADLINE_SECONDS: '0' }).length, 1);
    assert.equal(problems({ ...BASE, shutdown: { deadline_seconds: 7200 } }, {}).length, 1);
  });

  it('empty variables count as unset', () => {
    const config = parseConfig(BASE, 'test', { SLUICE_API_LISTEN: '', SLUICE_TELEMETRY_LISTEN: ' ', SLUICE_SHUTDOWN_DEADLINE_SECONDS: '' });
    assert.equal(config.telemetry, undefined);
  });
});
