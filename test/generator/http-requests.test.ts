import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compress } from 'zstd-napi';
import { createHttpRequestsGenerator, DEFAULT_TENANTS, DEFAULT_ZONE_NAMES } from '../../src/generator/http-requests.ts';

interface CatalogField { name: string; type: string; deprecated?: boolean }
const catalog = JSON.parse(readFileSync(new URL('../../src/datasets/catalogs/zone/http_requests.json', import.meta.url), 'utf8')) as {
  fields: CatalogField[];
  default_fields: string[];
  timestamp_fields: string[];
};
const TYPES = new Map(catalog.fields.map((f) => [f.name, f]));
const FIXED_NS = 1_700_000_000_123_456_789n;
const fixedClock = () => FIXED_NS;

function take(seed: number, count: number, clock?: () => bigint) {
  const generator = createHttpRequestsGenerator({ seed, ...(clock ? { clock } : {}) });
  return Array.from({ length: count }, () => generator.next());
}

function hasCatalogType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'int': return Number.isInteger(value);
    case 'float': return typeof value === 'number' && Number.isFinite(value);
    case 'bool': return typeof value === 'boolean';
    case 'array[string]': return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'array[int]': return Array.isArray(value) && value.every((v) => Number.isInteger(v));
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'int or string': return Number.isInteger(value) || typeof value === 'string';
    default: throw new Error(`unknown catalog type ${type}`);
  }
}

/** The raw JSON text of a top-level numeric field (JSON.parse would round it). */
function rawNumber(json: string, field: string): string {
  const match = new RegExp(`"${field}":(-?\\d+)[,}]`).exec(json);
  assert.ok(match, `${field} missing or not an integer in ${json.slice(0, 80)}…`);
  return match[1]!;
}

describe('http_requests generator', () => {
  it('replays the same events for the same seed and a fixed clock', () => {
    const a = take(42, 3000, fixedClock);
    const b = take(42, 3000, fixedClock);
    assert.deepEqual(a, b);
    const c = take(43, 3000, fixedClock);
    assert.notDeepEqual(a.map((e) => e.json), c.map((e) => e.json));
  });

  it('emits valid JSON whose fields are all catalog fields with the catalog JSON type', () => {
    const seen = new Set<string>();
    for (const { json } of take(7, 5000)) {
      const event = JSON.parse(json) as Record<string, unknown>;
      for (const [name, value] of Object.entries(event)) {
        const field = TYPES.get(name);
        assert.ok(field, `${name} is not in the http_requests catalog`);
        assert.ok(!field.deprecated, `${name} is deprecated`);
        assert.ok(hasCatalogType(value, field.type), `${name}=${JSON.stringify(value)} is not ${field.type}`);
        seen.add(name);
      }
    }
    // The brief's required set, the catalog's default_fields, and every JSON shape the catalog has.
    const required = [
      ...catalog.default_fields, 'ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'ClientRequestUserAgent',
      'EdgeResponseStatus', 'EdgeStartTimestamp', 'EdgeEndTimestamp', 'RayID', 'ZoneName', 'CacheCacheStatus', 'ClientCountry',
      'ClientASN', 'BotScore', 'SecurityAction', 'WAFAttackScore', 'OriginResponseStatus', 'EdgeResponseBytes', 'ClientRequestBytes',
      'BotTags', 'BotDetectionIDs', 'RequestHeaders', 'ResponseHeaders',
    ];
    for (const name of required) assert.ok(seen.has(name), `${name} is never emitted`);
    const types = new Set([...seen].map((name) => TYPES.get(name)!.type));
    for (const type of ['string', 'int', 'float', 'bool', 'array[string]', 'array[int]', 'object', 'int or string']) {
      assert.ok(types.has(type), `no field of type ${type}`);
    }
  });

  it('averages 1.0–1.5 KB per event (UTF-8) for several seeds', () => {
    for (const seed of [1, 2, 3, 99, 12345]) {
      const events = take(seed, 4000);
      const mean = events.reduce((sum, e) => sum + Buffer.byteLength(e.json), 0) / events.length;
      assert.ok(mean >= 1000 && mean <= 1500, `seed ${seed}: mean ${mean.toFixed(0)} bytes`);
    }
  });

  it('writes 19-digit unixnano timestamps near now that a double cannot hold exactly', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const events = take(5, 2000);
    const after = BigInt(Date.now()) * 1_000_000n;
    let inexact = 0;
    for (const { json } of events) {
      const start = rawNumber(json, 'EdgeStartTimestamp');
      const end = rawNumber(json, 'EdgeEndTimestamp');
      assert.match(start, /^\d{19}$/);
      assert.match(end, /^\d{19}$/);
      assert.ok(BigInt(start) >= before - 1_000_000_000n && BigInt(start) <= after + 1_000_000_000n, `start ${start} is not about now`);
      assert.ok(BigInt(end) > BigInt(start), 'end after start');
      assert.ok(BigInt(end) - BigInt(start) < 5_000_000_000n, 'a request lasts less than 5 s');
      if (String(Number(start)) !== start) inexact++;
      if (String(Number(end)) !== end) inexact++;
    }
    assert.ok(inexact > events.length * 2 * 0.9, `only ${inexact} of ${events.length * 2} timestamps lose digits as doubles`);
  });

  it('uses the given clock for EdgeStartTimestamp', () => {
    for (const { json } of take(1, 100, fixedClock)) assert.equal(rawNumber(json, 'EdgeStartTimestamp'), String(FIXED_NS));
  });

  it('spreads events over the default tenants with one big zone, each with one ZoneName', () => {
    const counts = new Map<string, number>();
    const zoneNames = new Map<string, Set<string>>();
    const events = take(11, 20000, fixedClock);
    for (const { tenant, json } of events) {
      counts.set(tenant, (counts.get(tenant) ?? 0) + 1);
      const name = (JSON.parse(json) as { ZoneName: string }).ZoneName;
      zoneNames.set(tenant, (zoneNames.get(tenant) ?? new Set()).add(name));
    }
    assert.deepEqual([...counts.keys()].sort(), [...DEFAULT_TENANTS].sort());
    const share = (t: string) => counts.get(t)! / events.length;
    assert.ok(share(DEFAULT_TENANTS[0]!) > 0.55, `biggest zone has ${share(DEFAULT_TENANTS[0]!)}`);
    for (const t of DEFAULT_TENANTS.slice(1)) assert.ok(share(t) < 0.25 && share(t) > 0.01, `${t} has ${share(t)}`);
    DEFAULT_TENANTS.forEach((t, i) => assert.deepEqual([...zoneNames.get(t)!], [DEFAULT_ZONE_NAMES[i]]));
    for (const t of DEFAULT_TENANTS) assert.match(t, /^[0-9a-f]{32}$/);
  });

  it('uses only the given tenants, with a stable name per tenant', () => {
    const tenants = ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'];
    const generator = createHttpRequestsGenerator({ seed: 3, tenants, clock: fixedClock });
    const names = new Map<string, Set<string>>();
    for (let i = 0; i < 2000; i++) {
      const { tenant, json } = generator.next();
      assert.ok(tenants.includes(tenant));
      names.set(tenant, (names.get(tenant) ?? new Set()).add((JSON.parse(json) as { ZoneName: string }).ZoneName));
    }
    assert.deepEqual([...names.get(tenants[0]!)!], ['zone1.example.com']);
    assert.deepEqual([...names.get(tenants[1]!)!], ['zone2.example.com']);
  });

  it('repeats values with skewed popularity and sometimes needs JSON escapes', () => {
    const ips = new Map<string, number>();
    const rayIds = new Set<string>();
    let escaped = 0;
    const events = take(8, 20000, fixedClock);
    for (const { json } of events) {
      const e = JSON.parse(json) as { ClientIP: string; RayID: string; ClientRequestUserAgent: string; ClientRequestURI: string };
      ips.set(e.ClientIP, (ips.get(e.ClientIP) ?? 0) + 1);
      assert.match(e.RayID, /^[0-9a-f]{16}$/);
      rayIds.add(e.RayID);
      if (/["\\]/.test(e.ClientRequestUserAgent + e.ClientRequestURI)) escaped++;
    }
    assert.ok(ips.size >= 100 && ips.size <= 1000, `${ips.size} distinct client IPs`);
    const top = Math.max(...ips.values());
    assert.ok(top > (events.length / ips.size) * 5, 'the busiest client is far above the mean (skew)');
    assert.equal(rayIds.size, events.length, 'RayIDs are unique');
    assert.ok(escaped > 0 && escaped < events.length * 0.1, `${escaped} events need escapes`);
  });

  it('compresses like real logs: zstd-3 ratio 5–10 on a 10-field selection', () => {
    const fields = [...catalog.default_fields, 'ClientCountry'];
    const lines = take(21, 20000).map(({ json }) => {
      const event = JSON.parse(json) as Record<string, unknown>;
      return '{' + fields.map((f) => {
        // Keep timestamps exact (JSON.parse rounds them), as the real selector does.
        const value = catalog.timestamp_fields.includes(f) ? rawNumber(json, f) : JSON.stringify(event[f]);
        return `${JSON.stringify(f)}:${value}`;
      }).join(',') + '}';
    });
    const ndjson = Buffer.from(lines.join('\n') + '\n');
    const ratio = ndjson.length / compress(ndjson, { compressionLevel: 3 }).length;
    assert.ok(ratio >= 5 && ratio <= 10, `ratio ${ratio.toFixed(2)}`);
  });
});
