// sample_rate: keep each record that passed the filter with probability `rate`, deterministically
// for a given BatchTask.sampleSeed (a rebuilt batch keeps the same records, so re-delivery after
// a crash is recognisable — docs/architecture.md invariant 2).
//
// rate 1 (the default) is decided at compile time: the sampler keeps everything and never
// touches a PRNG.

/** A per-batch sampler: keep() is called once per record that passed the filter, in order. */
export interface Sampler {
  keep(): boolean;
}

/** Creates a batch's sampler from the batch's seed. */
export type SamplerFactory = (seed: number) => Sampler;

const KEEP_ALL: Sampler = { keep: () => true };

export function compileSampler(rate: number): SamplerFactory {
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`sample_rate must be in (0, 1], got ${rate}`);
  if (rate === 1) return () => KEEP_ALL;
  // Compare 32-bit PRNG output with an integer threshold: no float division per record.
  const threshold = Math.round(rate * 2 ** 32);
  return (seed) => {
    let state = seed | 0;
    return {
      // mulberry32: a few integer ops per call, 32 bits of state, uniform enough for sampling.
      keep() {
        state = (state + 0x6d2b79f5) | 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) < threshold;
      },
    };
  };
}
