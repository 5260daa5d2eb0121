// A small seeded pseudo-random generator (mulberry32).
// Why not Math.random: the generator must replay the same event sequence for the same seed
// (tests, reproducible benchmarks). mulberry32 has 32 bits of state, passes the usual
// statistical smoke tests well enough for synthetic logs, and costs a few ns per call.

/** Returns a uniformly distributed unsigned 32-bit integer on every call. */
export type Prng = () => number;

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

/** An integer in [0, n) from one PRNG draw. */
export function below(rng: Prng, n: number): number {
  return Math.floor((rng() / TWO_POW_32) * n);
}

/** An integer in [lo, hi] (inclusive) from one PRNG draw. */
export function between(rng: Prng, lo: number, hi: number): number {
  return lo + Math.floor((rng() / TWO_POW_32) * (hi - lo + 1));
}

/** A float in [0, 1) from one PRNG draw. */
export function unit(rng: Prng): number {
  return rng() / TWO_POW_32;
}
