// Reading raw JSON values in place: the slots a FieldScanner filled hold [start, end) byte ranges
// of the batch's UTF-8 bytes, and these helpers answer questions about such a value without
// JSON.parse.
//
// Every range given here must be one the scanner produced (a complete, valid JSON value); the
// helpers do not re-validate it. Common cases (strings without escapes, integers) allocate
// nothing; escaped strings and non-integer numbers fall back to JSON.parse / Number of a decoded
// copy, which is correct and rare.
//
// Strings are compared as UTF-8 bytes against a StringOperand prepared once from the filter's
// text. UTF-8 is self-synchronising, so for valid UTF-8 byte equality, prefix, suffix and
// substring agree with the same questions asked of the decoded characters.
//
// Numbers are compared exactly: 19-digit unixnano integers (EdgeStartTimestamp) do not fit a
// double, so integers are compared digit by digit against an ExactNumber prepared once.

import { utf8Bytes, utf8Of } from './byte-text.ts';
import { skipNumber, skipValue, skipWhitespace } from './scan.ts';

export const ValueKind = {
  STRING: 0,
  NUMBER: 1,
  BOOL: 2,
  NULL: 3,
  ARRAY: 4,
  OBJECT: 5,
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

const QUOTE = 34, PLUS = 43, COMMA = 44, MINUS = 45, DOT = 46, DIGIT_0 = 48, DIGIT_9 = 57, UPPER_E = 69,
  OPEN_BRACKET = 91, BACKSLASH = 92, CLOSE_BRACKET = 93, LOWER_E = 101, LOWER_F = 102,
  LOWER_N = 110, LOWER_T = 116, OPEN_BRACE = 123;

/** The kind of the valid raw JSON value starting at `start`, from its first byte. */
export function kindAt(bytes: Uint8Array, start: number): ValueKind {
  const c = bytes[start];
  if (c === QUOTE) return ValueKind.STRING;
  if (c === LOWER_T || c === LOWER_F) return ValueKind.BOOL;
  if (c === LOWER_N) return ValueKind.NULL;
  if (c === OPEN_BRACKET) return ValueKind.ARRAY;
  if (c === OPEN_BRACE) return ValueKind.OBJECT;
  return ValueKind.NUMBER;
}

/** For a raw bool value: true when it is `true`. */
export function rawBool(bytes: Uint8Array, start: number): boolean {
  return bytes[start] === LOWER_T;
}

// ---------------------------------------------------------------------------------------------
// Strings. A raw string [start, end) includes its quotes. Without a backslash, its decoded value
// is exactly the UTF-8 between the quotes, so it can be compared in place.

/** A filter's string, prepared once for comparisons with raw JSON strings. */
export interface StringOperand {
  readonly text: string;
  /** `text` as UTF-8: what an unescaped raw string holds between its quotes when it equals `text`. */
  readonly utf8: Uint8Array;
  /**
   * False when `text` has a lone surrogate: no valid UTF-8 encodes one, so only an escaped raw
   * string (`\ud800`) can match it, through decoding. (utf8 then holds U+FFFD in its place.)
   */
  readonly wellFormed: boolean;
  /** True when `text` contains a backslash. */
  readonly hasBackslash: boolean;
}

export function stringOperand(text: string): StringOperand {
  return { text, utf8: utf8Bytes(text), wellFormed: text.isWellFormed(), hasBackslash: text.includes('\\') };
}

/** True when bytes[start, end) contains a backslash (so decoding a string changes it). */
export function hasBackslash(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (bytes[i] === BACKSLASH) return true;
  }
  return false;
}

/** The JS string a raw JSON string value decodes to. */
export function decodeString(bytes: Uint8Array, start: number, end: number): string {
  if (!hasBackslash(bytes, start + 1, end - 1)) return utf8Of(bytes, start + 1, end - 1);
  return JSON.parse(utf8Of(bytes, start, end)) as string;
}

/** True when bytes[pos, pos + part.length) equals `part`; the caller checks the range fits. */
export function bytesEqualAt(bytes: Uint8Array, pos: number, part: Uint8Array): boolean {
  for (let k = 0; k < part.length; k++) {
    if (bytes[pos + k] !== part[k]) return false;
  }
  return true;
}

/** decoded(raw) === operand.text; no allocation unless the raw string has escapes. */
export function rawStringEquals(bytes: Uint8Array, start: number, end: number, operand: StringOperand): boolean {
  const rawLength = end - start - 2;
  const utf8 = operand.utf8;
  // An escape is always at least as long as the UTF-8 of the character it stands for (longer,
  // except for a lone surrogate), so a raw string shorter than `utf8` can never decode to the
  // operand, and one of equal length matches only if it is literally equal and has no escapes
  // (literal equality implies that when the operand has no backslash).
  if (rawLength < utf8.length) return false;
  if (rawLength === utf8.length && operand.wellFormed && !operand.hasBackslash) return bytesEqualAt(bytes, start + 1, utf8);
  if (!hasBackslash(bytes, start + 1, end - 1)) return false;
  return decodeString(bytes, start, end) === operand.text;
}

export function rawStringStartsWith(bytes: Uint8Array, start: number, end: number, prefix: StringOperand): boolean {
  if (!hasBackslash(bytes, start + 1, end - 1)) {
    const utf8 = prefix.utf8;
    return prefix.wellFormed && end - start - 2 >= utf8.length && bytesEqualAt(bytes, start + 1, utf8);
  }
  return decodeString(bytes, start, end).startsWith(prefix.text);
}

export function rawStringEndsWith(bytes: Uint8Array, start: number, end: number, suffix: StringOperand): boolean {
  if (!hasBackslash(bytes, start + 1, end - 1)) {
    const utf8 = suffix.utf8;
    return suffix.wellFormed && end - start - 2 >= utf8.length && bytesEqualAt(bytes, end - 1 - utf8.length, utf8);
  }
  return decodeString(bytes, start, end).endsWith(suffix.text);
}

export function rawStringIncludes(bytes: Uint8Array, start: number, end: number, part: StringOperand): boolean {
  if (!hasBackslash(bytes, start + 1, end - 1)) {
    if (!part.wellFormed) return false;
    const utf8 = part.utf8;
    if (utf8.length === 0) return true;
    // Bounded search: only the bytes between the quotes, not the rest of the batch.
    const first = utf8[0];
    const last = end - 1 - utf8.length;
    for (let i = start + 1; i <= last; i++) {
      if (bytes[i] === first && bytesEqualAt(bytes, i, utf8)) return true;
    }
    return false;
  }
  return decodeString(bytes, start, end).includes(part.text);
}

// ---------------------------------------------------------------------------------------------
// Numbers.

/**
 * A number as an exact decimal: ±0.d₁d₂…dₙ × 10^exponent with d₁ ≠ 0 and no trailing zeros
 * (zero has no digits). Comparing two of these needs no floating point, so 19-digit integers,
 * fractions and exponents all compare exactly.
 */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

/** A number prepared once (from a filter value) for exact comparison with raw JSON numbers. */
export interface ExactNumber {
  /** For integers: |value| in decimal, no leading zeros (the allocation-free fast path); null otherwise. */
  readonly integerDigits: string | null;
  readonly negative: boolean;
  /** The value exactly, for every other comparison. */
  readonly decimal: Decimal;
}

/**
 * Prepares a filter value for comparisons. Accepts a number, a bigint, or a string holding a
 * JSON number (a way to pass a 19-digit integer exactly). Returns null for anything else.
 *
 * A number is taken as its shortest decimal form (String(v)): a double above 2^53 has already
 * lost digits when the job JSON was parsed, and what the user wrote is the best guess of what
 * was meant (1506702504433000200 stays …200 rather than becoming the double's exact …192;
 * 1e23 stays 10^23).
 */
export function exactNumber(value: unknown): ExactNumber | null {
  let text: string;
  if (typeof value === 'bigint') text = value.toString();
  else if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : '';
  else if (typeof value === 'string') {
    text = value.trim();
    if (!isJsonNumber(text)) return null;
  } else return null;
  const decimal = parseDecimal(text);
  if (decimal === null) return null;
  // An integer: the digits of 0.d₁…dₙ × 10^exponent, padded with zeros to `exponent` places.
  const isInteger = decimal.digits.length <= decimal.exponent || decimal.digits === '';
  const integerDigits = !isInteger ? null : decimal.digits === '' ? '0' : decimal.digits.padEnd(decimal.exponent, '0');
  return { integerDigits, negative: decimal.negative, decimal };
}

/** True when `text` is exactly one JSON number (the scanner's grammar, run on its bytes). */
function isJsonNumber(text: string): boolean {
  const bytes = utf8Bytes(text);
  return bytes.length > 0 && skipNumber(bytes, 0, bytes.length) === bytes.length;
}

const DECIMAL_TEXT = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** A JSON number (or a JS number's String form, e.g. `1e+23`) as a Decimal; null if it is not one. */
export function parseDecimal(text: string): Decimal | null {
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) return null;
  const whole = m[2]!;
  const fraction = m[3] ?? '';
  const all = whole + fraction;
  let first = 0;
  while (first < all.length && all.charCodeAt(first) === DIGIT_0) first++;
  if (first === all.length) return { negative: false, digits: '', exponent: 0 }; // -0 is 0
  let last = all.length;
  while (all.charCodeAt(last - 1) === DIGIT_0) last--;
  const exponent = clampExponent(whole.length - first + Number(m[4] ?? '0'));
  return { negative: m[1] !== undefined, digits: all.slice(first, last), exponent };
}

/** Exponents beyond ±10^9 are clamped: nothing this far apart can compare equal. */
function clampExponent(e: number): number {
  return Math.max(-1e9, Math.min(1e9, e));
}

/**
 * Compares the raw JSON number [start, end) with `n`: negative, 0 or positive, like a sort
 * comparator. Integers against an integer (the common case) are compared digit by digit;
 * everything else as exact decimals. Neither allocates.
 */
export function compareRawNumber(bytes: Uint8Array, start: number, end: number, n: ExactNumber): number {
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  const digitsStart = i;
  let c = 0;
  while (i < end && (c = bytes[i]!) >= DIGIT_0 && c <= DIGIT_9) i++;
  const length = i - digitsStart;

  const integerDigits = n.integerDigits;
  if (i === end && integerDigits !== null) {
    // JSON forbids leading zeros, so the longer digit string is the larger magnitude.
    const isZero = length === 1 && bytes[digitsStart] === DIGIT_0;
    const rawNegative = negative && !isZero;
    if (rawNegative !== n.negative) return rawNegative ? -1 : 1;
    let magnitude = length - integerDigits.length;
    if (magnitude === 0) {
      for (let k = 0; k < length; k++) {
        const d = bytes[digitsStart + k]! - integerDigits.charCodeAt(k);
        if (d !== 0) {
          magnitude = d;
          break;
        }
      }
    }
    return rawNegative ? -magnitude : magnitude;
  }
  return compareRawDecimal(bytes, negative, digitsStart, i, end, n.decimal);
}

/**
 * The raw number whose integer digits are [intStart, intEnd), followed by an optional fraction
 * and exponent up to `end`, against `d`, as exact decimals. Its digits are read in place: the
 * integer and fraction digits form one sequence, indexed through digitAt.
 */
function compareRawDecimal(bytes: Uint8Array, negative: boolean, intStart: number, intEnd: number, end: number, d: Decimal): number {
  let i = intEnd;
  let fracStart = i;
  let fracEnd = i;
  if (i < end && bytes[i] === DOT) {
    fracStart = ++i;
    let c: number;
    while (i < end && (c = bytes[i]!) >= DIGIT_0 && c <= DIGIT_9) i++;
    fracEnd = i;
  }
  let exp = 0;
  if (i < end) {
    i++; // e or E
    let expNegative = false;
    if (bytes[i] === PLUS) i++;
    else if (bytes[i] === MINUS) {
      expNegative = true;
      i++;
    }
    for (; i < end; i++) if (exp < 1e9) exp = exp * 10 + (bytes[i]! - DIGIT_0);
    if (expNegative) exp = -exp;
  }
  const intLength = intEnd - intStart;
  const total = intLength + fracEnd - fracStart;
  let first = 0;
  while (first < total && digitAt(bytes, intStart, intLength, fracStart, first) === DIGIT_0) first++;
  const rawIsZero = first === total;
  const otherIsZero = d.digits === '';
  if (rawIsZero || otherIsZero) {
    if (rawIsZero && otherIsZero) return 0;
    if (rawIsZero) return d.negative ? 1 : -1;
    return negative ? -1 : 1;
  }
  if (negative !== d.negative) return negative ? -1 : 1;
  let magnitude = clampExponent(intLength - first + exp) - d.exponent;
  if (magnitude === 0) {
    const rawCount = total - first;
    const count = Math.max(rawCount, d.digits.length);
    for (let k = 0; k < count; k++) {
      const a = k < rawCount ? digitAt(bytes, intStart, intLength, fracStart, first + k) : DIGIT_0;
      const b = k < d.digits.length ? d.digits.charCodeAt(k) : DIGIT_0;
      if (a !== b) {
        magnitude = a - b;
        break;
      }
    }
  }
  return negative ? -magnitude : magnitude;
}

/** Digit j of the raw number's integer digits followed by its fraction digits. */
function digitAt(bytes: Uint8Array, intStart: number, intLength: number, fracStart: number, j: number): number {
  return j < intLength ? bytes[intStart + j]! : bytes[fracStart + j - intLength]!;
}

/** True when the raw number [start, end) has no fraction or exponent. */
export function isRawInteger(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === DOT || c === LOWER_E || c === UPPER_E) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Arrays: iterate elements in place.
//   for (let p = firstElement(b, s, e); p >= 0; p = nextElement(b, q, e)) { const q = valueEnd(b, p, e); … }

/** Start of the first element of the raw array [start, end), or -1 when it is empty. */
export function firstElement(bytes: Uint8Array, start: number, end: number): number {
  const pos = skipWhitespace(bytes, start + 1, end);
  return pos >= end || bytes[pos] === CLOSE_BRACKET ? -1 : pos;
}

/** End (exclusive) of the valid JSON value starting at `pos`. */
export function valueEnd(bytes: Uint8Array, pos: number, end: number): number {
  return skipValue(bytes, pos, end);
}

/** Given the end of an element, the start of the next element, or -1 after the last one. */
export function nextElement(bytes: Uint8Array, elementEnd: number, end: number): number {
  if (elementEnd < 0) return -1;
  const pos = skipWhitespace(bytes, elementEnd, end);
  if (pos >= end || bytes[pos] !== COMMA) return -1;
  return skipWhitespace(bytes, pos + 1, end);
}
