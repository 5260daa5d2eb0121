// Reading raw JSON values in place: the slots a FieldScanner filled hold [start, end) ranges of
// the record text, and these helpers answer questions about such a value without JSON.parse.
//
// Every range given here must be one the scanner produced (a complete, valid JSON value); the
// helpers do not re-validate it. Common cases (strings without escapes, integers) allocate
// nothing; escaped strings and non-integer numbers fall back to JSON.parse / Number of a slice,
// which is correct and rare.
//
// Numbers are compared exactly: 19-digit unixnano integers (EdgeStartTimestamp) do not fit a
// double, so integers are compared digit by digit against an ExactNumber prepared once.

import { skipValue, skipWhitespace } from './scan.ts';

export const ValueKind = {
  STRING: 0,
  NUMBER: 1,
  BOOL: 2,
  NULL: 3,
  ARRAY: 4,
  OBJECT: 5,
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

const QUOTE = 34, COMMA = 44, MINUS = 45, DOT = 46, DIGIT_0 = 48, DIGIT_9 = 57, UPPER_E = 69,
  OPEN_BRACKET = 91, BACKSLASH = 92, CLOSE_BRACKET = 93, LOWER_E = 101, LOWER_F = 102,
  LOWER_N = 110, LOWER_T = 116, OPEN_BRACE = 123;

/** The kind of the valid raw JSON value starting at `start`, from its first character. */
export function kindAt(text: string, start: number): ValueKind {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return ValueKind.STRING;
  if (c === LOWER_T || c === LOWER_F) return ValueKind.BOOL;
  if (c === LOWER_N) return ValueKind.NULL;
  if (c === OPEN_BRACKET) return ValueKind.ARRAY;
  if (c === OPEN_BRACE) return ValueKind.OBJECT;
  return ValueKind.NUMBER;
}

/** For a raw bool value: true when it is `true`. */
export function rawBool(text: string, start: number): boolean {
  return text.charCodeAt(start) === LOWER_T;
}

// ---------------------------------------------------------------------------------------------
// Strings. A raw string [start, end) includes its quotes. Without a backslash, its decoded value
// is exactly the text between the quotes, so it can be compared in place.

/** True when the raw value [start, end) contains a backslash (so decoding changes it). */
export function hasBackslash(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === BACKSLASH) return true;
  }
  return false;
}

/** The JS string a raw JSON string value decodes to. */
export function decodeString(text: string, start: number, end: number): string {
  if (!hasBackslash(text, start + 1, end - 1)) return text.slice(start + 1, end - 1);
  return JSON.parse(text.slice(start, end)) as string;
}

/** decoded(raw) === value; no allocation unless the raw string has escapes. */
export function rawStringEquals(text: string, start: number, end: number, value: string): boolean {
  const rawLength = end - start - 2;
  // An escape is always longer than the character it stands for, so a raw string shorter than
  // `value` can never decode to it, and one of equal length matches only if it is literally equal
  // and has no escapes (literal equality implies that when `value` has no backslash).
  if (rawLength < value.length) return false;
  if (rawLength === value.length && value.indexOf('\\') < 0) return text.startsWith(value, start + 1);
  if (!hasBackslash(text, start + 1, end - 1)) return false;
  return decodeString(text, start, end) === value;
}

export function rawStringStartsWith(text: string, start: number, end: number, prefix: string): boolean {
  if (!hasBackslash(text, start + 1, end - 1)) {
    return end - start - 2 >= prefix.length && text.startsWith(prefix, start + 1);
  }
  return decodeString(text, start, end).startsWith(prefix);
}

export function rawStringEndsWith(text: string, start: number, end: number, suffix: string): boolean {
  if (!hasBackslash(text, start + 1, end - 1)) {
    return end - start - 2 >= suffix.length && text.startsWith(suffix, end - 1 - suffix.length);
  }
  return decodeString(text, start, end).endsWith(suffix);
}

export function rawStringIncludes(text: string, start: number, end: number, part: string): boolean {
  if (!hasBackslash(text, start + 1, end - 1)) {
    // Bounded search: text.indexOf would run past `end` into the rest of the batch.
    if (part.length === 0) return true;
    const first = part.charCodeAt(0);
    const last = end - 1 - part.length;
    for (let i = start + 1; i <= last; i++) {
      if (text.charCodeAt(i) === first && text.startsWith(part, i)) return true;
    }
    return false;
  }
  return decodeString(text, start, end).includes(part);
}

// ---------------------------------------------------------------------------------------------
// Numbers.

/** A number prepared once (from a filter value) for exact comparison with raw JSON numbers. */
export interface ExactNumber {
  /** The value exactly, when it is an integer; null otherwise. */
  readonly integer: bigint | null;
  /** For integers: |value| in decimal, no leading zeros (compared digit by digit). */
  readonly digits: string;
  readonly negative: boolean;
  /** The value as a double (used when it is not an integer; NaN never compares). */
  readonly approx: number;
}

/**
 * Prepares a filter value for comparisons. Accepts a number, a bigint, or a string holding a
 * JSON number (a way to pass a 19-digit integer exactly). Returns null for anything else.
 *
 * A double above 2^53 has already lost digits when the job JSON was parsed; its shortest decimal
 * form (String(v)) is the best guess of what was written (1506702504433000200 stays ...200
 * rather than becoming the double's exact ...192).
 */
export function exactNumber(value: unknown): ExactNumber | null {
  let integer: bigint | null = null;
  if (typeof value === 'bigint') {
    integer = value;
  } else if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      const abs = Math.abs(value);
      integer = BigInt(abs < 1e21 ? String(abs) : abs);
      if (value < 0) integer = -integer;
    } else if (Number.isNaN(value)) {
      return null;
    } else {
      return { integer: null, digits: '', negative: value < 0, approx: value };
    }
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text.length === 0 || skipNumberText(text) !== text.length) return null;
    if (/^-?\d+$/.test(text)) integer = BigInt(text);
    else return exactNumber(Number(text));
  } else {
    return null;
  }
  const negative = integer < 0n;
  return {
    integer,
    digits: (negative ? -integer : integer).toString(),
    negative,
    approx: Number(integer),
  };
}

function skipNumberText(text: string): number {
  // Reuse the scanner's grammar check via skipValue (a bare number is a valid JSON value).
  const c = text.charCodeAt(0);
  if (c !== MINUS && !(c >= DIGIT_0 && c <= DIGIT_9)) return -1;
  return skipValue(text, 0, text.length);
}

/**
 * Compares the raw JSON number [start, end) with `n`: negative, 0 or positive, like a sort
 * comparator. Integers (the common case) are compared digit by digit with no allocation.
 */
export function compareRawNumber(text: string, start: number, end: number, n: ExactNumber): number {
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  const digitsStart = i;
  let c = 0;
  while (i < end && (c = text.charCodeAt(i)) >= DIGIT_0 && c <= DIGIT_9) i++;
  const isInteger = i === end;
  const length = i - digitsStart;

  if (isInteger && n.integer !== null) {
    // JSON forbids leading zeros, so the longer digit string is the larger magnitude.
    const isZero = length === 1 && text.charCodeAt(digitsStart) === DIGIT_0;
    const rawNegative = negative && !isZero;
    if (rawNegative !== n.negative) return rawNegative ? -1 : 1;
    let magnitude = length - n.digits.length;
    if (magnitude === 0) {
      for (let k = 0; k < length; k++) {
        const d = text.charCodeAt(digitsStart + k) - n.digits.charCodeAt(k);
        if (d !== 0) {
          magnitude = d;
          break;
        }
      }
    }
    return rawNegative ? -magnitude : magnitude;
  }
  if (isInteger && length <= 15) {
    // Fits a double exactly; compare with the (non-integer) threshold as doubles.
    let v = 0;
    for (let k = digitsStart; k < end; k++) v = v * 10 + (text.charCodeAt(k) - DIGIT_0);
    return sign(negative ? -v : v, n.approx);
  }
  // Rare: a big integer against a fractional threshold, or a raw number with a fraction or
  // exponent. JS compares a bigint and a number exactly.
  const raw = text.slice(start, end);
  if (isInteger) return sign(BigInt(raw), n.approx);
  return sign(Number(raw), n.integer ?? n.approx);
}

function sign(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : a == b ? 0 : NaN;
}

/** True when the raw number [start, end) has no fraction or exponent. */
export function isRawInteger(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT || c === LOWER_E || c === UPPER_E) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Arrays: iterate elements in place.
//   for (let p = firstElement(t, s, e); p >= 0; p = nextElement(t, q, e)) { const q = valueEnd(t, p, e); … }

/** Start of the first element of the raw array [start, end), or -1 when it is empty. */
export function firstElement(text: string, start: number, end: number): number {
  const pos = skipWhitespace(text, start + 1, end);
  return pos >= end || text.charCodeAt(pos) === CLOSE_BRACKET ? -1 : pos;
}

/** End (exclusive) of the valid JSON value starting at `pos`. */
export function valueEnd(text: string, pos: number, end: number): number {
  return skipValue(text, pos, end);
}

/** Given the end of an element, the start of the next element, or -1 after the last one. */
export function nextElement(text: string, elementEnd: number, end: number): number {
  if (elementEnd < 0) return -1;
  const pos = skipWhitespace(text, elementEnd, end);
  if (pos >= end || text.charCodeAt(pos) !== COMMA) return -1;
  return skipWhitespace(text, pos + 1, end);
}
