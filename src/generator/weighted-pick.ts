// O(1) weighted choice for the generator's hot path.
// A 65,536-entry lookup table indexed by the top 16 bits of one PRNG draw replaces a binary
// search over cumulative weights: one array read per pick. The cost is resolution — an item
// whose weight is below 1/65,536 of the total may never be picked — which is irrelevant for
// pools of at most a few hundred values.

import type { Prng } from './prng.ts';

const TABLE_BITS = 16;
const TABLE_SIZE = 1 << TABLE_BITS;

/** Picks an index in [0, weights.length) with probability proportional to its weight. */
export type WeightedPick = () => number;

export function createWeightedPick(rng: Prng, weights: readonly number[]): WeightedPick {
  if (weights.length === 0) throw new RangeError('createWeightedPick: no weights');
  if (weights.length > 0xffff) throw new RangeError('createWeightedPick: at most 65535 items');
  const table = buildTable(weights);
  if (weights.length === 1) return () => 0;
  return () => table[rng() >>> (32 - TABLE_BITS)]!;
}

function buildTable(weights: readonly number[]): Uint16Array {
  let total = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError('createWeightedPick: weights must be finite and >= 0');
    total += w;
  }
  if (total <= 0) throw new RangeError('createWeightedPick: weights sum to 0');
  const table = new Uint16Array(TABLE_SIZE);
  let item = 0;
  let cumulative = weights[0]! / total;
  for (let slot = 0; slot < TABLE_SIZE; slot++) {
    const u = (slot + 0.5) / TABLE_SIZE;
    while (u >= cumulative && item < weights.length - 1) {
      item++;
      cumulative += weights[item]! / total;
    }
    table[slot] = item;
  }
  return table;
}

/** Zipf-like weights 1/(rank+1)^exponent: a few very popular values and a long tail. */
export function zipfWeights(count: number, exponent: number): number[] {
  const weights = new Array<number>(count);
  for (let i = 0; i < count; i++) weights[i] = 1 / Math.pow(i + 1, exponent);
  return weights;
}
