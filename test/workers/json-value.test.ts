import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareRawNumber,
  decodeString,
  exactNumber,
  firstElement,
  isRawInteger,
  kindAt,
  nextElement,
  rawBool,
  rawStringEndsWith,
  rawStringEquals,
  rawStringIncludes,
  rawStringStartsWith,
  valueEnd,
  ValueKind,
} from '../../workers/json-value.ts';

/** Puts a raw value inside surrounding text (as in a batch) and returns [text, start, end]. */
function place(raw: string): [string, number, number] {
  const before = '{"x":';
  return [`${before}${raw},"after":"tail\\"xyz"}`, before.length, before.length + raw.length];
}

describe('kindAt', () => {
  it('tells the kind from the first character', () => {
    const cases: Array<[string, number]> = [
      ['"s"', ValueKind.STRING], ['-1', ValueKind.NUMBER], ['0.5', ValueKind.NUMBER], ['true', ValueKind.BOOL],
      ['false', ValueKind.BOOL], ['null', ValueKind.NULL], ['[1]', ValueKind.ARRAY], ['{}', ValueKind.OBJECT],
    ];
    for (const [raw, kind] of cases) assert.equal(kindAt(...place(raw).slice(0, 2) as [string, number]), kind, raw);
    assert.equal(rawBool(...place('true').slice(0, 2) as [string, number]), true);
    assert.equal(rawBool(...place('false').slice(0, 2) as [string, number]), false);
  });
});

describe('raw strings', () => {
  it('decodes with and without escapes', () => {
    assert.equal(decodeString(...place('"plain text"')), 'plain text');
    assert.equal(decodeString(...place('"a\\"b\\\\c\\u0041\\n"')), 'a"b\\cA\n');
    assert.equal(decodeString(...place('""')), '');
  });

  it('compares equal in place or through decoding', () => {
    assert.equal(rawStringEquals(...place('"GET"'), 'GET'), true);
    assert.equal(rawStringEquals(...place('"GET"'), 'GE'), false);
    assert.equal(rawStringEquals(...place('"GET"'), 'GETS'), false);
    assert.equal(rawStringEquals(...place('"get"'), 'GET'), false); // case-sensitive
    assert.equal(rawStringEquals(...place('"\\u0047ET"'), 'GET'), true);
    assert.equal(rawStringEquals(...place('"a\\nb"'), 'a\nb'), true);
    // A value with a backslash in it: the raw text "a\\nb" must not match the 4 characters a\nb literally.
    assert.equal(rawStringEquals(...place('"a\\nb"'), 'a\\nb'), false);
    assert.equal(rawStringEquals(...place('"a\\\\nb"'), 'a\\nb'), true);
    assert.equal(rawStringEquals(...place('""'), ''), true);
  });

  it('tests prefixes, suffixes and substrings within the value only', () => {
    assert.equal(rawStringStartsWith(...place('"/api/v1"'), '/api'), true);
    assert.equal(rawStringStartsWith(...place('"/ap"'), '/api'), false);
    assert.equal(rawStringStartsWith(...place('"\\/api"'), '/api'), true);
    assert.equal(rawStringEndsWith(...place('"image.png"'), '.png'), true);
    assert.equal(rawStringEndsWith(...place('"png"'), '.png'), false);
    assert.equal(rawStringEndsWith(...place('"a.pn\\u0067"'), '.png'), true);
    assert.equal(rawStringIncludes(...place('"Mozilla bot/1"'), 'bot'), true);
    assert.equal(rawStringIncludes(...place('"Mozilla"'), 'zil'), true);
    assert.equal(rawStringIncludes(...place('"Mozilla"'), 'Mozillas'), false);
    // "tail" and "xyz" exist in the surrounding text but not in the value.
    assert.equal(rawStringIncludes(...place('"abc"'), 'tail'), false);
    assert.equal(rawStringIncludes(...place('"ab"'), 'b,'), false);
    assert.equal(rawStringEndsWith(...place('"ab"'), 'b"'), false);
    assert.equal(rawStringIncludes(...place('"a\\"b"'), '"'), true);
    assert.equal(rawStringIncludes(...place('"abc"'), ''), true);
  });
});

describe('raw numbers', () => {
  const cmp = (raw: string, value: unknown): number => {
    const n = exactNumber(value);
    assert.ok(n !== null);
    return Math.sign(compareRawNumber(...place(raw), n));
  };

  it('compares 19-digit integers exactly', () => {
    assert.equal(cmp('1506702504433000201', 1506702504433000200n), 1);
    assert.equal(cmp('1506702504433000200', 1506702504433000201n), -1);
    assert.equal(cmp('1506702504433000201', 1506702504433000201n), 0);
    assert.equal(cmp('1506702504433000201', '1506702504433000201'), 0);
    // Number() would round both of these to the same double.
    assert.equal(Number('1506702504433000201'), Number('1506702504433000200'));
    assert.equal(cmp('1506702504433000201', 1506702504433000200), 1);
    assert.equal(cmp('1506702504433000195', 1506702504433000200), -1);
    assert.equal(cmp('-1506702504433000201', -1506702504433000200n), -1);
    assert.equal(cmp('99999999999999999999', 1e19), 1);
  });

  it('compares signs, zero and small integers', () => {
    assert.equal(cmp('0', 0), 0);
    assert.equal(cmp('-0', 0), 0);
    assert.equal(cmp('0', -0), 0);
    assert.equal(cmp('-1', 0), -1);
    assert.equal(cmp('1', -1), 1);
    assert.equal(cmp('-5', -4), -1);
    assert.equal(cmp('10', 9), 1);
    assert.equal(cmp('404', 404), 0);
  });

  it('compares fractions and exponents', () => {
    assert.equal(cmp('1.0', 1), 0);
    assert.equal(cmp('1e2', 100), 0);
    assert.equal(cmp('2.5E-1', 0.25), 0);
    assert.equal(cmp('0.5', 1), -1);
    assert.equal(cmp('7', 6.5), 1);
    assert.equal(cmp('6', 6.5), -1);
    assert.equal(cmp('-7', -6.5), -1);
    assert.equal(cmp('1506702504433000201', 1.5), 1);
    assert.equal(cmp('1e400', 5), 1);
    assert.equal(cmp('5', '2.5e0'), 1);
  });

  it('prepares only numeric filter values', () => {
    assert.equal(exactNumber('abc'), null);
    assert.equal(exactNumber('12a'), null);
    assert.equal(exactNumber(NaN), null);
    assert.equal(exactNumber(true), null);
    assert.equal(exactNumber(null), null);
    assert.equal(exactNumber(' 42 ')?.integer, 42n);
  });

  it('tells integers from other numbers', () => {
    assert.equal(isRawInteger(...place('-123')), true);
    assert.equal(isRawInteger(...place('1.5')), false);
    assert.equal(isRawInteger(...place('1e5')), false);
  });
});

describe('array elements', () => {
  const elements = (raw: string): string[] => {
    const [text, start, end] = place(raw);
    const found: string[] = [];
    for (let p = firstElement(text, start, end); p >= 0;) {
      const q = valueEnd(text, p, end);
      found.push(text.slice(p, q));
      p = nextElement(text, q, end);
    }
    return found;
  };

  it('iterates elements in place', () => {
    assert.deepEqual(elements('[]'), []);
    assert.deepEqual(elements('[ ]'), []);
    assert.deepEqual(elements('[1]'), ['1']);
    assert.deepEqual(elements('[ "a,b" , [1,2] , {"k":"]"}, null ]'), ['"a,b"', '[1,2]', '{"k":"]"}', 'null']);
  });
});
