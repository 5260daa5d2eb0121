import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSampler } from '../../workers/sample.ts';

function keptIndices(rate: number, seed: number, n: number): number[] {
  const sampler = compileSampler(rate)(seed);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (sampler.keep()) kept.push(i);
  return kept;
}

describe('sample_rate', () => {
  it('rate 1 keeps everything, and every batch shares one constant sampler (no PRNG)', () => {
    const factory = compileSampler(1);
    assert.equal(factory(1), factory(2));
    assert.equal(keptIndices(1, 5, 1000).length, 1000);
  });

  for (const rate of [0.1, 0.5, 0.01]) {
    it(`rate ${rate} keeps a share within 5 sigma over 100k records, for several seeds`, () => {
      const n = 100_000;
      const sigma = Math.sqrt(n * rate * (1 - rate));
      for (const seed of [1, 2, 12345, -7, 0x7fffffff]) {
        const kept = keptIndices(rate, seed, n).length;
        assert.ok(Math.abs(kept - n * rate) <= 5 * sigma, `seed ${seed}: kept ${kept} of ${n}`);
      }
    });
  }

  it('is deterministic for equal seeds and differs for different seeds', () => {
    assert.deepEqual(keptIndices(0.3, 42, 5000), keptIndices(0.3, 42, 5000));
    assert.notDeepEqual(keptIndices(0.3, 42, 5000), keptIndices(0.3, 43, 5000));
  });

  it('keeps are not clustered: runs of the first and second half have similar rates', () => {
    const kept = keptIndices(0.2, 9, 100_000);
    const firstHalf = kept.filter((i) => i < 50_000).length;
    const sigma = Math.sqrt(50_000 * 0.2 * 0.8);
    assert.ok(Math.abs(firstHalf - 10_000) <= 5 * sigma, `first half kept ${firstHalf}`);
  });

  it('rejects rates outside (0, 1]', () => {
    for (const bad of [0, -0.1, 1.01, Number.NaN]) assert.throws(() => compileSampler(bad), RangeError);
  });
});
