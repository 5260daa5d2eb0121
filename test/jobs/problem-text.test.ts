import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest, describeValue, didYouMean, editDistance, quote } from '../../src/jobs/problem-text.ts';

test('editDistance counts swaps as one edit', () => {
  assert.equal(editDistance('where', 'where'), 0);
  assert.equal(editDistance('wehre', 'where'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('closest: case-only differences first, then prefixes, then small edits; nothing far away', () => {
  assert.equal(closest('ClientIp', ['ClientIPClass', 'ClientIP', 'ClientASN']), 'ClientIP');
  assert.equal(closest('gz', ['gzip', 'zstd']), 'gzip');
  assert.equal(closest('EdgeResponseStatu', ['EdgeResponseStatus', 'EdgeResponseBytes']), 'EdgeResponseStatus');
  assert.equal(closest('Banana', ['ClientIP', 'RayID']), undefined);
  assert.equal(closest('x'.repeat(100), ['x'.repeat(99)]), undefined);
  assert.equal(didYouMean('nope', ['ClientIP']), '');
});

test('quote shortens and escapes user text', () => {
  assert.equal(quote('a"b\n'), '"a\\"b\\n"');
  assert.equal(quote('x'.repeat(1000)), `"${'x'.repeat(60)}…"`);
  assert.equal(describeValue([1]), 'an array');
  assert.equal(describeValue({}), 'an object');
  assert.equal(describeValue(3), '3');
});
