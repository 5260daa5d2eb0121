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
  stringOperand,
  valueEnd,
  ValueKind,
} from '../../workers/json-value.ts';
import { utf8Bytes, utf8Of } from '../../workers/byte-text.ts';

/** Puts a raw value inside surrounding text (as in a batch) and returns [bytes, start, end] (byte offsets). */
function place(raw: string): [Uint8Array, number, number] {
  const before = '{"x":';
  const start = utf8Bytes(before).length;
  return [utf8Bytes(`${before}${raw},"after":"tail\\"xyz"}`), start, start + utf8Bytes(raw).length];
}

// The string operators on a raw value placed in a batch, with the operand prepared as the filter does.
const equals = (raw: string, value: string): boolean => rawStringEquals(...place(raw), stringOperand(value));
const startsWith = (raw: string, value: string): boolean => rawStringStartsWith(...place(raw), stringOperand(value));
const endsWith = (raw: string, value: string): boolean => rawStringEndsWith(...place(raw), stringOperand(value));
const includes = (raw: string, value: string): boolean => rawStringIncludes(...place(raw), stringOperand(value));

describe('kindAt', () => {
  it('tells the kind from the first character', () => {
    const cases: Array<[string, number]> = [
      ['"s"', ValueKind.STRING], ['-1', ValueKind.NUMBER], ['0.5', ValueKind.NUMBER], ['true', ValueKind.BOOL],
      ['false', ValueKind.BOOL], ['null', ValueKind.NULL], ['[1]', ValueKind.ARRAY], ['{}', ValueKind.OBJECT],
    ];
    for (const [raw, kind] of cases) assert.equal(kindAt(...place(raw).slice(0, 2) as [Uint8Array, number]), kind, raw);
    assert.equal(rawBool(...place('true').slice(0, 2) as [Uint8Array, number]), true);
    assert.equal(rawBool(...place('false').slice(0, 2) as [Uint8Array, number]), false);
  });
});

describe('raw strings', () => {
  it('decodes with and without escapes', () => {
    assert.equal(decodeString(...place('"plain text"')), 'plain text');
    assert.equal(decodeString(...place('"a\\"b\\\\c\\u0041\\n"')), 'a"b\\cA\n');
    assert.equal(decodeString(...place('""')), '');
    assert.equal(decodeString(...place('"Zürich 日本 😀"')), 'Zürich 日本 😀');
    assert.equal(decodeString(...place('"Z\\u00fcrich \\ud83d\\ude00"')), 'Zürich 😀');
  });

  it('compares equal in place or through decoding', () => {
    assert.equal(equals('"GET"', 'GET'), true);
    assert.equal(equals('"GET"', 'GE'), false);
    assert.equal(equals('"GET"', 'GETS'), false);
    assert.equal(equals('"get"', 'GET'), false); // case-sensitive
    assert.equal(equals('"\\u0047ET"', 'GET'), true);
    assert.equal(equals('"a\\nb"', 'a\nb'), true);
    // A value with a backslash in it: the raw text "a\\nb" must not match the 4 characters a\nb literally.
    assert.equal(equals('"a\\nb"', 'a\\nb'), false);
    assert.equal(equals('"a\\\\nb"', 'a\\nb'), true);
    assert.equal(equals('""', ''), true);
  });

  it('tests prefixes, suffixes and substrings within the value only', () => {
    assert.equal(startsWith('"/api/v1"', '/api'), true);
    assert.equal(startsWith('"/ap"', '/api'), false);
    assert.equal(startsWith('"\\/api"', '/api'), true);
    assert.equal(endsWith('"image.png"', '.png'), true);
    assert.equal(endsWith('"png"', '.png'), false);
    assert.equal(endsWith('"a.pn\\u0067"', '.png'), true);
    assert.equal(includes('"Mozilla bot/1"', 'bot'), true);
    assert.equal(includes('"Mozilla"', 'zil'), true);
    assert.equal(includes('"Mozilla"', 'Mozillas'), false);
    // "tail" and "xyz" exist in the surrounding text but not in the value.
    assert.equal(includes('"abc"', 'tail'), false);
    assert.equal(includes('"ab"', 'b,'), false);
    assert.equal(endsWith('"ab"', 'b"'), false);
    assert.equal(includes('"a\\"b"', '"'), true);
    assert.equal(includes('"abc"', ''), true);
  });

  it('compares non-ASCII text as UTF-8, raw or escaped', () => {
    assert.equal(equals('"Zürich"', 'Zürich'), true);
    assert.equal(equals('"Z\\u00fcrich"', 'Zürich'), true);
    assert.equal(equals('"Z\\u00FCrich"', 'Zürich'), true);
    assert.equal(equals('"Zurich"', 'Zürich'), false);
    assert.equal(equals('"Zürichs"', 'Zürich'), false);
    assert.equal(equals('"Zürich"', 'Zurich'), false);
    assert.equal(equals('"Zärich"', 'Zürich'), false); // same length: ä is C3 A4, ü is C3 BC
    assert.equal(equals('"Zu\u0308rich"', 'Zürich'), false); // u + combining diaeresis: not normalised
    assert.equal(equals('"日本"', '日本'), true);
    assert.equal(equals('"\\u65e5\\u672c"', '日本'), true);
    assert.equal(equals('"😀"', '😀'), true);
    assert.equal(equals('"\\ud83d\\ude00"', '😀'), true);
    assert.equal(startsWith('"Zürich-West"', 'Zür'), true);
    assert.equal(startsWith('"Z\\u00fcrich-West"', 'Zür'), true);
    assert.equal(startsWith('"Zurich"', 'Zür'), false);
    assert.equal(endsWith('"Genève"', 'ève'), true);
    assert.equal(endsWith('"Gen\\u00e8ve"', 'ève'), true);
    assert.equal(endsWith('"Geneve"', 'ève'), false);
    assert.equal(includes('"in Zürich today"', 'ürich'), true);
    assert.equal(includes('"in Z\\u00fcrich today"', 'ürich'), true);
    assert.equal(includes('"in Zurich today"', 'ürich'), false);
    assert.equal(includes('"日本語"', '本'), true);
    assert.equal(includes('"日本語"', '中'), false);
  });

  it('matches a lone surrogate only through an escape', () => {
    // No valid UTF-8 encodes U+D800; its UTF-8 stand-in (U+FFFD) in a record must not match it.
    assert.equal(equals('"\\ud800"', '\ud800'), true);
    assert.equal(equals('"\ufffd"', '\ud800'), false);
    assert.equal(startsWith('"\ufffdx"', '\ud800'), false);
    assert.equal(endsWith('"x\ufffd"', '\ud800'), false);
    assert.equal(includes('"x\ufffdx"', '\ud800'), false);
    assert.equal(includes('"x\\ud800x"', '\ud800'), true);
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

  it('compares fractions and exponents exactly, whatever their size', () => {
    // A double would round each raw value here to the filter value (or away from it).
    assert.equal(cmp('1506702504433000200.0', 1506702504433000200), 0);
    assert.equal(cmp('1506702504433000201.0', 1506702504433000200), 1);
    assert.equal(cmp('1.506702504433000199e18', '1506702504433000200'), -1);
    assert.equal(cmp('9007199254740993.0', 9007199254740992), 1);
    assert.equal(cmp('2.99999999999999999999', 3), -1);
    assert.equal(cmp('3', 2.9999999999999999), 0, 'the filter value is the double the job JSON parsed to: 3');
    assert.equal(cmp('0.10000000000000000001', 0.1), 1);
    // A filter value is taken as its shortest decimal (what the user wrote), not the double's binary value.
    assert.equal(cmp('100000000000000000000000', 1e23), 0);
    assert.equal(cmp('99999999999999991611392', 1e23), -1);
    assert.equal(cmp('1e23', 1e23), 0);
    assert.equal(cmp('-0.0', 0), 0);
    assert.equal(cmp('0e-5', -0), 0);
    assert.equal(cmp('-1e-400', 0), -1);
    assert.equal(cmp('1e-400', 0), 1);
    assert.equal(cmp('12.50', 12.5), 0);
    assert.equal(cmp('125e-1', '12.5'), 0);
    assert.equal(cmp('-12.51', -12.5), -1);
    assert.equal(cmp('1e999999999999', 1e308), 1);
  });

  it('prepares only numeric filter values', () => {
    assert.equal(exactNumber('abc'), null);
    assert.equal(exactNumber('12a'), null);
    assert.equal(exactNumber(NaN), null);
    assert.equal(exactNumber(true), null);
    assert.equal(exactNumber(null), null);
    assert.equal(exactNumber(' 42 ')?.integerDigits, '42');
    assert.equal(exactNumber('007'), null, 'a string must be a JSON number');
    assert.equal(exactNumber(Infinity), null);
  });

  it('tells integers from other numbers', () => {
    assert.equal(isRawInteger(...place('-123')), true);
    assert.equal(isRawInteger(...place('1.5')), false);
    assert.equal(isRawInteger(...place('1e5')), false);
  });
});

describe('array elements', () => {
  const elements = (raw: string): string[] => {
    const [bytes, start, end] = place(raw);
    const found: string[] = [];
    for (let p = firstElement(bytes, start, end); p >= 0;) {
      const q = valueEnd(bytes, p, end);
      found.push(utf8Of(bytes, p, q));
      p = nextElement(bytes, q, end);
    }
    return found;
  };

  it('iterates elements in place', () => {
    assert.deepEqual(elements('[]'), []);
    assert.deepEqual(elements('[ ]'), []);
    assert.deepEqual(elements('[1]'), ['1']);
    assert.deepEqual(elements('[ "a,b" , [1,2] , {"k":"]"}, null ]'), ['"a,b"', '[1,2]', '{"k":"]"}', 'null']);
    assert.deepEqual(elements('["Zürich","日本"]'), ['"Zürich"', '"日本"']);
  });
});
