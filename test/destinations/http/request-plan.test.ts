import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { requestBodies, uncompressedSize, type RequestBody } from '../../../src/destinations/http/request-plan.ts';

async function plan(chunks: Uint8Array[], compression: 'gzip' | 'none', max: number): Promise<RequestBody[]> {
  const out: RequestBody[] = [];
  for await (const body of requestBodies(ChunkStream.of(chunks), compression, max)) out.push(body);
  return out;
}

describe('uncompressedSize', () => {
  it('reads the gzip trailer, or the length of plain bytes', () => {
    const text = 'y'.repeat(123_457);
    assert.equal(uncompressedSize(gzipSync(text), 'gzip'), 123_457);
    assert.equal(uncompressedSize(Buffer.from(text), 'none'), 123_457);
  });
});

describe('requestBodies', () => {
  it('groups whole gzip chunks up to the uncompressed bound, each body one valid gzip file', async () => {
    const texts = ['a'.repeat(400), 'b'.repeat(400), 'c'.repeat(400), 'd'.repeat(900), 'e'.repeat(200)];
    const bodies = await plan(texts.map((t) => gzipSync(t)), 'gzip', 1000);
    assert.deepEqual(bodies.map((b) => b.uncompressedBytes), [800, 400, 900, 200]);
    const decoded = bodies.map((b) => gunzipSync(Buffer.concat(b.chunks)).toString());
    assert.equal(decoded.join(''), texts.join(''));
  });

  it('sends a chunk larger than the bound alone, and one request for a small batch', async () => {
    assert.deepEqual((await plan([Buffer.alloc(5000), Buffer.alloc(100)], 'none', 1000)).map((b) => b.bytes), [5000, 100]);
    assert.equal((await plan([gzipSync('x'), gzipSync('y')], 'gzip', 8 << 20)).length, 1);
  });

  it('keeps a tiny framing chunk (a delimiter between parts) with the request before it', async () => {
    const bodies = await plan([gzipSync('r1'.repeat(400)), gzipSync('\n'), gzipSync('r2'.repeat(400))], 'gzip', 800);
    assert.deepEqual(bodies.map((b) => gunzipSync(Buffer.concat(b.chunks)).toString().endsWith('\n')), [true, false]);
  });

  it('is deterministic: iterating again yields the same requests', async () => {
    const stream = ChunkStream.of(['a', 'b', 'c'].map((t) => gzipSync(t.repeat(600))));
    const sizes = async (): Promise<number[]> => {
      const out: number[] = [];
      for await (const body of requestBodies(stream, 'gzip', 1000)) out.push(body.bytes);
      return out;
    };
    assert.deepEqual(await sizes(), await sizes());
  });
});
