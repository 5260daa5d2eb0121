import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { Piscina } from 'piscina';
import { decompress as zstdDecompress } from 'zstd-napi';
import type { BatchResult } from '../../workers/batch-task.ts';
import type { Compression } from '../../src/jobs/types.ts';
import { unframeSnappy } from '../../workers/codecs/snappy-unframe.ts';
import { compileJob } from '../../workers/compile-job.ts';
import pipelineWorker, { processBatch } from '../../workers/pipeline-worker.ts';
import { concat, systemDecode } from './codecs/helpers.ts';
import { job, LOGPUSH_RECORD, task } from './helpers/batch.ts';

setFlagsFromString('--expose-gc');
/** A full collection (the flag exposes gc to contexts made after it is set). */
const fullGc = runInNewContext('gc') as () => void;

function run(j: ReturnType<typeof job>, records: readonly string[], more: Parameters<typeof task>[2] = {}): BatchResult {
  return processBatch(compileJob(j), task(j, records, more));
}

function decode(compression: Compression, bytes: Uint8Array): string {
  switch (compression) {
    case 'gzip': return systemDecode('gzip', bytes).toString('utf8');
    case 'zstd': return systemDecode('zstd', bytes).toString('utf8');
    case 'snappy': return Buffer.from(unframeSnappy(bytes)).toString('utf8');
    case 'none': return Buffer.from(bytes).toString('utf8');
  }
}

function rec(i: number, status: number, extra = ''): string {
  return `{"RayID":"r${i}","EdgeStartTimestamp":${1_700_000_000_000_000_000n + BigInt(i) * 1_000_003n},"EdgeResponseStatus":${status}${extra}}`;
}

function assertCountsAddUp(r: BatchResult): void {
  assert.equal(r.recordsIn, r.recordsOut + r.filtered + r.sampled + r.dropped.invalid_json + r.dropped.wrong_type);
  assert.equal(r.bytesCompressed, r.chunks.reduce((n, c) => n + c.length, 0));
}

describe('pipeline worker: one batch end to end', () => {
  const filter = { where: { key: 'EdgeResponseStatus', operator: 'geq' as const, value: 400 } };

  it('mixes valid, invalid-JSON, wrong-type and filtered records; counts add up', () => {
    const records = [
      rec(1, 500),
      '{"RayID":"broken",',
      rec(2, 200),
      rec(3, 404),
      '{"RayID":"r4","EdgeResponseStatus":"five hundred"}',
      'not json at all',
      '',
      '[1,2,3]',
      rec(5, 503),
    ];
    const j = job({ field_names: ['RayID', 'EdgeResponseStatus'] }, { filter });
    const r = run(j, records);
    assert.equal(r.recordsIn, 9);
    assert.equal(r.recordsOut, 3);
    assert.equal(r.filtered, 1);
    assert.equal(r.dropped.invalid_json, 4);
    assert.equal(r.dropped.wrong_type, 1);
    assert.equal(r.sampled, 0);
    assertCountsAddUp(r);
    assert.equal(decode('none', concat(r.chunks)),
      '{"RayID":"r1","EdgeResponseStatus":500}\n{"RayID":"r3","EdgeResponseStatus":404}\n{"RayID":"r5","EdgeResponseStatus":503}\n');
    assert.equal(r.bytesEncoded, concat(r.chunks).length);
    assert.ok(r.dropSamples.length >= 1 && r.dropSamples.length <= 5);
    assert.ok(r.dropSamples.some((s) => s.startsWith('invalid_json: record 1')));
    assert.ok(r.dropSamples.some((s) => s.startsWith('wrong_type: record 4')));
    assert.ok(r.dropSamples.every((s) => s.length <= 200));
    assert.ok(r.workerMicros >= 0);
  });

  it('keeps no reference to the batch\'s buffer once the batch is done', async () => {
    const j = job({});
    const compiled = compileJob(j);
    const buffer = ((): WeakRef<SharedArrayBuffer> => {
      const t = task(j, [rec(1, 200), rec(2, 500)]);
      processBatch(compiled, t);
      return new WeakRef(t.data);
    })();
    assert.equal(compiled.record.bytes.byteLength, 0, 'the cached job would keep the batch\'s SharedArrayBuffer alive');
    // A WeakRef's target lives at least to the end of the current job: collect after it.
    await new Promise((resolve) => setImmediate(resolve));
    fullGc();
    assert.equal(buffer.deref(), undefined, 'nothing the cached compiled job holds (record, scanner) keeps the buffer alive');
  });

  it('never puts a whole long record into a drop sample', () => {
    const long = `{"RayID":"${'x'.repeat(5000)}"`;
    const r = run(job(), [long, long, long, long, long, long, long]);
    assert.equal(r.dropped.invalid_json, 7);
    assert.equal(r.dropSamples.length, 5);
    assert.ok(r.dropSamples.every((s) => s.length <= 200));
  });

  it('reports the exact min and max event time of the output records', () => {
    const records = [rec(5, 500), rec(1, 500), rec(9, 200), rec(7, 500), '{"RayID":"no-time","EdgeResponseStatus":500}'];
    const r = run(job({ field_names: ['RayID'] }, { filter }), records);
    assert.equal(r.recordsOut, 4);
    assert.equal(r.minEventTimeNs, (1_700_000_000_000_000_000n + 1n * 1_000_003n).toString());
    assert.equal(r.maxEventTimeNs, (1_700_000_000_000_000_000n + 7n * 1_000_003n).toString());
  });

  it('an all-filtered batch returns zero chunks and no event times', () => {
    const r = run(job({ batch_prefix: '[', batch_suffix: ']' }, { filter, compression: 'gzip' }), [rec(1, 200), rec(2, 301)]);
    assert.equal(r.chunks.length, 0);
    assert.equal(r.recordsOut, 0);
    assert.equal(r.filtered, 2);
    assert.equal(r.bytesEncoded, 0);
    assert.equal(r.minEventTimeNs, null);
    assertCountsAddUp(r);
    assert.equal(run(job(), []).chunks.length, 0);
  });

  it('samples deterministically per seed, after the filter', () => {
    const records = Array.from({ length: 2000 }, (_, i) => rec(i, i % 2 === 0 ? 500 : 200));
    const j = job({ field_names: ['RayID'], sample_rate: 0.5 }, { filter });
    const a = run(j, records, { sampleSeed: 11 });
    const b = run(j, records, { sampleSeed: 11 });
    const c = run(j, records, { sampleSeed: 12 });
    assert.equal(a.filtered, 1000);
    assert.equal(a.recordsOut + a.sampled, 1000);
    assert.ok(a.recordsOut > 400 && a.recordsOut < 600, `kept ${a.recordsOut}`);
    assert.deepEqual(concat(a.chunks), concat(b.chunks));
    assert.notDeepEqual(concat(a.chunks), concat(c.chunks));
    assertCountsAddUp(a);
  });

  it('keeps non-ASCII text byte-exact, and a non-ASCII filter matches raw and escaped text', () => {
    const records = [
      '{"RayID":"a","ClientCity":"Zürich","EdgeResponseStatus":500}',
      '{"RayID":"b","ClientCity":"São Paulo 😀","EdgeResponseStatus":500}',
      '{"RayID":"c","ClientCity":"Paris","EdgeResponseStatus":500}',
      '{"RayID":"d","ClientCity":"Z\\u00fcrich","EdgeResponseStatus":500}',
    ];
    const bytesMode = job({ field_names: ['RayID', 'ClientCity'], record_prefix: '«{' });
    const expected = '«{"RayID":"a","ClientCity":"Zürich"}\n«{"RayID":"b","ClientCity":"São Paulo 😀"}\n' +
      '«{"RayID":"c","ClientCity":"Paris"}\n«{"RayID":"d","ClientCity":"Z\\u00fcrich"}\n';
    assert.equal(decode('none', concat(run(bytesMode, records).chunks)), expected);

    // A non-ASCII filter value: the raw UTF-8 `ü` and the escape `\u00fc` must both match.
    const nonAscii = job({ field_names: ['RayID', 'ClientCity'] }, { filter: { where: { key: 'ClientCity', operator: 'startsWith', value: 'Zü' } } });
    const r = run(nonAscii, records);
    assert.equal(r.recordsOut, 2);
    assert.equal(decode('none', concat(r.chunks)), '{"RayID":"a","ClientCity":"Zürich"}\n{"RayID":"d","ClientCity":"Z\\u00fcrich"}\n');
  });

  it('cuts a chunk as soon as it reaches chunkBytes, not one record later', () => {
    const records = ['{"RayID":"aaaa"}', '{"RayID":"bbbb"}', '{"RayID":"cccc"}'];
    const j = job({ field_names: ['RayID'] });
    const line = '{"RayID":"aaaa"}\n';
    const exact = run(j, records, { chunkBytes: Buffer.byteLength(line) });
    assert.deepEqual(exact.chunks.map((c) => decode('none', c)), records.map((r) => `${r}\n`), 'one record per chunk');
    const larger = run(j, records, { chunkBytes: Buffer.byteLength(line) + 1 });
    assert.deepEqual(larger.chunks.map((c) => decode('none', c)), [`${records[0]}\n${records[1]}\n`, `${records[2]}\n`]);
  });

  it('wraps the whole batch in batch_prefix/suffix and delimits records, across chunks', () => {
    const records = Array.from({ length: 50 }, (_, i) => rec(i, 500));
    const j = job({ field_names: ['RayID'], batch_prefix: '[', batch_suffix: ']', record_suffix: '}', record_delimiter: ',' });
    const one = run(j, records);
    const many = run(j, records, { chunkBytes: 64 });
    assert.equal(one.chunks.length, 1);
    assert.ok(many.chunks.length > 5, `${many.chunks.length} chunks`);
    const text = decode('none', concat(many.chunks));
    assert.equal(text, decode('none', concat(one.chunks)));
    assert.deepEqual(JSON.parse(text), records.map((_, i) => ({ RayID: `r${i}` })));
    assert.equal(many.bytesEncoded, Buffer.byteLength(text));
  });

  for (const compression of ['gzip', 'zstd', 'snappy', 'none'] as const) {
    it(`${compression}: a multi-chunk batch decodes as one file (system tools for gzip/zstd)`, () => {
      const records = Array.from({ length: 3000 }, (_, i) => rec(i, 500, `,"ClientIP":"10.0.${i % 7}.${i % 250}"`));
      const j = job({ field_names: ['ClientIP', 'EdgeStartTimestamp', 'RayID'] }, { compression });
      const r = run(j, records, { chunkBytes: 20_000 });
      assert.ok(r.chunks.length >= 5, `${r.chunks.length} chunks`);
      for (const chunk of r.chunks) {
        assert.equal(chunk.byteOffset, 0);
        assert.equal(chunk.byteLength, chunk.buffer.byteLength, 'each chunk owns its buffer (transferable)');
      }
      const text = decode(compression, concat(r.chunks));
      const lines = text.split('\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines.length, 3000);
      assert.deepEqual(JSON.parse(lines[1234]!), {
        ClientIP: `10.0.${1234 % 7}.${1234 % 250}`, EdgeStartTimestamp: Number(1_700_000_000_000_000_000n + 1234n * 1_000_003n), RayID: 'r1234',
      });
      assert.ok(lines[1234]!.includes(`"EdgeStartTimestamp":${1_700_000_000_000_000_000n + 1234n * 1_000_003n},`));
      assert.equal(r.bytesEncoded, Buffer.byteLength(text));
      if (compression === 'gzip') assert.equal(gunzipSync(concat(r.chunks)).toString(), text);
      if (compression === 'zstd') assert.equal(zstdDecompress(concat(r.chunks)).toString(), text);
    });
  }

  it('the piscina entry returns the result itself (chunks marked for transfer)', async () => {
    const j = job({}, { compression: 'zstd' });
    const out = await pipelineWorker(task(j, [LOGPUSH_RECORD]));
    // In-process the value is the movable wrapper piscina unwraps; its value is the BatchResult.
    const result = ((out as unknown as Record<symbol, unknown>)[Piscina.valueSymbol] ?? out) as BatchResult;
    const transfer = (out as unknown as Record<symbol, unknown>)[Piscina.transferableSymbol] as ArrayBuffer[];
    assert.equal(result.recordsOut, 1);
    assert.deepEqual(transfer, result.chunks.map((c) => c.buffer));
    assert.equal(zstdDecompress(result.chunks[0]!).toString(),
      '{"ClientIP":"89.163.242.206","EdgeStartTimestamp":1506702504433000200,"RayID":"3a6050bcbe121a87"}\n');
  });
});

describe('pipeline worker in a piscina pool', () => {
  const filename = new URL('../../workers/pipeline-worker.ts', import.meta.url).href;

  it('runs batches with every codec and survives destroying the pool 5 times in a row', async () => {
    const records = Array.from({ length: 500 }, (_, i) => rec(i, 500));
    for (let round = 0; round < 5; round++) {
      const pool = new Piscina({ filename, minThreads: 2, maxThreads: 2 });
      try {
        const results = await Promise.all((['gzip', 'zstd', 'snappy', 'none'] as const).map(async (compression, c) => {
          // (id, version) names one compiled job in the workers' caches: one id per codec.
          const j = job({ field_names: ['RayID'] }, { compression, id: 77 + c, version: round + 1 });
          const t = task(j, records, { chunkBytes: 4000 });
          const result = (await pool.run(t)) as BatchResult;
          return { compression, result };
        }));
        for (const { compression, result } of results) {
          assert.equal(result.recordsOut, 500, compression);
          assert.ok(result.chunks.length > 1, compression);
          const text = decode(compression, concat(result.chunks));
          assert.equal(text.split('\n').length, 501, compression);
          assert.equal(result.minEventTimeNs, '1700000000000000000');
        }
      } finally {
        await pool.destroy();
      }
    }
  });
});
