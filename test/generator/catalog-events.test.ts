import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetScopes, getCatalog, listDatasets, type FieldType } from '../../src/datasets/catalog.ts';
import { createCatalogGenerator, generatedFields } from '../../src/generator/catalog-events.ts';

const NOW = 1_700_000_000_123_456_789n;

/** Whether a parsed JSON value is one a field of this catalog type may hold. */
function fits(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'int': return Number.isInteger(value);
    case 'float': return typeof value === 'number';
    case 'bool': return typeof value === 'boolean';
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array[string]': return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'array[int]': return Array.isArray(value) && value.every((v) => Number.isInteger(v));
    case 'array[object]': return Array.isArray(value) && value.every((v) => v !== null && typeof v === 'object');
    case 'int or string': return typeof value === 'number' || typeof value === 'string';
  }
}

describe('createCatalogGenerator', () => {
  it('emits every field of every catalog of each dataset, each a value of its catalog type', () => {
    for (const dataset of listDatasets()) {
      const generator = createCatalogGenerator({ dataset, seed: 7, clock: () => NOW, tenants: ['t1', 't2'] });
      for (let i = 0; i < 20; i++) {
        const event = generator.next();
        assert.ok(['t1', 't2'].includes(event.tenant));
        const record = JSON.parse(event.json) as Record<string, unknown>;
        for (const scope of datasetScopes(dataset)) {
          for (const field of getCatalog(dataset, scope)!.fields) {
            assert.ok(Object.hasOwn(record, field.name), `${dataset}: ${field.name} missing`);
            assert.ok(fits(field.type, record[field.name]), `${dataset}.${field.name}: ${JSON.stringify(record[field.name])} is no ${field.type}`);
          }
        }
      }
    }
  });

  it('writes timestamps as the clock\'s unixnano integer, digit for digit', () => {
    const json = createCatalogGenerator({ dataset: 'dns_logs', seed: 1, clock: () => NOW }).next().json;
    assert.ok(json.includes(`"Timestamp":${NOW}`), json);
  });

  it('is deterministic for a seed and varies with it', () => {
    const run = (seed: number) => {
      const generator = createCatalogGenerator({ dataset: 'gateway_http', seed, clock: () => NOW });
      return Array.from({ length: 50 }, () => generator.next().json);
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  });

  it('takes the fields of both scopes of a two-scope dataset once each', () => {
    const names = generatedFields('websocket_analytics').map((f) => f.name);
    assert.ok(names.includes('EdgeStartTimestamp') && names.includes('timestampStartNanos'));
    assert.equal(new Set(names).size, names.length);
    assert.throws(() => createCatalogGenerator({ dataset: 'nope', seed: 1 }), /no catalog for dataset "nope"/);
  });
});
