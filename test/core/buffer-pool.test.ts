import assert from 'node:assert/strict';
import { it } from 'node:test';
import { freshBuffer, LAZILY_MAPPED_BYTES, SharedBufferPool } from '../../src/core/buffer-pool.ts';

it('hands back the same buffers for the same size class, within its idle limit', () => {
  const pool = new SharedBufferPool(3 * 1024 * 1024);
  const a = pool.take(1_000_000);
  assert.equal(a.buffer.byteLength, 1024 * 1024, 'rounded up to a power of two');
  pool.give(a, 10);
  assert.equal(pool.idleBytes, 1024 * 1024);
  assert.equal(pool.take(600_000), a, 'reused');
  assert.equal(pool.idleBytes, 0);
  const buffers = [pool.take(2 ** 20), pool.take(2 ** 20), pool.take(2 ** 20), pool.take(2 ** 20)];
  for (const b of buffers) pool.give(b, 10);
  assert.equal(pool.idleBytes, 3 * 1024 * 1024, 'the fourth is left to the garbage collector');
  pool.give(freshBuffer(1000), 10);
  assert.equal(pool.idleBytes, 3 * 1024 * 1024, 'odd sizes are not pooled');
});

it('trim lets go only of the idle bytes that stayed idle since the previous trim', () => {
  const pool = new SharedBufferPool(16 * 1024 * 1024);
  const mib = 1024 * 1024;
  const held = [pool.take(mib), pool.take(mib), pool.take(mib), pool.take(4 * mib)];
  for (const b of held) pool.give(b, 0);
  assert.equal(pool.trim(), 0, 'the first period started with nothing idle');
  assert.equal(pool.idleBytes, 7 * mib);
  pool.give(pool.take(mib), 0); // in use at some point: 6 MiB stayed idle
  assert.equal(pool.trim(), 6 * mib, 'the 4 MiB buffer and two of the 1 MiB ones');
  assert.equal(pool.idleBytes, mib);
  const kept = pool.take(mib);
  assert.ok(held.includes(kept), 'the one that was needed is still there');
  pool.give(kept, 0);
  assert.equal(pool.trim(), 0, 'it was taken during the period');
  assert.equal(pool.trim(), mib, 'idle for a whole period');
  assert.equal(pool.idleBytes, 0);
});

it('says what of a buffer is resident: a lazily mapped one only where it was ever written, a smaller one all of it', () => {
  const pool = new SharedBufferPool(4 * LAZILY_MAPPED_BYTES);
  const mapped = pool.take(LAZILY_MAPPED_BYTES);
  assert.equal(mapped.touched, 0, 'nothing written yet: address space only');
  assert.equal(pool.take(1024 * 1024).touched, 1024 * 1024, 'from malloc, zeroed in full');
  pool.give(mapped, 5000);
  const again = pool.take(LAZILY_MAPPED_BYTES);
  assert.equal(again, mapped);
  assert.equal(again.touched, 5000, 'pages an earlier batch wrote stay resident');
  pool.give(again, 100);
  assert.equal(pool.take(LAZILY_MAPPED_BYTES).touched, 5000, 'the most ever written, not the last');
});

it('takes the least written idle buffer of a size', () => {
  const pool = new SharedBufferPool(4 * LAZILY_MAPPED_BYTES);
  const [a, b, c] = [pool.take(LAZILY_MAPPED_BYTES), pool.take(LAZILY_MAPPED_BYTES), pool.take(LAZILY_MAPPED_BYTES)];
  pool.give(a, 3_000_000);
  pool.give(b, 4096);
  pool.give(c, 2_000_000);
  assert.equal(pool.take(LAZILY_MAPPED_BYTES), b);
  assert.equal(pool.take(LAZILY_MAPPED_BYTES), c);
  assert.equal(pool.take(LAZILY_MAPPED_BYTES), a);
});

it('counts idle buffers by what they hold resident, so a budget keeps every lightly written batch buffer for reuse', () => {
  // By size, a 128 MiB budget kept two of these 64 MiB buffers and every other batch got a fresh
  // one, resident until each worker that had seen it collected its handle (commit 7e37ea2).
  const pool = new SharedBufferPool(128 * 1024 * 1024);
  const buffers = Array.from({ length: 50 }, () => pool.take(64 * 1024 * 1024));
  for (const b of buffers) pool.give(b, 1024 * 1024);
  assert.equal(pool.idleBytes, 50 * 1024 * 1024, 'all 50 kept: 1 MiB resident each');
  const again = Array.from({ length: 50 }, () => pool.take(64 * 1024 * 1024));
  assert.deepEqual(new Set(again), new Set(buffers), 'the same buffers again, none fresh');
  for (const b of again) pool.give(b, 4 * 1024 * 1024);
  assert.equal(pool.idleBytes, 32 * 4 * 1024 * 1024, 'written further, only as many as fit the budget stay');
});

it('counts an unwritten buffer as 64 KiB, not as nothing: each is a mapping of its own', () => {
  const pool = new SharedBufferPool(1024 * 1024);
  for (let i = 0; i < 17; i++) pool.give(freshBuffer(64 * 1024 * 1024), 0);
  assert.equal(pool.idleBytes, 1024 * 1024, '16 kept, the 17th left to the garbage collector');
});

it('trim lets go of the most resident idle buffers first', () => {
  const pool = new SharedBufferPool(64 * 1024 * 1024);
  const [light, heavy] = [pool.take(LAZILY_MAPPED_BYTES), pool.take(LAZILY_MAPPED_BYTES)];
  pool.give(light, 1024 * 1024);
  pool.give(heavy, 8 * 1024 * 1024);
  pool.trim(); // starts a period with both idle
  pool.give(pool.take(LAZILY_MAPPED_BYTES), 1024 * 1024); // takes the lighter one: 8 MiB stayed idle
  assert.equal(pool.trim(), 8 * 1024 * 1024);
  assert.equal(pool.take(LAZILY_MAPPED_BYTES), light, 'the heavy one went');
});
