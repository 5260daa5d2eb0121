// Events for a dataset that has no hand-written generator (every dataset but http_requests):
// one JSON object per event with every field of the dataset's catalogs, each a value of the
// field's catalog type. Good enough to run a job of any dataset end to end (field_names, filters,
// every output type, object names by event time); not realistic data.
//
// - "int or string" fields are timestamps and are written as unixnano integers, the form sources
//   deliver them in; the job's timestamp_format converts them.
// - Values come from a few per field ("<Field>-3", small ints), so filters with eq/in match some
//   events and not others, and compressors see repetition.
// - A dataset documented for both scopes (firewall_events, websocket_analytics) gets the fields of
//   both catalogs, so jobs of either scope find theirs.

import { datasetScopes, getCatalog, type CatalogField } from '../datasets/catalog.ts';
import { DEFAULT_TENANTS, wallClockNs, type GeneratedEvent, type HttpRequestsGenerator } from './http-requests.ts';
import { below, createPrng, unit, type Prng } from './prng.ts';
import { createWeightedPick, zipfWeights } from './weighted-pick.ts';

export interface CatalogGeneratorOptions {
  dataset: string;
  seed: number;
  /** Zone or account ids to spread events over, busiest first. Default: DEFAULT_TENANTS. */
  tenants?: readonly string[];
  /** Current time in nanoseconds since the epoch. Default: wall clock. */
  clock?: () => bigint;
}

/** Distinct values a string-like field takes. */
const VALUES_PER_FIELD = 8;

/** The fields of every catalog of `dataset`, each name once (the first scope's type wins). */
export function generatedFields(dataset: string): CatalogField[] {
  const byName = new Map<string, CatalogField>();
  for (const scope of datasetScopes(dataset)) {
    for (const field of getCatalog(dataset, scope)!.fields) if (!byName.has(field.name)) byName.set(field.name, field);
  }
  return [...byName.values()];
}

/** Writes one field's value as JSON; `now` is the event time in unixnano. */
type ValueWriter = (rng: Prng, now: bigint) => string;

function writerFor(field: CatalogField): ValueWriter {
  const word = (rng: Prng) => JSON.stringify(`${field.name}-${below(rng, VALUES_PER_FIELD)}`);
  switch (field.type) {
    case 'string': return word;
    case 'int': return (rng) => String(below(rng, 1000));
    case 'float': return (rng) => String(Math.round(unit(rng) * 1000) / 1000);
    case 'bool': return (rng) => (below(rng, 2) === 1 ? 'true' : 'false');
    case 'int or string': return (_rng, now) => now.toString();
    case 'object': return (rng) => `{"key":${word(rng)}}`;
    case 'array[string]': return (rng) => `[${Array.from({ length: below(rng, 3) }, () => word(rng)).join(',')}]`;
    case 'array[int]': return (rng) => `[${Array.from({ length: below(rng, 3) }, () => below(rng, 1000)).join(',')}]`;
    case 'array[object]': return (rng) => `[${Array.from({ length: below(rng, 3) }, () => `{"name":${word(rng)}}`).join(',')}]`;
  }
}

export function createCatalogGenerator(options: CatalogGeneratorOptions): HttpRequestsGenerator {
  const fields = generatedFields(options.dataset);
  if (fields.length === 0) throw new RangeError(`createCatalogGenerator: no catalog for dataset "${options.dataset}"`);
  const tenants = options.tenants ?? DEFAULT_TENANTS;
  if (tenants.length === 0) throw new RangeError('createCatalogGenerator: tenants must not be empty');
  const clock = options.clock ?? wallClockNs();
  const rng = createPrng(options.seed);
  const pickTenant = createWeightedPick(rng, zipfWeights(tenants.length, 2));
  const parts = fields.map((field, index) => ({ key: `${index === 0 ? '{' : ','}${JSON.stringify(field.name)}:`, write: writerFor(field) }));
  return {
    next(): GeneratedEvent {
      const tenant = tenants[pickTenant()]!;
      const now = clock();
      let json = '';
      for (const part of parts) json += part.key + part.write(rng, now);
      return { tenant, json: `${json}}` };
    },
  };
}
