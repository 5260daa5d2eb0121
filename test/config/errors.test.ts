import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, isConfigError } from '../../src/config/errors.ts';

test('ConfigError: one summary line, every problem in report()', () => {
  const error = new ConfigError('config.yaml', [
    { path: '$.a', message: 'bad a' },
    { path: '$.b', message: 'bad b' },
    { path: '$.c', message: 'bad c' },
  ]);
  assert.equal(error.message, 'config.yaml: 3 problems');
  assert.equal(error.code, 'ERR_CONFIG');
  assert.equal(error.report(), 'config.yaml: 3 problems\n  $.a: bad a\n  $.b: bad b\n  $.c: bad c');
  assert.equal(new ConfigError('x', [{ path: '$', message: 'm' }]).message, 'x: 1 problem');
});

test('isConfigError matches by code (survives structured clone)', () => {
  const error = new ConfigError('x', [{ path: '$', message: 'm' }]);
  assert.ok(isConfigError(error));
  const cloned = structuredClone(error);
  assert.ok(!(cloned instanceof ConfigError));
  assert.equal(isConfigError(Object.assign(new Error('x'), { code: 'ERR_CONFIG' })), true);
  assert.equal(isConfigError(new Error('x')), false);
});
