import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tenantReader } from '../../../src/sources/kafka/tenant.ts';

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
