import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../src/destinations/chunk-stream.ts';

async function collect(stream: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += Buffer.from(chunk).toString();
  return text;
}

describe('ChunkStream', () => {
  it('yields chunks as they are pushed, in order, and ends', async () => {
    const stream = new ChunkStream();
    const reading = collect(stream);
    stream.push(Buffer.from('a'));
    await Promise.resolve();
    stream.push(Buffer.from('b'));
    stream.end();
    assert.equal(await reading, 'ab');
    assert.equal(stream.byteLength, 2);
  });

  it('replays from the first chunk on every iteration (a retry re-sends everything)', async () => {
    const stream = ChunkStream.of([Buffer.from('x'), Buffer.from('y')]);
    assert.equal(await collect(stream), 'xy');
    assert.equal(await collect(stream), 'xy');
  });

  it('makes a waiting iteration throw when producing a chunk failed', async () => {
    const stream = new ChunkStream();
    stream.push(Buffer.from('p'));
    const reading = collect(stream);
    stream.fail(new Error('worker died'));
    await assert.rejects(reading, /worker died/);
  });
});
