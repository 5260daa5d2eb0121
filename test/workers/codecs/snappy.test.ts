import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import snappy from 'snappy';
import { crc32c, maskCrc32c } from '../../../workers/codecs/crc32c.ts';
import { createSnappyCodec } from '../../../workers/codecs/snappy.ts';
import { MAX_BLOCK_BYTES, STREAM_IDENTIFIER } from '../../../workers/codecs/snappy-frame.ts';
import { unframeSnappy } from '../../../workers/codecs/snappy-unframe.ts';
import { concat, ndjsonSample } from './helpers.ts';

interface Chunk { type: number; body: Uint8Array }

/** Splits a framed stream into chunks, independently of snappy-unframe.ts. */
function chunksOf(stream: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  for (let pos = 0; pos < stream.length;) {
    const length = stream[pos + 1]! | (stream[pos + 2]! << 8) | (stream[pos + 3]! << 16);
    out.push({ type: stream[pos]!, body: stream.subarray(pos + 4, pos + 4 + length) });
    pos += 4 + length;
  }
  return out;
}

describe('snappy codec (framing format)', () => {
  const codec = createSnappyCodec();

  it('writes the stream identifier, ≤64 KiB data chunks with masked CRC-32C, and round-trips', () => {
    const input = ndjsonSample(300_000);
    const stream = codec.compress(input);
    assert.deepEqual(stream.subarray(0, 10), STREAM_IDENTIFIER);
    const chunks = chunksOf(stream);
    assert.equal(chunks[0]!.type, 0xff);
    const data = chunks.slice(1);
    assert.equal(data.length, Math.ceil(input.length / MAX_BLOCK_BYTES));
    let offset = 0;
    for (const chunk of data) {
      assert.equal(chunk.type, 0x00, 'NDJSON compresses, so every chunk is a compressed one');
      const crc = (chunk.body[0]! | (chunk.body[1]! << 8) | (chunk.body[2]! << 16) | (chunk.body[3]! << 24)) >>> 0;
      const block = snappy.uncompressSync(chunk.body.subarray(4)) as Buffer;
      assert.ok(block.length <= MAX_BLOCK_BYTES);
      assert.equal(crc, maskCrc32c(crc32c(block)));
      assert.deepEqual(block, input.subarray(offset, offset + block.length));
      offset += block.length;
    }
    assert.equal(offset, input.length);
    assert.deepEqual(Buffer.from(unframeSnappy(stream)), input);
  });

  it('stores incompressible data in uncompressed chunks', () => {
    // SHA-256 in counter mode: deterministic bytes that no compressor can shrink.
    const random = Buffer.concat(Array.from({ length: 2188 }, (_, i) => createHash('sha256').update(String(i)).digest()))
      .subarray(0, 70_000);
    const stream = codec.compress(random);
    const types = chunksOf(stream).map((c) => c.type);
    assert.deepEqual(types, [0xff, 0x01, 0x01]);
    assert.deepEqual(Buffer.from(unframeSnappy(stream)), random);
  });

  it('concatenated chunks are one valid stream', () => {
    const input = ndjsonSample(200_000);
    const parts = [input.subarray(0, 65_536), input.subarray(65_536, 70_000), input.subarray(70_000)];
    const stream = concat(parts.map((p) => codec.compress(p)));
    assert.deepEqual(Buffer.from(unframeSnappy(stream)), input);
  });

  it('an empty chunk is just the stream identifier', () => {
    assert.deepEqual(codec.compress(new Uint8Array(0)), STREAM_IDENTIFIER);
    assert.equal(unframeSnappy(STREAM_IDENTIFIER).length, 0);
  });

  it('the unframer rejects corruption: bad CRC, missing identifier, reserved chunk, truncation', () => {
    const stream = Buffer.from(codec.compress(ndjsonSample(10_000)));
    const badCrc = Buffer.from(stream);
    badCrc[14]! ^= 0x01;
    assert.throws(() => unframeSnappy(badCrc), { code: 'ERR_SNAPPY_FRAME' });
    assert.throws(() => unframeSnappy(stream.subarray(10)), { code: 'ERR_SNAPPY_FRAME' });
    assert.throws(() => unframeSnappy(Buffer.concat([stream, Buffer.from([0x02, 0, 0, 0])])), { code: 'ERR_SNAPPY_FRAME' });
    assert.throws(() => unframeSnappy(stream.subarray(0, stream.length - 1)), { code: 'ERR_SNAPPY_FRAME' });
    // Padding and reserved skippable chunks are skipped.
    const padded = Buffer.concat([stream, Buffer.from([0xfe, 2, 0, 0, 9, 9, 0x80, 1, 0, 0, 7])]);
    assert.deepEqual(unframeSnappy(padded), unframeSnappy(stream));
  });

  it('has the sz extension', () => {
    assert.equal(codec.extension, 'sz');
  });
});
