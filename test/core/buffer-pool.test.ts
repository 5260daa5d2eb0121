import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SharedBufferPool } from '../../src/core/buffer-pool.ts';

it('hands back the same buffers for the same size class, within its idle limit', () => {
  const pool = new SharedBufferPool(3 * 1024 * 1024);
  const a = pool.take(1_000_000);
  assert.equal(a.byteLength, 1024 * 1024, 'rounded up to a power of two');
  pool.give(a);
  assert.equal(pool.idleBytes, 1024 * 1024);
  assert.equal(pool.take(600_000), a, 'reused');
  assert.equal(pool.idleBytes, 0);
  const buffers = [pool.take(2 ** 20), pool.take(2 ** 20), pool.take(2 ** 20), pool.take(2 ** 20)];
  for (const b of buffers) pool.give(b);
  assert.equal(pool.idleBytes, 3 * 1024 * 1024, 'the fourth is left to the garbage collector');
  pool.give(new SharedArrayBuffer(1000));
  assert.equal(pool.idleBytes, 3 * 1024 * 1024, 'odd sizes are not pooled');
});
