import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchBytes } from '../../workers/batch-bytes.ts';
import { utf8Of } from '../../workers/byte-text.ts';
import { job, task } from './helpers/batch.ts';

function recordTexts(bytes: Uint8Array, ends: Uint32Array): string[] {
  let start = 0;
  return [...ends].map((end) => {
    const s = utf8Of(bytes, start, end);
    start = end;
    return s;
  });
}

describe('batchBytes', () => {
  it('views the batch bytes in place, with byte offsets, UTF-8 included', () => {
    const records = ['{"a":"x"}', '{"a":"ü"}', '{"a":"😀"}', '{"a":"y"}'];
    const t = task(job(), records);
    const b = batchBytes(t.data, t.ends, t.count);
    assert.equal(b.bytes.buffer, t.data, 'a view, not a copy');
    assert.deepEqual([...b.recordEnds], [...t.ends]);
    assert.deepEqual(recordTexts(b.bytes, b.recordEnds), records);
  });

  it('starts at startByte: offsets become relative to the first record of the task', () => {
    const t = task(job(), ['{"a":1}', '{"b":2}', '{"c":3}']);
    const b = batchBytes(t.data, t.ends.subarray(1), 2, t.ends[0]!);
    assert.deepEqual(recordTexts(b.bytes, b.recordEnds), ['{"b":2}', '{"c":3}']);
  });

  it('clamps out-of-range and decreasing ends into empty records', () => {
    const t = task(job(), ['{"a":1}', '{"b":2}']);
    const ends = Uint32Array.of(7, 3, 14, 999);
    const b = batchBytes(t.data, ends, 4);
    assert.deepEqual(recordTexts(b.bytes, b.recordEnds), ['{"a":1}', '', '{"b":2}', '']);
    assert.equal(batchBytes(t.data, ends, 2).recordEnds.length, 2, 'count limits the records');
  });
});
