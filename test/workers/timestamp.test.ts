import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8Bytes } from '../../workers/byte-text.ts';
import { createEventTimeRange } from '../../workers/event-time-range.ts';
import type { ScannedRecord } from '../../workers/scanned-record.ts';
import { createTimestampFormatter, eventTimeNs } from '../../workers/timestamp.ts';

describe('timestamp formats', () => {
  it('unixnano passes integers through exactly and converts RFC 3339 strings', () => {
    const f = createTimestampFormatter('unixnano');
    assert.equal(f('1506702504433000200'), '1506702504433000200');
    assert.equal(f('"2017-09-29T16:28:24.433000200Z"'), '1506702504433000200');
    assert.equal(f('"2017-09-29T18:28:24+02:00"'), '1506702504000000000');
    assert.equal(f('"1506702504433000200"'), '1506702504433000200');
  });

  it('unix truncates the digit string, with no float rounding', () => {
    const f = createTimestampFormatter('unix');
    assert.equal(f('1506702504433000200'), '1506702504');
    assert.equal(f('1506702504999999999'), '1506702504');
    assert.equal(f('9223372036854775807'), '9223372036');
    assert.equal(f('999999999'), '0');
    assert.equal(f('1000000000'), '1', 'the first whole second (10 digits)');
    assert.equal(f('100000000'), '0');
    assert.equal(f('0'), '0');
    // Go's time.Unix() floors: 1 ns before the epoch is second -1.
    assert.equal(f('-1'), '-1');
    assert.equal(f('-1000000000'), '-1');
    assert.equal(f('-1000000001'), '-2');
    assert.equal(f('"2017-09-29T16:28:24.9Z"'), '1506702504');
  });

  it('rfc3339 writes seconds precision in UTC, quoted, like Go time.RFC3339', () => {
    const f = createTimestampFormatter('rfc3339');
    assert.equal(f('1506702504433000200'), '"2017-09-29T16:28:24Z"');
    assert.equal(f('1506702504999999999'), '"2017-09-29T16:28:24Z"');
    assert.equal(f('1506702505000000000'), '"2017-09-29T16:28:25Z"');
    assert.equal(f('0'), '"1970-01-01T00:00:00Z"');
    assert.equal(f('-1'), '"1969-12-31T23:59:59Z"');
    assert.equal(f('"2017-09-29T18:28:24.5+02:00"'), '"2017-09-29T16:28:24Z"');
    assert.equal(f('"0099-01-02T03:04:05Z"'), '"0099-01-02T03:04:05Z"');
  });

  it('rfc3339ms and rfc3339ns add a fixed-width fraction, cut not rounded, counting up within the second also before 1970', () => {
    const ms = createTimestampFormatter('rfc3339ms');
    const nsf = createTimestampFormatter('rfc3339ns');
    assert.equal(ms('1506702504433000200'), '"2017-09-29T16:28:24.433Z"');
    assert.equal(nsf('1506702504433000200'), '"2017-09-29T16:28:24.433000200Z"');
    assert.equal(ms('1506702504999999999'), '"2017-09-29T16:28:24.999Z"', 'cut: rounding would carry into the next second');
    assert.equal(ms('1506702505000000000'), '"2017-09-29T16:28:25.000Z"');
    assert.equal(nsf('7'), '"1970-01-01T00:00:00.000000007Z"');
    assert.equal(nsf('-1'), '"1969-12-31T23:59:59.999999999Z"');
    assert.equal(ms('-1000000001'), '"1969-12-31T23:59:58.999Z"');
    assert.equal(nsf('"2017-09-29T18:28:24.5+02:00"'), '"2017-09-29T16:28:24.500000000Z"');
    // Same second, different fractions: the cached second text never carries a fraction over.
    assert.equal(ms('1506702504001000000'), '"2017-09-29T16:28:24.001Z"');
    assert.equal(ms('1506702504002000000'), '"2017-09-29T16:28:24.002Z"');
    for (const f of [ms, nsf]) assert.equal(f('99999999999999999999999'), '99999999999999999999999', 'beyond year 9999: kept');
  });

  it('rfc3339 cache does not leak between different seconds', () => {
    const f = createTimestampFormatter('rfc3339');
    const seen = new Set<string>();
    for (let s = 1_700_000_000; s < 1_700_000_050; s++) {
      const a = f(`${s}000000001`);
      assert.equal(a, f(`${s}999999999`));
      assert.equal(a, `"${new Date(s * 1000).toISOString().slice(0, 19)}Z"`);
      seen.add(a);
    }
    assert.equal(seen.size, 50);
  });

  it('passes unreadable values through unchanged', () => {
    for (const format of ['unixnano', 'unix', 'rfc3339', 'rfc3339ms', 'rfc3339ns'] as const) {
      const f = createTimestampFormatter(format);
      for (const raw of ['1.5e18', 'true', 'null', '"yesterday"', '"2017-13-01T00:00:00Z"', '{}', '[]', '"']) {
        assert.equal(f(raw), raw, `${format} ${raw}`);
      }
    }
    // Beyond year 9999 an RFC 3339 text cannot be written; the value is kept.
    assert.equal(createTimestampFormatter('rfc3339')('99999999999999999999999'), '99999999999999999999999');
  });
});

describe('event time', () => {
  it('is the canonical nanosecond string of integers and RFC 3339 strings', () => {
    assert.equal(eventTimeNs('1506702504433000200'), '1506702504433000200');
    assert.equal(eventTimeNs('"2017-09-29T16:28:24.4330002Z"'), '1506702504433000200');
    assert.equal(eventTimeNs('"1506702504433000200"'), '1506702504433000200');
    assert.equal(eventTimeNs('007'), '7');
    assert.equal(eventTimeNs('-5'), null);
    assert.equal(eventTimeNs('-0'), '0', 'zero, written with a sign');
    assert.equal(eventTimeNs('"2021-02-28T00:00:00Z"'), '1614470400000000000');
    assert.equal(eventTimeNs('"2021-02-31T00:00:00Z"'), null, 'not a date (Go rejects it too)');
    assert.equal(eventTimeNs('"2024-02-29T00:00:00Z"'), '1709164800000000000', 'a leap day');
    assert.equal(eventTimeNs('"2100-02-29T00:00:00Z"'), null, '2100 is not a leap year');
    assert.equal(eventTimeNs('"2021-01-01T00:00:00+99:99"'), null, 'offset out of range');
    assert.equal(eventTimeNs('1.5'), null);
    assert.equal(eventTimeNs('"soon"'), null);
    assert.equal(eventTimeNs('null'), null);
  });
});

describe('event time range', () => {
  /** Observes each raw value as slot 0 of a record, all values back to back in one batch. */
  function range(values: readonly (string | null)[]): { min: string | null; max: string | null } {
    const bytes = utf8Bytes(values.map((v) => v ?? '').join(' '));
    const record: ScannedRecord = { bytes, starts: new Int32Array(1), ends: new Int32Array(1), invalidUtf8: false };
    const times = createEventTimeRange(0);
    let pos = 0;
    for (const value of values) {
      const length = utf8Bytes(value ?? '').length;
      record.starts[0] = value === null ? -1 : pos;
      record.ends[0] = value === null ? -1 : pos + length;
      times.observe(record);
      pos += length + 1;
    }
    return { min: times.min, max: times.max };
  }

  it('keeps the exact least and greatest 19-digit values, in any order', () => {
    const values = ['1506702504433000201', '1506702504433000200', '1506702504433000202', '1506702504433000201'];
    assert.deepEqual(range(values), { min: '1506702504433000200', max: '1506702504433000202' });
    assert.deepEqual(range([...values].reverse()), { min: '1506702504433000200', max: '1506702504433000202' });
  });

  it('compares by length first (999 < 1000), in place and through timestamp.ts alike', () => {
    assert.deepEqual(range(['1000', '999', '10000', '5']), { min: '5', max: '10000' });
  });

  it('reads non-canonical values (leading zeros, RFC 3339 and integer strings) as timestamp.ts does', () => {
    const values = ['1506702504433000200', '"2017-09-29T16:28:25Z"', '"1506702504433000100"', '0001506702504433000300'];
    assert.deepEqual(range(values), { min: '1506702504433000100', max: '1506702505000000000' });
  });

  it('ignores missing and unreadable values, including non-ASCII text', () => {
    assert.deepEqual(range([null, '"gestern ü"', '-5', '1.5', '"😀"', '42', null]), { min: '42', max: '42' });
    assert.deepEqual(range([null, '"ü"']), { min: null, max: null });
  });

  it('is empty without an event-time slot', () => {
    const times = createEventTimeRange(-1);
    times.observe({ bytes: utf8Bytes('1'), starts: Int32Array.of(0), ends: Int32Array.of(1), invalidUtf8: false });
    assert.deepEqual([times.min, times.max], [null, null]);
  });
});
