// The field scanner: finds the raw values of a job's fields in one JSON record without JSON.parse.
//
// Why not JSON.parse: a worker only needs ~10 of ~60 top-level fields. Parsing builds every
// value (strings, nested objects, doubles that round 19-digit unixnano integers) and the garbage
// collector then pays for all of it. Walking the text once with charCodeAt and remembering where
// the wanted values start and end is several times faster (bench/scan.bench.ts) and keeps every
// value byte-exact.
//
// The scanner is also the validator: it accepts exactly the texts for which JSON.parse returns
// an object (RFC 8259 grammar: no trailing commas, no leading zeros, no control characters in
// strings, valid escapes). It never throws and always terminates: every loop moves `pos` forward
// and every read is bounded by `end`, which matters because `text` may be a whole batch with
// other records after `end`. Nesting is tracked with an explicit stack, not recursion, so deep
// input cannot overflow the call stack.
//
// Key matching allocates nothing: tracked names are grouped by length and a key is compared
// in place, character by character. Only a key that contains an escape (`"\u0041"`, rare) is
// decoded to a string before lookup.

import type { ScannedRecord } from './scanned-record.ts';

export interface FieldScanner {
  /** Tracked field names (duplicates removed, first occurrence kept); slot i is fields[i]. */
  readonly fields: readonly string[];
  readonly slotCount: number;
  /** The slot of a tracked field, or -1 if the field is not tracked. */
  slotOf(field: string): number;
  /**
   * Scans text[start, end), which must hold exactly one JSON object (surrounding whitespace
   * allowed). Sets out.text = text and out.starts/ends[slot] to the raw value range (absolute
   * indices into `text`) of each tracked top-level key present, -1 for absent ones. Returns
   * false if the text is not a valid JSON object (then `out` is unspecified). Duplicate keys:
   * the last one wins, as with JSON.parse.
   */
  scan(text: string, start: number, end: number, out: ScannedRecord): boolean;
}

export function createScannedRecord(slotCount: number): ScannedRecord {
  return {
    text: '',
    starts: new Int32Array(slotCount).fill(-1),
    ends: new Int32Array(slotCount).fill(-1),
  };
}

export function createFieldScanner(fields: readonly string[]): FieldScanner {
  const unique = [...new Set(fields)];
  const slotByName = new Map<string, number>();
  unique.forEach((name, slot) => slotByName.set(name, slot));

  // Candidates by key length, flattened: those for length L are [firstCandidate[L], firstCandidate[L+1]).
  // Each is pre-screened by its middle and last character before a full comparison, so an
  // untracked key usually costs a couple of integer comparisons. (String.prototype.startsWith
  // with a position is not optimised by V8 here: ~40 ns a call, as slow as a charCodeAt loop.)
  let maxLength = 0;
  for (const name of unique) maxLength = Math.max(maxLength, name.length);
  const firstCandidate = new Int32Array(maxLength + 2);
  const candidateNames: string[] = [];
  const candidateSlots: number[] = [];
  const candidateMiddle: number[] = [];
  const candidateLast: number[] = [];
  for (let len = 0; len <= maxLength; len++) {
    firstCandidate[len] = candidateNames.length;
    unique.forEach((name, slot) => {
      if (name.length !== len) return;
      candidateNames.push(name);
      candidateSlots.push(slot);
      candidateMiddle.push(name.charCodeAt(len >> 1));
      candidateLast.push(name.charCodeAt(len - 1));
    });
  }
  firstCandidate[maxLength + 1] = candidateNames.length;
  const slotCount = unique.length;

  /** Slot of the key text[keyStart, keyEnd) (between the quotes), or -1. */
  function matchKey(text: string, keyStart: number, keyEnd: number, escaped: boolean): number {
    if (escaped) {
      // Rare: the key has escapes, so its text differs from its name. The key was already
      // validated by skipString, so JSON.parse cannot throw here.
      const name = JSON.parse(text.slice(keyStart - 1, keyEnd + 1)) as string;
      return slotByName.get(name) ?? -1;
    }
    const len = keyEnd - keyStart;
    if (len > maxLength) return -1;
    let k = firstCandidate[len]!;
    const stop = firstCandidate[len + 1]!;
    if (k === stop) return -1;
    if (len === 0) return candidateSlots[k]!; // the empty name
    const middle = text.charCodeAt(keyStart + (len >> 1));
    const last = text.charCodeAt(keyEnd - 1);
    for (; k < stop; k++) {
      if (candidateMiddle[k] !== middle || candidateLast[k] !== last) continue;
      const name = candidateNames[k]!;
      let i = 0;
      while (i < len && text.charCodeAt(keyStart + i) === name.charCodeAt(i)) i++;
      if (i === len) return candidateSlots[k]!;
    }
    return -1;
  }

  function scan(text: string, start: number, end: number, out: ScannedRecord): boolean {
    const starts = out.starts;
    const ends = out.ends;
    for (let i = 0; i < slotCount; i++) {
      starts[i] = -1;
      ends[i] = -1;
    }
    out.text = text;
    if (start < 0 || end > text.length || start > end) return false;

    useText(text);

    let pos = skipWhitespace(text, start, end);
    if (pos >= end || text.charCodeAt(pos) !== OPEN_BRACE) return false;
    pos = skipWhitespace(text, pos + 1, end);
    if (pos >= end) return false;
    if (text.charCodeAt(pos) === CLOSE_BRACE) {
      return skipWhitespace(text, pos + 1, end) === end;
    }
    // Whitespace checks are inlined as "is the next character already the expected one": compact
    // JSON (the norm) then never calls skipWhitespace.
    for (;;) {
      // A member: "key" : value
      if (text.charCodeAt(pos) !== QUOTE) return false;
      const keyStart = pos + 1;
      stringHadEscape = false;
      pos = skipStringInText(text, keyStart, end);
      if (pos < 0) return false;
      const slot = matchKey(text, keyStart, pos - 1, stringHadEscape);
      if (text.charCodeAt(pos) !== COLON) {
        pos = skipWhitespace(text, pos, end);
        if (pos >= end || text.charCodeAt(pos) !== COLON) return false;
      }
      pos++;
      let c = text.charCodeAt(pos);
      if (c === SPACE || c === LF || c === CR || c === TAB) {
        pos = skipWhitespace(text, pos, end);
        c = text.charCodeAt(pos);
      }
      if (pos >= end) return false;
      const valueStart = pos;
      // Top-level values are mostly strings and numbers: handle those without the general walker.
      if (c === QUOTE) pos = skipStringInText(text, pos + 1, end);
      else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) pos = skipNumber(text, pos, end);
      else pos = skipValueInText(text, pos, end);
      if (pos < 0) return false;
      if (slot >= 0) {
        starts[slot] = valueStart;
        ends[slot] = pos;
      }
      c = text.charCodeAt(pos);
      if (c === SPACE || c === LF || c === CR || c === TAB) {
        pos = skipWhitespace(text, pos, end);
        c = text.charCodeAt(pos);
      }
      if (pos >= end) return false;
      if (c === COMMA) {
        pos++;
        c = text.charCodeAt(pos);
        if (c === SPACE || c === LF || c === CR || c === TAB) pos = skipWhitespace(text, pos, end);
        if (pos >= end) return false;
        continue;
      }
      if (c === CLOSE_BRACE) return skipWhitespace(text, pos + 1, end) === end;
      return false;
    }
  }

  return {
    fields: unique,
    slotCount,
    slotOf: (field) => slotByName.get(field) ?? -1,
    scan,
  };
}

const TAB = 9, LF = 10, CR = 13, SPACE = 32, QUOTE = 34, PLUS = 43, COMMA = 44, MINUS = 45, DOT = 46,
  SLASH = 47, DIGIT_0 = 48, DIGIT_1 = 49, DIGIT_9 = 57, COLON = 58, UPPER_E = 69, OPEN_BRACKET = 91,
  BACKSLASH = 92, CLOSE_BRACKET = 93, LOWER_A = 97, LOWER_B = 98, LOWER_E = 101, LOWER_F = 102,
  LOWER_L = 108, LOWER_N = 110, LOWER_R = 114, LOWER_S = 115, LOWER_T = 116, LOWER_U = 117,
  OPEN_BRACE = 123, CLOSE_BRACE = 125;

/** Set by skipString when the string it skipped contained a backslash escape. */
let stringHadEscape = false;

/** First index in [pos, end) that is not JSON whitespace, or end. */
export function skipWhitespace(text: string, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return pos;
    pos++;
  }
  return end;
}

// Finding the end of a string is the bulk of the work (keys and most values are strings), and a
// charCodeAt loop costs ~1 ns per character here, while String.prototype.indexOf is native and
// ~20x faster. So the closing quote is found with indexOf, and the two things that would make
// that wrong, a backslash (the quote may be escaped) or a raw control character (invalid), are
// looked up once per occurrence in the whole text and remembered: for a batch text of thousands
// of records this costs one search per backslash/control character in the batch, not per string.
// Strings that do contain a backslash take the exact character loop.
// Each cache answers for positions in [searchedFrom, next]: no such character there before `next`.
let cachedText = '';
let backslashSearchedFrom = 0;
/** Index of the first backslash at or after backslashSearchedFrom, or text.length if none. */
let nextBackslash = -1;
let controlSearchedFrom = 0;
/** Index of the first control character (U+0000–U+001F) at or after controlSearchedFrom, or text.length. */
let nextControl = -1;
const CONTROL_CHARACTER = /[\u0000-\u001f]/g;

/** Points the search caches at `text`, resetting them if it is not the text they describe. */
function useText(text: string): void {
  // Same object: a pointer comparison. A different string of equal length is compared by
  // content, stopping at the first difference; equal content keeps the caches valid. Either way
  // the new object is remembered, so the next call with it is a pointer comparison again.
  if (text !== cachedText) {
    nextBackslash = -1;
    nextControl = -1;
  }
  cachedText = text;
}

/**
 * When true, strings are walked character by character without the caches. Set by the exported
 * skipValue: its callers (the filter, reading array elements) jump back into text the scanner
 * has passed, and a cache search restarted there could run to the end of a large batch each time.
 */
let walkCharByChar = false;

/**
 * `pos` is just after an opening quote. Returns the index just after the closing quote, or -1
 * if the string is unterminated before `end`, has a bad escape or a raw control character.
 * Callers must have called useText(text) (or set walkCharByChar).
 */
function skipStringInText(text: string, pos: number, end: number): number {
  if (walkCharByChar) return skipStringByChar(text, pos, end);
  const close = text.indexOf('"', pos);
  if (close < 0 || close >= end) return -1;
  if (nextBackslash < pos || pos < backslashSearchedFrom) {
    backslashSearchedFrom = pos;
    const found = text.indexOf('\\', pos);
    nextBackslash = found < 0 ? text.length : found;
  }
  if (nextBackslash < close) return skipStringByChar(text, pos, end);
  if (nextControl < pos || pos < controlSearchedFrom) {
    controlSearchedFrom = pos;
    CONTROL_CHARACTER.lastIndex = pos;
    nextControl = CONTROL_CHARACTER.test(text) ? CONTROL_CHARACTER.lastIndex - 1 : text.length;
  }
  return nextControl < close ? -1 : close + 1;
}

/** skipStringInText as an exact character-by-character walk (strings with a backslash take it). */
function skipStringByChar(text: string, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c === QUOTE) return pos + 1;
    if (c === BACKSLASH) {
      stringHadEscape = true;
      if (pos + 1 >= end) return -1;
      const e = text.charCodeAt(pos + 1);
      if (e === LOWER_U) {
        if (pos + 6 > end) return -1;
        for (let k = pos + 2; k < pos + 6; k++) {
          if (!isHexDigit(text.charCodeAt(k))) return -1;
        }
        pos += 6;
        continue;
      }
      if (e !== QUOTE && e !== BACKSLASH && e !== SLASH && e !== LOWER_B && e !== LOWER_F &&
        e !== LOWER_N && e !== LOWER_R && e !== LOWER_T) return -1;
      pos += 2;
      continue;
    }
    if (c < SPACE) return -1;
    pos++;
  }
  return -1;
}

function isHexDigit(c: number): boolean {
  return (c >= DIGIT_0 && c <= DIGIT_9) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** `pos` is at the first character of a number. Returns the index after it, or -1 (JSON number grammar). */
export function skipNumber(text: string, pos: number, end: number): number {
  if (pos < end && text.charCodeAt(pos) === MINUS) pos++;
  if (pos >= end) return -1;
  let c = text.charCodeAt(pos);
  if (c === DIGIT_0) {
    pos++;
  } else if (c >= DIGIT_1 && c <= DIGIT_9) {
    pos++;
    while (pos < end && (c = text.charCodeAt(pos)) >= DIGIT_0 && c <= DIGIT_9) pos++;
  } else {
    return -1;
  }
  if (pos < end && text.charCodeAt(pos) === DOT) {
    pos = skipDigits(text, pos + 1, end);
    if (pos < 0) return -1;
  }
  if (pos < end) {
    c = text.charCodeAt(pos);
    if (c === LOWER_E || c === UPPER_E) {
      pos++;
      if (pos < end && ((c = text.charCodeAt(pos)) === PLUS || c === MINUS)) pos++;
      pos = skipDigits(text, pos, end);
      if (pos < 0) return -1;
    }
  }
  return pos;
}

/** One or more digits from pos; index after them, or -1 if there is none. */
function skipDigits(text: string, pos: number, end: number): number {
  const first = pos;
  let c: number;
  while (pos < end && (c = text.charCodeAt(pos)) >= DIGIT_0 && c <= DIGIT_9) pos++;
  return pos === first ? -1 : pos;
}

// Container stack for skipValue: 1 = object, 2 = array. Grows only for unusually deep input.
const IN_OBJECT = 1;
const IN_ARRAY = 2;
let containerStack = new Uint8Array(64);

/** `pos` is at `"` of an object key. Skips the key, whitespace and the colon; index after the colon, or -1. */
function skipKeyAndColon(text: string, pos: number, end: number): number {
  if (pos >= end || text.charCodeAt(pos) !== QUOTE) return -1;
  pos = skipStringInText(text, pos + 1, end);
  if (pos < 0) return -1;
  pos = skipWhitespace(text, pos, end);
  if (pos >= end || text.charCodeAt(pos) !== COLON) return -1;
  return pos + 1;
}

/**
 * `pos` is at the first character of any JSON value (leading whitespace is skipped too).
 * Returns the index just after the value, or -1 if it is not a valid JSON value within `end`.
 */
export function skipValue(text: string, pos: number, end: number): number {
  walkCharByChar = true;
  const after = skipValueInText(text, pos, end); // never throws
  walkCharByChar = false;
  return after;
}

/** skipValue, for callers that have called useText(text). */
function skipValueInText(text: string, pos: number, end: number): number {
  let depth = 0;
  nextValue: for (;;) {
    pos = skipWhitespace(text, pos, end);
    if (pos >= end) return -1;
    const c = text.charCodeAt(pos);
    if (c === QUOTE) {
      pos = skipStringInText(text, pos + 1, end);
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      pos = skipNumber(text, pos, end);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      pos = skipWhitespace(text, pos + 1, end);
      if (pos >= end) return -1;
      if (text.charCodeAt(pos) === close) {
        pos++;
      } else {
        if (depth === containerStack.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(containerStack);
          containerStack = grown;
        }
        containerStack[depth++] = c === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
        if (c === OPEN_BRACE) {
          pos = skipKeyAndColon(text, pos, end);
          if (pos < 0) return -1;
        }
        continue nextValue;
      }
    } else if (c === LOWER_T) {
      pos = pos + 4 <= end && text.charCodeAt(pos + 1) === LOWER_R && text.charCodeAt(pos + 2) === LOWER_U &&
        text.charCodeAt(pos + 3) === LOWER_E ? pos + 4 : -1;
    } else if (c === LOWER_F) {
      pos = pos + 5 <= end && text.charCodeAt(pos + 1) === LOWER_A && text.charCodeAt(pos + 2) === LOWER_L &&
        text.charCodeAt(pos + 3) === LOWER_S && text.charCodeAt(pos + 4) === LOWER_E ? pos + 5 : -1;
    } else if (c === LOWER_N) {
      pos = pos + 4 <= end && text.charCodeAt(pos + 1) === LOWER_U && text.charCodeAt(pos + 2) === LOWER_L &&
        text.charCodeAt(pos + 3) === LOWER_L ? pos + 4 : -1;
    } else {
      return -1;
    }
    if (pos < 0) return -1;

    // A value is complete: close finished containers, or move on to the next member/element.
    for (;;) {
      if (depth === 0) return pos;
      pos = skipWhitespace(text, pos, end);
      if (pos >= end) return -1;
      const sep = text.charCodeAt(pos);
      const inObject = containerStack[depth - 1] === IN_OBJECT;
      if (sep === COMMA) {
        pos++;
        if (inObject) {
          pos = skipKeyAndColon(text, skipWhitespace(text, pos, end), end);
          if (pos < 0) return -1;
        }
        continue nextValue;
      }
      if (sep === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        pos++;
        continue;
      }
      return -1;
    }
  }
}
