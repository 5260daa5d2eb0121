import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBatch } from '../../workers/decode-batch.ts';
import { job, task } from './helpers/batch.ts';

const records = ['{"a":"x"}', '{"a":"ü"}', '{"a":"😀"}', '{"a":"y"}'];

function recordTexts(text: string, ends: Uint32Array): string[] {
  let start = 0;
  return [...ends].map((end) => {
    const s = text.slice(start, end);
    start = end;
    return s;
  });
}

describe('decodeBatch', () => {
  it('bytes mode: one latin1 string, byte offsets as indices, even with UTF-8 inside', () => {
    const t = task(job(), records);
    const d = decodeBatch(t.data, t.ends, t.count, 'bytes');
    assert.equal(d.latin1, true);
    assert.deepEqual([...d.charEnds], [...t.ends]);
    assert.deepEqual(recordTexts(d.text, d.charEnds).map((s) => Buffer.from(s, 'latin1').toString('utf8')), records);
  });

  it('utf16 mode: real characters, record boundaries as string indices', () => {
    const t = task(job(), records);
    const d = decodeBatch(t.data, t.ends, t.count, 'utf16');
    assert.equal(d.latin1, false);
    assert.deepEqual(recordTexts(d.text, d.charEnds), records);
  });

  it('utf16 mode on an ASCII batch is the latin1 fast path', () => {
    const t = task(job(), ['{"a":1}', '{"b":2}']);
    const d = decodeBatch(t.data, t.ends, t.count, 'utf16');
    assert.equal(d.latin1, true);
    assert.deepEqual(recordTexts(d.text, d.charEnds), ['{"a":1}', '{"b":2}']);
  });

  it('clamps out-of-range and decreasing ends into empty records', () => {
    const t = task(job(), ['{"a":1}', '{"b":2}']);
    const ends = Uint32Array.of(7, 3, 14, 999);
    const d = decodeBatch(t.data, ends, 4, 'bytes');
    assert.deepEqual(recordTexts(d.text, d.charEnds), ['{"a":1}', '', '{"b":2}', '']);
    assert.equal(decodeBatch(t.data, ends, 2, 'bytes').charEnds.length, 2, 'count limits the records');
  });
});
