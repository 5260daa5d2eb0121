import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import snappy from 'snappy';
import { compress as zstdCompress } from 'zstd-napi';
import { gzipCodec, lz4Codec, registerKafkaCodecs, snappyCodec, zstdCodec } from '../../../src/sources/kafka/codecs.ts';
import { decodeKafkaSnappy, encodeKafkaSnappy, isXerialFramed, SnappyFramingError } from '../../../src/sources/kafka/xerial-snappy.ts';

/** Compressible but not trivial: JSON-ish lines with random ids. */
function sample(bytes: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const line = `{"RayID":"${randomBytes(8).toString('hex')}","EdgeResponseStatus":${200 + (n % 5)},"ClientIP":"10.0.${n % 255}.1"}\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** A xerial stream built by hand, the way snappy-java's SnappyOutputStream lays it out. */
function handBuiltXerial(blocks: Buffer[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [header];
  for (const raw of blocks) {
    const compressed = snappy.compressSync(raw);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(compressed.length);
    parts.push(length, compressed);
  }
  return Buffer.concat(parts);
}

describe('gzip codec', () => {
  it('decompresses what a gzip producer wrote and round-trips its own output', () => {
    const input = sample(50_000);
    assert.deepEqual(gzipCodec.decompress(gzipSync(input)), input);
    assert.deepEqual(gzipCodec.decompress(gzipCodec.compress({ buffer: input })), input);
  });
  it('is synchronous (returns bytes, not a promise)', () => {
    assert.ok(Buffer.isBuffer(gzipCodec.decompress(gzipSync(Buffer.from('x')))));
  });
});

describe('snappy codec with xerial framing', () => {
  it('decodes a hand-built xerial stream with one block', () => {
    const input = sample(10_000);
    const framed = handBuiltXerial([input]);
    assert.ok(isXerialFramed(framed));
    assert.deepEqual(decodeKafkaSnappy(framed), input);
  });

  it('decodes a hand-built xerial stream with several blocks, in order', () => {
    const blocks = [sample(32 * 1024), sample(32 * 1024), sample(777)];
    assert.deepEqual(decodeKafkaSnappy(handBuiltXerial(blocks)), Buffer.concat(blocks));
  });

  it('decodes plain raw snappy (no framing) as librdkafka-style producers write it', () => {
    const input = sample(20_000);
    const raw = snappy.compressSync(input);
    assert.equal(isXerialFramed(raw), false);
    assert.deepEqual(decodeKafkaSnappy(raw), input);
  });

  it('encodes xerial with blocks of the given size, readable by the decoder', () => {
    const input = sample(100_000);
    const framed = encodeKafkaSnappy(input, 16 * 1024);
    assert.ok(isXerialFramed(framed));
    // 100000 / 16384 → 7 blocks: walk the framing to count them.
    let at = 16;
    let blocks = 0;
    while (at < framed.length) {
      at += 4 + framed.readUInt32BE(at);
      blocks++;
    }
    assert.equal(at, framed.length);
    assert.equal(blocks, 7);
    assert.deepEqual(snappyCodec.decompress(snappyCodec.compress({ buffer: input })), input);
    assert.deepEqual(decodeKafkaSnappy(framed), input);
  });

  it('decodes an empty xerial stream (header only) to nothing', () => {
    assert.equal(decodeKafkaSnappy(handBuiltXerial([])).length, 0);
  });

  it('rejects a truncated xerial stream with a clear error', () => {
    const framed = handBuiltXerial([sample(5000)]);
    assert.throws(() => decodeKafkaSnappy(framed.subarray(0, framed.length - 10)), (e: unknown) => e instanceof SnappyFramingError && /runs past the end/.test(e.message));
    assert.throws(() => decodeKafkaSnappy(framed.subarray(0, 18)), (e: unknown) => e instanceof SnappyFramingError && /truncated block length/.test(e.message));
  });
});

describe('lz4 codec', () => {
  it('round-trips LZ4 frames (magic 04 22 4d 18), as Kafka record batches carry them', () => {
    const input = Buffer.from('{"ClientIP":"10.0.0.1","RayID":"3a6050bcbe121a87"}\n'.repeat(500));
    const frame = lz4Codec.compress({ buffer: input });
    assert.equal(frame.subarray(0, 4).toString('hex'), '04224d18');
    assert.ok(frame.length < input.length / 5);
    assert.deepEqual(lz4Codec.decompress(frame), input);
  });
});

describe('zstd codec', () => {
  it('decompresses a standard zstd frame and round-trips its own output', () => {
    const input = sample(64_000);
    assert.deepEqual(zstdCodec.decompress(zstdCompress(input)), input);
    assert.deepEqual(zstdCodec.decompress(zstdCodec.compress({ buffer: input })), input);
  });
});

describe('registerKafkaCodecs', () => {
  it('installs the native codecs into kafkajs for gzip, snappy and zstd', () => {
    registerKafkaCodecs();
    const { CompressionCodecs, CompressionTypes } = kafkajs;
    assert.equal(CompressionCodecs[CompressionTypes.GZIP](), gzipCodec);
    assert.equal(CompressionCodecs[CompressionTypes.Snappy](), snappyCodec);
    assert.equal(CompressionCodecs[CompressionTypes.ZSTD](), zstdCodec);
    assert.equal(CompressionCodecs[CompressionTypes.LZ4](), lz4Codec);
  });
});
