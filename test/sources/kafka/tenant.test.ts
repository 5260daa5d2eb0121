import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TenantIdCache, tenantReader } from '../../../src/sources/kafka/tenant.ts';

describe('tenantReader', () => {
  it('reads the record key', () => {
    const read = tenantReader({ key: true });
    assert.equal(read({ key: Buffer.from('023e105f4ecef8ad9ca31a8372d0c353') }), '023e105f4ecef8ad9ca31a8372d0c353');
  });

  it('gives "" for a record without a key', () => {
    const read = tenantReader({ key: true });
    assert.equal(read({ key: null }), '');
    assert.equal(read({}), '');
  });

  it('reads a named header (Buffer, string or the first of repeated values)', () => {
    const read = tenantReader({ header: 'zone' });
    assert.equal(read({ key: Buffer.from('ignored'), headers: { zone: Buffer.from('zone-a') } }), 'zone-a');
    assert.equal(read({ headers: { zone: 'zone-b' } }), 'zone-b');
    assert.equal(read({ headers: { zone: [Buffer.from('zone-c'), 'zone-d'] } }), 'zone-c');
  });

  it('gives "" when the header is missing, even if there is a key', () => {
    const read = tenantReader({ header: 'zone' });
    assert.equal(read({ key: Buffer.from('k'), headers: { other: 'x' } }), '');
    assert.equal(read({ key: Buffer.from('k') }), '');
  });

  it('decodes UTF-8', () => {
    assert.equal(tenantReader({ key: true })({ key: Buffer.from('zoné') }), 'zoné');
  });
});

describe('TenantIdCache', () => {
  it('returns the same string for equal bytes, and never confuses different ids', () => {
    const cache = new TenantIdCache();
    // Ids chosen to share length, first, middle and last byte, so they fall into one slot.
    const a = 'a0000000000000000000000000000000z';
    const b = 'a0000100000000000000000000000000z';
    const fromA = cache.text(Buffer.from(a));
    assert.equal(fromA, a);
    assert.equal(cache.text(Buffer.from(a)), fromA);
    assert.equal(cache.text(Buffer.from(b)), b, 'a colliding id is compared byte by byte');
    assert.equal(cache.text(Buffer.from(a)), a);
    assert.equal(cache.text(Buffer.from(a.slice(0, -1))), a.slice(0, -1), 'a prefix is another id');
  });

  it('keeps a copy, not the view into the fetch response', () => {
    const cache = new TenantIdCache();
    const response = Buffer.from('xxzone-1yy');
    assert.equal(cache.text(response.subarray(2, 8)), 'zone-1');
    response.write('ZONE-9', 2); // kafkajs reuses nothing, but a kept view would now read ZONE-9
    assert.equal(cache.text(Buffer.from('zone-1')), 'zone-1');
    assert.equal(cache.text(response.subarray(2, 8)), 'ZONE-9');
  });

  it('decodes long values without caching them', () => {
    const cache = new TenantIdCache();
    const long = 'z'.repeat(200);
    assert.equal(cache.text(Buffer.from(long)), long);
    assert.equal(cache.text(Buffer.from('')), '');
  });
});
