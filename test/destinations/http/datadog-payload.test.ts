import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { DatadogPayloadBuilder, datadogPayloads } from '../../../src/destinations/http/datadog-payload.ts';
import { LineSplitter } from '../../../src/destinations/http/line-payloads.ts';

const fields = { ddsource: 'cloudflare', service: 'web', hostname: 'edge-1', ddtags: 'env:prod,team:a' };
type Entry = { message: string; ddsource?: string; service?: string; hostname?: string; ddtags?: string };

async function collect(stream: AsyncIterable<string>): Promise<Entry[][]> {
  const out: Entry[][] = [];
  for await (const payload of stream) out.push(JSON.parse(payload) as Entry[]);
  return out;
}

describe('DatadogPayloadBuilder', () => {
  it('shapes one entry per line with the conf fields, leaving absent ones out', () => {
    const builder = new DatadogPayloadBuilder({ ...fields, hostname: null });
    assert.equal(builder.add('{"RayID":"a\\"b"}'), null);
    assert.equal(builder.add('plain "quoted" ünïcode'), null);
    assert.deepEqual(JSON.parse(builder.finish()!), [
      { message: '{"RayID":"a\\"b"}', ddsource: 'cloudflare', service: 'web', ddtags: 'env:prod,team:a' },
      { message: 'plain "quoted" ünïcode', ddsource: 'cloudflare', service: 'web', ddtags: 'env:prod,team:a' },
    ]);
    assert.equal(builder.finish(), null);
  });

  it('starts a new payload at the entry limit', () => {
    const builder = new DatadogPayloadBuilder(fields, { maxEntries: 3, maxPayloadBytes: 1e9 });
    const done: string[] = [];
    for (let i = 0; i < 7; i++) {
      const payload = builder.add(`line ${i}`);
      if (payload) done.push(payload);
    }
    done.push(builder.finish()!);
    assert.deepEqual(done.map((p) => (JSON.parse(p) as Entry[]).map((e) => e.message)), [['line 0', 'line 1', 'line 2'], ['line 3', 'line 4', 'line 5'], ['line 6']]);
  });

  it('keeps every payload within the byte limit (UTF-8 bytes, not characters)', () => {
    const limit = 2000;
    const builder = new DatadogPayloadBuilder(fields, { maxEntries: 1000, maxPayloadBytes: limit });
    const payloads: string[] = [];
    for (let i = 0; i < 100; i++) {
      const payload = builder.add(`€€€ ${i} ${'x'.repeat(i % 50)}`);
      if (payload) payloads.push(payload);
    }
    payloads.push(builder.finish()!);
    assert.ok(payloads.length > 3);
    for (const payload of payloads) assert.ok(Buffer.byteLength(payload) <= limit, `${Buffer.byteLength(payload)} bytes`);
    assert.equal(payloads.flatMap((p) => JSON.parse(p) as Entry[]).length, 100);
  });
});

describe('LineSplitter', () => {
  it('joins lines cut across pushes and drops empty lines and CR', () => {
    const splitter = new LineSplitter();
    const out: string[] = [];
    splitter.push('a\r\nb', out);
    splitter.push('c\n\n', out);
    splitter.push('d', out);
    splitter.end(out);
    assert.deepEqual(out, ['a', 'bc', 'd']);
  });
});

describe('datadogPayloads', () => {
  const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ RayID: `ray${i}`, n: i }));

  it('splits a gzip batch (several members, a record cut across chunks) into ≤1000-entry payloads in order', async () => {
    const text = `${lines.join('\n')}\n`;
    const cuts = [0, 12345, 40_000, 40_001, text.length];
    const chunks = cuts.slice(1).map((end, i) => gzipSync(text.slice(cuts[i], end)));
    const payloads = await collect(datadogPayloads(ChunkStream.of(chunks), 'gzip', fields));
    assert.deepEqual(payloads.map((p) => p.length), [1000, 1000, 500]);
    assert.deepEqual(payloads.flat().map((e) => e.message), lines);
    assert.deepEqual(payloads[2]![0], { message: lines[2000], ...fields });
  });

  it('reads uncompressed batches too', async () => {
    const payloads = await collect(datadogPayloads(ChunkStream.of([Buffer.from(lines.slice(0, 3).join('\n'))]), 'none', fields));
    assert.deepEqual(payloads.flat().map((e) => e.message), lines.slice(0, 3));
  });
});
