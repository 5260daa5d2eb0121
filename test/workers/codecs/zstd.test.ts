import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZstdCodec } from '../../../workers/codecs/zstd.ts';
import { concat, ndjsonSample, systemDecode } from './helpers.ts';

describe('zstd codec', () => {
  it('round-trips through the system zstd -d', () => {
    const codec = createZstdCodec();
    const input = ndjsonSample(300_000);
    const compressed = codec.compress(input);
    assert.ok(compressed.length < input.length / 4, `ratio ${input.length / compressed.length}`);
    assert.deepEqual(systemDecode('zstd', compressed), input);
  });

  it('concatenated chunks (frames) from one reused compressor are one valid file for zstd -d', () => {
    const codec = createZstdCodec();
    const input = ndjsonSample(600_000);
    const cuts = [0, 150_000, 150_001, 400_000, input.length];
    const chunks = cuts.slice(1).map((end, i) => codec.compress(input.subarray(cuts[i], end)));
    assert.deepEqual(systemDecode('zstd', concat(chunks)), input);
  });

  it('has the zst extension, zstd content-encoding, and rejects bad levels', () => {
    const codec = createZstdCodec();
    assert.equal(codec.extension, 'zst');
    assert.equal(codec.contentEncoding, 'zstd');
    assert.throws(() => createZstdCodec(0), { code: 'ERR_CODEC' });
    assert.throws(() => createZstdCodec(2.5), { code: 'ERR_CODEC' });
  });

  it('does not alias its input', () => {
    const codec = createZstdCodec();
    const input = Buffer.from('xyz'.repeat(100));
    const out = codec.compress(input);
    input.fill(0);
    assert.equal(systemDecode('zstd', out).toString(), 'xyz'.repeat(100));
  });
});
