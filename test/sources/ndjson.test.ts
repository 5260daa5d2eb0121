import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { drainUntilDone, FakeRegistry, isSettled, RecordingSink, waitFor } from './fake-pipeline.ts';

const TENANT = '023e105f4ecef8ad9ca31a8372d0c353';
const dir = mkdtempSync(join(tmpdir(), 'sluice-ndjson-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bigLine = JSON.stringify({ RayID: 'big', ClientRequestURI: '/' + 'x'.repeat(2 * 1024 * 1024) });
// CRLF endings, empty lines (also "\r" alone), a multi-byte character, a 2 MB line, no final newline.
const FILE_TEXT = `{"a":1}\r\n\n{"b":"é"}\n\r\n${bigLine}\r\n\n\n{"c":3}\n{"d":4}`;
const EXPECTED = ['{"a":1}', '{"b":"é"}', bigLine, '{"c":3}', '{"d":4}'];

function source(options: Partial<ConstructorParameters<typeof NdjsonSource>[0]>) {
  return new NdjsonSource({ path: join(dir, 'unused.ndjson'), dataset: 'http_requests', tenant: TENANT, ...options });
}

function pushedTexts(sink: RecordingSink): string[] {
  return sink.records.map((r) => r.value.toString('utf8'));
}

describe('NdjsonSource', () => {
  it('pushes each non-empty line of a file without its line ending', async () => {
    const path = join(dir, 'events.ndjson');
    writeFileSync(path, FILE_TEXT);
    const src = source({ path });
    const sink = new RecordingSink();
    const registry = new FakeRegistry();
    await src.run(sink, registry);
    assert.deepEqual(registry.opened, [{ name: 'ndjson/0', dataset: 'http_requests', firstOffset: 0 }]);
    assert.deepEqual(pushedTexts(sink), EXPECTED);
    assert.deepEqual(sink.records.map((r) => r.offset), [0, 1, 2, 3, 4]);
    assert.ok(sink.records.every((r) => r.tenant === TENANT && r.partition === 'ndjson/0'));
    assert.equal(src.pushed, 5);
  });

  it('joins lines split anywhere across reads (inside CRLF, inside a UTF-8 character)', async () => {
    const bytes = Buffer.from('\uFEFF' + FILE_TEXT, 'utf8');
    // Cut at every awkward place near the start, then in large pieces.
    const cuts = [1, 2, 3, 5, 9, 10, 11, 12, 17, 18, 19, 20, 4096, 1 << 20, bytes.length - 3, bytes.length - 1];
    const chunks: Buffer[] = [];
    let at = 0;
    for (const cut of cuts) {
      chunks.push(bytes.subarray(at, cut));
      at = cut;
    }
    chunks.push(bytes.subarray(at));
    const sink = new RecordingSink();
    await source({ input: Readable.from(chunks) }).run(sink, new FakeRegistry());
    assert.deepEqual(pushedTexts(sink), EXPECTED, 'same records, and the byte order mark is dropped');
  });

  it('never pushes while saturated and resumes on drain', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `{"i":${i}}`);
    const path = join(dir, 'many.ndjson');
    writeFileSync(path, lines.join('\n') + '\n');
    const src = source({ path });
    const sink = new RecordingSink();
    sink.accept = (r) => r.offset % 50 !== 7;
    const pauses = await drainUntilDone(src.run(sink, new FakeRegistry()), sink);
    assert.equal(pauses, 10);
    assert.deepEqual(pushedTexts(sink), lines);
  });

  it('whenDelivered resolves only after the input ended and committable reached the pushed count', async () => {
    const input = new Readable({ read() {} });
    const src = source({ input });
    const sink = new RecordingSink();
    const running = src.run(sink, new FakeRegistry());
    const delivered = src.whenDelivered();
    input.push('{"a":1}\n{"b":2}\n');
    await waitFor(() => sink.records.length === 2, 'two records');
    const partition = { name: 'ndjson/0', dataset: 'http_requests' };
    src.committable(partition, 2);
    assert.equal(await isSettled(delivered), false, 'input has not ended yet');
    input.push('{"c":3}');
    input.push(null);
    await running;
    assert.equal(await isSettled(delivered), false, 'the third record is not delivered yet');
    src.committable({ name: 'other/0', dataset: 'http_requests' }, 3);
    assert.equal(await isSettled(delivered), false, 'commits of other partitions do not count');
    src.committable(partition, 3);
    await delivered;
  });

  it('whenDelivered resolves at once for an input without records', async () => {
    const src = source({ input: Readable.from([Buffer.from('\n\r\n\n')]) });
    const sink = new RecordingSink();
    await src.run(sink, new FakeRegistry());
    assert.equal(sink.records.length, 0);
    await src.whenDelivered();
  });

  it('skips and counts lines longer than maxLineBytes', async () => {
    const long = 'y'.repeat(300);
    const src = source({ input: Readable.from([Buffer.from(`{"a":1}\n${long.slice(0, 100)}`), Buffer.from(`${long.slice(100)}\n{"b":2}\n${long}`)]), maxLineBytes: 200 });
    const sink = new RecordingSink();
    await src.run(sink, new FakeRegistry());
    assert.deepEqual(pushedTexts(sink), ['{"a":1}', '{"b":2}']);
    assert.equal(src.oversizedLines, 2);
  });

  it('stop() ends a run on an input that never ends', async () => {
    const input = new Readable({ read() {} });
    const src = source({ input });
    const sink = new RecordingSink();
    const running = src.run(sink, new FakeRegistry());
    input.push('{"a":1}\n');
    await waitFor(() => sink.records.length === 1, 'one record');
    src.stop();
    await running;
    src.committable({ name: 'ndjson/0', dataset: 'http_requests' }, 1);
    await src.whenDelivered();
  });

  it('reports a missing file as ERR_INPUT naming the path and what to do', async () => {
    const path = join(dir, 'does-not-exist.ndjson');
    const src = source({ path });
    await assert.rejects(src.run(new RecordingSink(), new FakeRegistry()), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_INPUT');
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, /no such file/);
      assert.match(error.message, /"-"/);
      return true;
    });
    await assert.rejects(src.whenDelivered(), { code: 'ERR_INPUT' });
    await assert.rejects(source({ path: dir }).run(new RecordingSink(), new FakeRegistry()), { code: 'ERR_INPUT', message: /directory/ });
  });

  it('reads standard input when path is "-"', async () => {
    const moduleUrl = new URL('../../src/sources/ndjson.ts', import.meta.url).href;
    const script = `
      import { NdjsonSource } from ${JSON.stringify(moduleUrl)};
      const values = [];
      const sink = { push: (p, o, t, v) => { values.push([o, Buffer.from(v).toString()]); return true; }, onDrain() {} };
      const registry = { open: (name, dataset) => ({ name, dataset }), close() {} };
      await new NdjsonSource({ path: '-', dataset: 'http_requests', tenant: 't' }).run(sink, registry);
      process.stdout.write(JSON.stringify(values));
    `;
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout);
      });
      child.stdin!.end('{"a":1}\r\n\n{"b":2}\n{"c":3}');
    });
    assert.deepEqual(JSON.parse(output), [[0, '{"a":1}'], [1, '{"b":2}'], [2, '{"c":3}']]);
  });
});
