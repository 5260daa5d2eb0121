import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { linePayloads } from '../../../src/destinations/http/line-payloads.ts';

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of source) out.push(item);
  return out;
}

const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ RayID: `r${i}`, pad: 'x'.repeat(i) }));

describe('linePayloads', () => {
  it('regroups the lines of gzip chunks into payloads under the byte bound, whole lines in order', async () => {
    // Chunk boundaries fall inside lines: the splitter must join them.
    const text = `${lines.join('\n')}\n`;
    const chunks = [text.slice(0, 333), text.slice(333, 901), text.slice(901)].map((part) => gzipSync(part));
    const payloads = await collect(linePayloads(ChunkStream.of(chunks), 'gzip', 300));
    assert.ok(payloads.length > 3, `${payloads.length} payloads`);
    for (const payload of payloads) {
      assert.ok(Buffer.byteLength(payload) <= 300, `${Buffer.byteLength(payload)} bytes`);
      assert.ok(payload.endsWith('\n'));
    }
    assert.deepEqual(payloads.join('').trimEnd().split('\n'), lines);
  });

  it('sends a line longer than the bound alone, and reads uncompressed chunks', async () => {
    const long = 'y'.repeat(500);
    const payloads = await collect(linePayloads(ChunkStream.of([Buffer.from(`a\n${long}\nb\n`)]), 'none', 100));
    assert.deepEqual(payloads, ['a\n', `${long}\n`, 'b\n']);
  });

  it('counts bytes, not characters', async () => {
    const wide = 'é'.repeat(40); // 80 bytes + newline
    const payloads = await collect(linePayloads(ChunkStream.of([Buffer.from(`${wide}\n${wide}\n`)]), 'none', 120));
    assert.equal(payloads.length, 2);
  });
});
