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

it('trim lets go only of the idle bytes that stayed idle since the previous trim', () => {
  const pool = new SharedBufferPool(16 * 1024 * 1024);
  const mib = 1024 * 1024;
  const held = [pool.take(mib), pool.take(mib), pool.take(mib), pool.take(4 * mib)];
  for (const b of held) pool.give(b);
  assert.equal(pool.trim(), 0, 'the first period started with nothing idle');
  assert.equal(pool.idleBytes, 7 * mib);
  pool.give(pool.take(mib)); // in use at some point: 6 MiB stayed idle
  assert.equal(pool.trim(), 6 * mib, 'the 4 MiB buffer and two of the 1 MiB ones');
  assert.equal(pool.idleBytes, mib);
  const kept = pool.take(mib);
  assert.ok(held.includes(kept), 'the one that was needed is still there');
  pool.give(kept);
  assert.equal(pool.trim(), 0, 'it was taken during the period');
  assert.equal(pool.trim(), mib, 'idle for a whole period');
  assert.equal(pool.idleBytes, 0);
});
