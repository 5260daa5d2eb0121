import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createGzipCodec } from '../../../workers/codecs/gzip.ts';
import { concat, ndjsonSample, systemDecode } from './helpers.ts';

describe('gzip codec', () => {
  it('round-trips through the system gzip -d', () => {
    const codec = createGzipCodec();
    const input = ndjsonSample(300_000);
    const compressed = codec.compress(input);
    assert.ok(compressed.length < input.length / 4, `ratio ${input.length / compressed.length}`);
    assert.deepEqual(systemDecode('gzip', compressed), input);
  });

  it('concatenated chunks (gzip members) are one valid file for gzip -d', () => {
    const codec = createGzipCodec(1);
    const input = ndjsonSample(500_000);
    const parts = [input.subarray(0, 100_000), input.subarray(100_000, 100_001), input.subarray(100_001)];
    const file = concat(parts.map((p) => codec.compress(p)));
    assert.deepEqual(systemDecode('gzip', file), input);
    assert.deepEqual(gunzipSync(file), input);
  });

  it('has the gz extension and gzip content-encoding, and rejects bad levels', () => {
    const codec = createGzipCodec();
    assert.equal(codec.extension, 'gz');
    assert.equal(codec.contentEncoding, 'gzip');
    assert.throws(() => createGzipCodec(0), { code: 'ERR_CODEC' });
    assert.throws(() => createGzipCodec(10), { code: 'ERR_CODEC' });
  });

  it('does not alias its input (the caller reuses a scratch buffer)', () => {
    const codec = createGzipCodec();
    const input = Buffer.from('abc'.repeat(1000));
    const out = codec.compress(input);
    input.fill(0);
    assert.equal(systemDecode('gzip', out).toString(), 'abc'.repeat(1000));
  });
});
