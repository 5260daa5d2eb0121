// Invalid UTF-8 inside tracked strings (issue 10): the record is delivered with U+FFFD in place
// of each invalid sequence, exactly as WHATWG TextDecoder replaces it, and counted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchResult, BatchTask } from '../../workers/batch-task.ts';
import type { Job } from '../../src/jobs/types.ts';
import { compileJob } from '../../workers/compile-job.ts';
import { processBatch } from '../../workers/pipeline-worker.ts';
import { createFieldScanner, createScannedRecord } from '../../workers/scan.ts';
import { isWellFormedUtf8 } from '../../workers/utf8.ts';
import { concat, job } from './helpers/batch.ts';

const fatal = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');
const isUtf8 = (bytes: Uint8Array): boolean => {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** Each invalid form, as bytes inside a string value. */
const INVALID: Record<string, number[]> = {
  'lone 0xFF': [0xff],
  'lone 0xFE': [0xfe],
  'lone continuation byte': [0x80],
  'truncated 2-byte sequence': [0xc3],
  'truncated 3-byte sequence': [0xe6, 0x97],
  'truncated 4-byte sequence': [0xf0, 0x9f, 0x98],
  'overlong "/" (C0 AF)': [0xc0, 0xaf],
  'overlong 3-byte (E0 80 AF)': [0xe0, 0x80, 0xaf],
  'overlong 4-byte (F0 80 80 AF)': [0xf0, 0x80, 0x80, 0xaf],
  'UTF-16 high surrogate (ED A0 80)': [0xed, 0xa0, 0x80],
  'UTF-16 low surrogate (ED BF BF)': [0xed, 0xbf, 0xbf],
  'surrogate pair as CESU-8': [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
  'above U+10FFFF (F4 90 80 80)': [0xf4, 0x90, 0x80, 0x80],
  'F5 lead byte': [0xf5, 0x80, 0x80, 0x80],
};

const bytesOf = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function taskOf(j: Job, records: readonly Uint8Array[], chunkBytes = 0): BatchTask {
  const total = records.reduce((n, r) => n + r.length, 0);
  const data = new Uint8Array(new SharedArrayBuffer(total));
  const ends = new Uint32Array(records.length);
  let pos = 0;
  records.forEach((r, i) => {
    data.set(r, pos);
    pos += r.length;
    ends[i] = pos;
  });
  return { job: j, data: data.buffer as SharedArrayBuffer, ends, count: records.length, sampleSeed: 1, chunkBytes };
}

function run(j: Job, records: readonly Uint8Array[], chunkBytes = 0): { result: BatchResult; output: Uint8Array } {
  const result = processBatch(compileJob(j), taskOf(j, records, chunkBytes));
  return { result, output: concat(result.chunks) };
}

/** What the record's text is once decoded the WHATWG way (U+FFFD per maximal invalid subpart). */
const replaced = (bytes: Uint8Array): string => lenient.decode(bytes);

describe('UTF-8 validation', () => {
  it('agrees with TextDecoder (fatal) on every 1- and 2-byte input and on 3- and 4-byte sequences at the edges', () => {
    const check = (bytes: number[]): void => {
      const input = Uint8Array.from(bytes);
      assert.equal(isWellFormedUtf8(input, 0, input.length), isUtf8(input), Buffer.from(input).toString('hex'));
    };
    for (let a = 0; a < 256; a++) {
      check([a]);
      for (let b = 0; b < 256; b++) check([a, b]);
    }
    const edges = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff];
    for (const a of edges) for (const b of edges) for (const c of edges) {
      check([a, b, c]);
      for (const d of edges) check([a, b, c, d]);
    }
  });

  it('flags a tracked string, at any depth and in nested keys, but not an untracked one', () => {
    const scanner = createFieldScanner(['A', 'B']);
    const record = createScannedRecord(scanner.slotCount);
    const scan = (bytes: Uint8Array): boolean | null => (scanner.scan(bytes, 0, bytes.length, record) ? record.invalidUtf8 : null);
    assert.equal(scan(bytesOf('{"A":"ok ü 日本 😀","B":1}')), false);
    assert.equal(scan(bytesOf('{"A":"x', [0xff], '"}')), true);
    assert.equal(scan(bytesOf('{"B":["a",{"k":"x', [0xc3], '"}]}')), true);
    assert.equal(scan(bytesOf('{"B":{"k', [0xed, 0xa0, 0x80], '":1}}')), true);
    assert.equal(scan(bytesOf('{"C":"x', [0xff], '","A":"ok"}')), false, 'untracked value');
    assert.equal(scan(bytesOf('{"x', [0xff], '":"k","A":"ok"}')), false, 'top-level key');
    assert.equal(scan(bytesOf('{"\\u0041', [0xff], '":"k","A":"ok"}')), false, 'escaped top-level key');
    // Invalid bytes never hide the structure: a quote right after a lead byte still ends the string.
    assert.equal(scan(bytesOf('{"A":"', [0xe6], '","B":1}')), true);
    assert.equal(record.ends[0]! - record.starts[0]!, 3);
    assert.equal(scan(bytesOf('{"A":"', [0xe6], '}')), null, 'unterminated');
  });
});

describe('pipeline: invalid UTF-8 in a selected string is replaced with U+FFFD and counted', () => {
  const before = '{"ClientIP":"1.2.3.4","RayID":"ab';
  const after = 'cd","EdgeStartTimestamp":1700000000000000000,"Other":"z"}';
  const next = bytesOf('{"ClientIP":"5.6.7.8","RayID":"ü","EdgeStartTimestamp":1700000000000000001}');

  for (const [name, bad] of Object.entries(INVALID)) {
    const raw = bytesOf(before, bad, after);
    const ray = replaced(bytesOf('"ab', bad, 'cd"'));
    assert.ok(ray.includes('\ufffd'));

    it(`${name}: ndjson`, () => {
      const { result, output } = run(job({ field_names: ['ClientIP', 'RayID', 'EdgeStartTimestamp'] }), [raw, next]);
      assert.equal(result.recordsOut, 2);
      assert.equal(result.invalidUtf8, 1);
      assert.deepEqual(result.dropped, { invalid_json: 0, wrong_type: 0 });
      assert.ok(isUtf8(output));
      assert.equal(Buffer.from(output).toString('utf8'),
        `{"ClientIP":"1.2.3.4","RayID":${ray},"EdgeStartTimestamp":1700000000000000000}\n` +
        '{"ClientIP":"5.6.7.8","RayID":"ü","EdgeStartTimestamp":1700000000000000001}\n');
      assert.deepEqual(JSON.parse(Buffer.from(output).toString('utf8').split('\n')[0]!).RayID, JSON.parse(ray));
      assert.equal(result.minEventTimeNs, '1700000000000000000');
    });

    it(`${name}: csv`, () => {
      const { result, output } = run(job({ output_type: 'csv', field_names: ['RayID', 'ClientIP'] }), [raw, next]);
      assert.equal(result.invalidUtf8, 1);
      assert.ok(isUtf8(output));
      assert.equal(Buffer.from(output).toString('utf8'), `${ray},"1.2.3.4"\n"ü","5.6.7.8"\n`);
    });

    it(`${name}: record_template`, () => {
      const options = { field_names: ['RayID', 'ClientCountry', 'ClientIP'], record_template: '<{{.RayID}}|{{.ClientCountry}}|{{.ClientIP}}>', record_prefix: '', record_suffix: '\n' };
      const { result, output } = run(job(options), [raw, next]);
      assert.equal(result.invalidUtf8, 1);
      assert.ok(isUtf8(output));
      assert.equal(Buffer.from(output).toString('utf8'), `<${ray}|null|"1.2.3.4">\n<"ü"|null|"5.6.7.8">\n`);
    });
  }

  it('repairs nested strings and keys of a selected object, and every invalid value of the record', () => {
    const raw = bytesOf('{"RequestHeaders":{"k', [0xff], '":["a', [0xc0, 0xaf], '"]},"RayID":"r', [0xed, 0xa0, 0x80], '"}');
    const { result, output } = run(job({ field_names: ['RayID', 'RequestHeaders'] }), [raw]);
    assert.equal(result.invalidUtf8, 1);
    assert.equal(Buffer.from(output).toString('utf8'), '{"RayID":"r\ufffd\ufffd\ufffd","RequestHeaders":{"k\ufffd":["a\ufffd\ufffd"]}}\n');
  });

  it('leaves invalid bytes outside the tracked values alone and does not count them', () => {
    const raw = [
      bytesOf('{"Other":"x', [0xff], '","RayID":"ok"}'),
      bytesOf('{"RayID":"dup', [0xff], '","RayID":"last"}'), // the first RayID is replaced by the last
    ];
    const { result, output } = run(job({ field_names: ['RayID'] }), raw);
    assert.equal(result.invalidUtf8, 0);
    assert.equal(Buffer.from(output).toString('utf8'), '{"RayID":"ok"}\n{"RayID":"last"}\n');
  });

  it('filters on the repaired value and counts a filtered record too', () => {
    const filter = { where: { key: 'ClientCountry', operator: 'eq' as const, value: 'd\ufffde' } };
    const raw = [
      bytesOf('{"ClientCountry":"d', [0xff], 'e","RayID":"1"}'),
      bytesOf('{"ClientCountry":"d', [0xe6, 0x97], 'x","RayID":"2"}'),
      bytesOf('{"ClientCountry":"de","RayID":"3"}'),
    ];
    const { result, output } = run(job({ field_names: ['RayID'] }, { filter }), raw);
    assert.equal(result.recordsOut, 1);
    assert.equal(result.filtered, 2);
    assert.equal(result.invalidUtf8, 2);
    assert.equal(Buffer.from(output).toString('utf8'), '{"RayID":"1"}\n');
  });

  it('keeps chunks, the CVE rewrite and timestamps right around repaired records', () => {
    const records = Array.from({ length: 200 }, (_, i) => i % 3 === 0
      ? bytesOf(`{"EdgeStartTimestamp":"2023-11-14T22:13:2${i % 10}Z","RayID":"$`, [0xff], `{x}${i}"}`)
      : bytesOf(`{"EdgeStartTimestamp":${1_700_000_000_000_000_000n + BigInt(i)},"RayID":"\${ok}${i}"}`));
    const j = job({ field_names: ['RayID', 'EdgeStartTimestamp'], timestamp_format: 'unix', 'CVE-2021-44228': true });
    const { result, output } = run(j, records, 512);
    assert.equal(result.invalidUtf8, 67);
    assert.ok(result.chunks.length > 5);
    const lines = Buffer.from(output).toString('utf8').trimEnd().split('\n');
    assert.equal(lines.length, 200);
    assert.equal(lines[3], '{"RayID":"$\ufffd{x}3","EdgeStartTimestamp":1700000003}');
    assert.equal(lines[4], '{"RayID":"x{ok}4","EdgeStartTimestamp":1700000000}');
  });
});
