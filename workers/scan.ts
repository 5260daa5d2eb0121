// The field scanner: finds the raw values of a job's fields in one JSON record without JSON.parse.
//
// Why not JSON.parse: a worker only needs ~10 of ~50 top-level fields. Parsing builds every
// value (strings, nested objects, doubles that round 19-digit unixnano integers) and the garbage
// collector then pays for all of it. Walking the text once and remembering where the wanted
// values start and end is several times faster (bench/scan.bench.ts) and keeps every value
// byte-exact.
//
// What the scanner validates (its acceptance contract; test/workers/scan.test.ts checks it
// against JSON.parse):
//   1. Every record JSON.parse accepts as an object is accepted, with identical values.
//   2. The record's structure is validated completely, at every depth: one object, `"key":value`
//      members separated by commas, balanced and matching brackets, the JSON number grammar,
//      the literals true/false/null, JSON whitespace only, nothing after the closing brace.
//      Every string must be terminated (a quote preceded by an odd run of backslashes does not
//      end it). A broken record is rejected.
//   3. Every tracked value (the slots: what the encoder outputs, the filter reads and the event
//      time comes from) is validated strictly, including the contents of its strings at any
//      depth: valid escapes only, no raw control characters. So everything written out or
//      compared is valid JSON (a raw newline in an output value would break an NDJSON line).
//   4. Not checked: the contents of strings that are not part of a tracked value, i.e. keys
//      and untracked string values. A raw control character or a bad escape there is accepted
//      although JSON.parse would reject it. Such text never reaches the output, and checking
//      it costs a character loop over most of the record (~40% of the scan time here).
//   5. Invalid UTF-8 inside a tracked string does not reject the record: it is flagged
//      (out.invalidUtf8) and the pipeline replaces it with U+FFFD (utf8.ts says why). The strict
//      string loop checks a sequence only at a byte >= 0x80, so ASCII pays one comparison a byte.
// Keys written with escapes (`"\u0041B"`) are decoded before matching; one whose escapes are
// invalid simply matches no field.
//
// Speed: the scanner walks the batch's UTF-8 bytes (a Uint8Array) in place. Decoding a batch
// into a JS string first (the earlier design) cost a copy of every byte, and a charCodeAt loop
// on a string measured ~1.9 ns a character against ~1.1 ns a byte for a typed-array loop here;
// scanning bytes took the scan of an http_requests record from ~2.5 to ~1.1 µs
// (bench/scan.bench.ts). UTF-8 is safe to walk byte by byte: every byte of a multi-byte sequence
// is >= 0x80, so it can never be mistaken for a quote, brace, backslash or control character.
// Untracked strings are skipped by a loop that stops only at a quote or a backslash (an escape
// skips the byte after it), which is both the fastest form here and exact about escaped quotes.
// Top-level keys are mostly not scanned at all: the key the previous record had at this place
// is checked with a few 4-byte comparisons (key-order.ts), which took the scan of the bench
// records from ~18 to ~15 ms per 10k (keys are 61% of their bytes).
//
// It never throws and always terminates: every loop moves `pos` forward and every read is
// bounded by `end`, which matters because `bytes` may be a whole batch with other records after
// `end`. Nesting is tracked with an explicit stack, not recursion, so deep input cannot
// overflow the call stack.
//
// Key matching allocates nothing: tracked names (as UTF-8 bytes) are grouped by byte length,
// pre-screened by two bytes and compared in place. Only a key that contains an escape (rare) is
// decoded to a string before lookup.

import { utf8Bytes, utf8Of } from './byte-text.ts';
import { KeyOrder } from './key-order.ts';
import type { ScannedRecord } from './scanned-record.ts';
import { utf8SequenceEnd } from './utf8.ts';

export interface FieldScanner {
  /** Tracked field names (duplicates removed, first occurrence kept); slot i is fields[i]. */
  readonly fields: readonly string[];
  readonly slotCount: number;
  /** The slot of a tracked field, or -1 if the field is not tracked. */
  slotOf(field: string): number;
  /**
   * Scans bytes[start, end), which must hold exactly one JSON object (surrounding whitespace
   * allowed). Sets out.bytes = bytes and out.starts/ends[slot] to the raw value range (absolute
   * byte offsets into `bytes`) of each tracked top-level key present, -1 for absent ones.
   * Returns false if the bytes are not a JSON object by the contract above (then `out` is
   * unspecified). Duplicate keys: the last one wins, as with JSON.parse. Sets out.invalidUtf8
   * when a tracked string holds bytes that are not UTF-8 (the record is still accepted).
   */
  scan(bytes: Uint8Array, start: number, end: number, out: ScannedRecord): boolean;
  /** Top-level keys learned so far (key-order.ts): what the scanner has grown by as it ran. */
  readonly learnedKeys: number;
  /**
   * Lets go of the bytes last scanned. A compiled job stays cached in the worker after its
   * batch: without this its scanner would keep that batch's SharedArrayBuffer alive.
   */
  forgetBatch(): void;
}

const NO_VIEW = new DataView(new ArrayBuffer(0));

export function createScannedRecord(slotCount: number): ScannedRecord {
  return {
    bytes: new Uint8Array(0),
    starts: new Int32Array(slotCount).fill(-1),
    ends: new Int32Array(slotCount).fill(-1),
    invalidUtf8: false,
  };
}

export function createFieldScanner(fields: readonly string[]): FieldScanner {
  const unique = [...new Set(fields)];
  const slotByName = new Map<string, number>();
  unique.forEach((name, slot) => slotByName.set(name, slot));

  // Candidates by key length in bytes, flattened: those for length L are
  // [firstCandidate[L], firstCandidate[L+1]). Each is pre-screened by its middle and last byte
  // before a full comparison, so an untracked key usually costs a couple of integer comparisons.
  const encoded = unique.map((name) => utf8Bytes(name));
  let maxLength = 0;
  for (const name of encoded) maxLength = Math.max(maxLength, name.length);
  const firstCandidate = new Int32Array(maxLength + 2);
  const candidateNames: Uint8Array[] = [];
  const candidateSlots: number[] = [];
  const candidateMiddle: number[] = [];
  const candidateLast: number[] = [];
  for (let len = 0; len <= maxLength; len++) {
    firstCandidate[len] = candidateNames.length;
    encoded.forEach((name, slot) => {
      if (name.length !== len) return;
      candidateNames.push(name);
      candidateSlots.push(slot);
      candidateMiddle.push(len === 0 ? -1 : name[len >> 1]!);
      candidateLast.push(len === 0 ? -1 : name[len - 1]!);
    });
  }
  firstCandidate[maxLength + 1] = candidateNames.length;
  const slotCount = unique.length;

  /** Slot of the key bytes[keyStart, keyEnd) (between the quotes, no escapes), or -1. */
  function matchKey(bytes: Uint8Array, keyStart: number, keyEnd: number): number {
    const len = keyEnd - keyStart;
    if (len > maxLength) return -1;
    let k = firstCandidate[len]!;
    const stop = firstCandidate[len + 1]!;
    if (k === stop) return -1;
    if (len === 0) return candidateSlots[k]!; // the empty name
    const middle = bytes[keyStart + (len >> 1)];
    const last = bytes[keyEnd - 1];
    for (; k < stop; k++) {
      if (candidateMiddle[k] !== middle || candidateLast[k] !== last) continue;
      const name = candidateNames[k]!;
      let i = 0;
      while (i < len && name[i] === bytes[keyStart + i]) i++;
      if (i === len) return candidateSlots[k]!;
    }
    return -1;
  }

  /** Slot of a key written with escapes (rare): decoded first; invalid escapes match nothing. */
  function matchEscapedKey(bytes: Uint8Array, keyStart: number, keyEnd: number): number {
    const sawInvalidUtf8 = invalidUtf8; // a key is never output: its bytes do not flag the record
    const valid = skipStringStrict(bytes, keyStart, keyEnd + 1) === keyEnd + 1;
    invalidUtf8 = sawInvalidUtf8;
    if (!valid) return -1;
    const name = JSON.parse(utf8Of(bytes, keyStart - 1, keyEnd + 1)) as string; // valid: cannot throw
    return slotByName.get(name) ?? -1;
  }

  // The order keys came in last time, to check the next key instead of scanning it (key-order.ts),
  // and a DataView of the batch for its 4-byte comparisons (made once per batch).
  const order = new KeyOrder();
  let viewOf: Uint8Array | null = null;
  let view: DataView = NO_VIEW;

  function scan(bytes: Uint8Array, start: number, end: number, out: ScannedRecord): boolean {
    const starts = out.starts;
    const ends = out.ends;
    for (let i = 0; i < slotCount; i++) {
      starts[i] = -1;
      ends[i] = -1;
    }
    out.bytes = bytes;
    out.invalidUtf8 = false;
    invalidUtf8 = false;
    if (start < 0 || end > bytes.length || start > end) return false;

    let pos = start;
    let c = bytes[pos]!;
    if (c !== OPEN_BRACE) {
      pos = skipWhitespace(bytes, pos, end);
      if (pos >= end || bytes[pos] !== OPEN_BRACE) return false;
    }
    pos++;
    c = bytes[pos]!;
    if (isWhitespace(c)) {
      pos = skipWhitespace(bytes, pos, end);
      c = bytes[pos]!;
    }
    if (pos >= end) return false;
    if (c === CLOSE_BRACE) return skipWhitespace(bytes, pos + 1, end) === end;
    // Whitespace checks are inlined as "is the next byte already the expected one": compact
    // JSON (the norm) then never calls skipWhitespace. Reads past `end` (bytes[end] may be the
    // next record, or undefined at the end of the batch) are harmless: every such read is
    // followed by a `pos >= end` check before it matters.
    if (bytes !== viewOf) {
      viewOf = bytes;
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    order.reset();
    for (;;) {
      // A member: "key" : value. `c` is bytes[pos].
      if (c !== QUOTE) return false;
      const keyStart = pos + 1;
      let slot: number;
      const afterColon = order.predict(bytes, view, keyStart, end);
      if (afterColon >= 0) {
        // The key the previous record had here, followed by `":` (key-order.ts).
        slot = order.slot;
        pos = afterColon;
      } else {
        let keyEnd = keyStart;
        while (keyEnd < end && (c = bytes[keyEnd]!) !== QUOTE && c !== BACKSLASH) keyEnd++;
        if (keyEnd >= end) return false;
        if (c === BACKSLASH) {
          keyEnd = skipStringRelaxed(bytes, keyStart, end) - 1;
          if (keyEnd < 0) return false;
          slot = matchEscapedKey(bytes, keyStart, keyEnd);
          order.forget();
        } else {
          slot = matchKey(bytes, keyStart, keyEnd);
          order.learn(bytes, keyStart, keyEnd, slot);
        }
        pos = keyEnd + 1;
        if (bytes[pos] !== COLON) {
          pos = skipWhitespace(bytes, pos, end);
          if (pos >= end || bytes[pos] !== COLON) return false;
        }
        pos++;
      }
      c = bytes[pos]!;
      if (isWhitespace(c)) {
        pos = skipWhitespace(bytes, pos, end);
        c = bytes[pos]!;
      }
      if (pos >= end) return false;
      const valueStart = pos;
      // Top-level values are mostly strings and numbers: those skip without the general walker.
      if (c === QUOTE) {
        pos = slot >= 0 ? skipStringStrict(bytes, pos + 1, end) : skipStringRelaxed(bytes, pos + 1, end);
      } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
        pos = skipNumber(bytes, pos, end);
      } else {
        pos = skipValueIn(bytes, pos, end, slot >= 0);
      }
      if (pos < 0) return false;
      if (slot >= 0) {
        starts[slot] = valueStart;
        ends[slot] = pos;
      }
      c = bytes[pos]!;
      if (isWhitespace(c)) {
        pos = skipWhitespace(bytes, pos, end);
        c = bytes[pos]!;
      }
      if (pos >= end) return false;
      if (c === COMMA) {
        pos++;
        c = bytes[pos]!;
        if (isWhitespace(c)) {
          pos = skipWhitespace(bytes, pos, end);
          c = bytes[pos]!;
        }
        if (pos >= end) return false;
        continue;
      }
      if (c === CLOSE_BRACE) {
        out.invalidUtf8 = invalidUtf8;
        return pos + 1 === end || skipWhitespace(bytes, pos + 1, end) === end;
      }
      return false;
    }
  }

  return {
    fields: unique,
    slotCount,
    slotOf: (field) => slotByName.get(field) ?? -1,
    scan,
    get learnedKeys() {
      return order.size;
    },
    forgetBatch() {
      viewOf = null;
      view = NO_VIEW;
    },
  };
}

const TAB = 9, LF = 10, CR = 13, SPACE = 32, QUOTE = 34, PLUS = 43, COMMA = 44, MINUS = 45, DOT = 46,
  SLASH = 47, DIGIT_0 = 48, DIGIT_1 = 49, DIGIT_9 = 57, COLON = 58, UPPER_E = 69, OPEN_BRACKET = 91,
  BACKSLASH = 92, CLOSE_BRACKET = 93, LOWER_A = 97, LOWER_B = 98, LOWER_E = 101, LOWER_F = 102,
  LOWER_L = 108, LOWER_N = 110, LOWER_R = 114, LOWER_S = 115, LOWER_T = 116, LOWER_U = 117,
  OPEN_BRACE = 123, CLOSE_BRACE = 125;

function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/** First index in [pos, end) that is not JSON whitespace, or end. */
export function skipWhitespace(bytes: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const c = bytes[pos]!;
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return pos;
    pos++;
  }
  return end;
}

/**
 * `pos` is just after an opening quote of a string whose contents need not be valid (it is not
 * tracked). Returns the index just after the closing quote — the first quote not escaped by a
 * backslash — or -1 if there is none before `end`.
 */
function skipStringRelaxed(bytes: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const c = bytes[pos]!;
    if (c === QUOTE) return pos + 1;
    pos += c === BACKSLASH ? 2 : 1;
  }
  return -1;
}

/** Set by skipStringStrict when a string holds invalid UTF-8; scan() resets and reports it. */
let invalidUtf8 = false;

/**
 * `pos` is just after an opening quote. Returns the index just after the closing quote, or -1
 * if the string is unterminated before `end`, has a bad escape or a raw control character
 * (the strict check for tracked values). Bytes that are not UTF-8 set `invalidUtf8` and are
 * skipped one at a time (each is >= 0x80, so none can end the string).
 */
function skipStringStrict(bytes: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const c = bytes[pos]!;
    if (c === QUOTE) return pos + 1;
    if (c === BACKSLASH) {
      if (pos + 1 >= end) return -1;
      const e = bytes[pos + 1]!;
      if (e === LOWER_U) {
        if (pos + 6 > end) return -1;
        for (let k = pos + 2; k < pos + 6; k++) {
          if (!isHexDigit(bytes[k]!)) return -1;
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
    if (c >= 0x80) {
      const next = utf8SequenceEnd(bytes, pos, end);
      if (next < 0) {
        invalidUtf8 = true;
        pos++;
      } else {
        pos = next;
      }
      continue;
    }
    pos++;
  }
  return -1;
}

function isHexDigit(c: number): boolean {
  return (c >= DIGIT_0 && c <= DIGIT_9) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** `pos` is at the first byte of a number. Returns the index after it, or -1 (JSON number grammar). */
export function skipNumber(bytes: Uint8Array, pos: number, end: number): number {
  if (pos < end && bytes[pos] === MINUS) pos++;
  if (pos >= end) return -1;
  let c = bytes[pos]!;
  if (c === DIGIT_0) {
    pos++;
  } else if (c >= DIGIT_1 && c <= DIGIT_9) {
    pos++;
    while (pos < end && (c = bytes[pos]!) >= DIGIT_0 && c <= DIGIT_9) pos++;
  } else {
    return -1;
  }
  if (pos < end && bytes[pos] === DOT) {
    pos = skipDigits(bytes, pos + 1, end);
    if (pos < 0) return -1;
  }
  if (pos < end) {
    c = bytes[pos]!;
    if (c === LOWER_E || c === UPPER_E) {
      pos++;
      if (pos < end && ((c = bytes[pos]!) === PLUS || c === MINUS)) pos++;
      pos = skipDigits(bytes, pos, end);
      if (pos < 0) return -1;
    }
  }
  return pos;
}

/** One or more digits from pos; index after them, or -1 if there is none. */
function skipDigits(bytes: Uint8Array, pos: number, end: number): number {
  const first = pos;
  let c: number;
  while (pos < end && (c = bytes[pos]!) >= DIGIT_0 && c <= DIGIT_9) pos++;
  return pos === first ? -1 : pos;
}

// Container stack for skipValue: 1 = object, 2 = array. Grows only for unusually deep input.
const IN_OBJECT = 1;
const IN_ARRAY = 2;
let containerStack = new Uint8Array(64);

/** A string from `pos` (just after its opening quote): strict or relaxed. */
function skipStringIn(bytes: Uint8Array, pos: number, end: number, strict: boolean): number {
  return strict ? skipStringStrict(bytes, pos, end) : skipStringRelaxed(bytes, pos, end);
}

/** `pos` is at `"` of an object key. Skips the key, whitespace and the colon; index after the colon, or -1. */
function skipKeyAndColon(bytes: Uint8Array, pos: number, end: number, strict: boolean): number {
  if (pos >= end || bytes[pos] !== QUOTE) return -1;
  pos = skipStringIn(bytes, pos + 1, end, strict);
  if (pos < 0) return -1;
  pos = skipWhitespace(bytes, pos, end);
  if (pos >= end || bytes[pos] !== COLON) return -1;
  return pos + 1;
}

/**
 * `pos` is at the first byte of any JSON value (leading whitespace is skipped too). Returns
 * the index just after the value, or -1 if it is not a valid JSON value within `end`
 * (strictly: every string checked). Used by the filter on values the scanner located.
 */
export function skipValue(bytes: Uint8Array, pos: number, end: number): number {
  return skipValueIn(bytes, pos, end, true); // never throws
}

/** skipValue; with strict false, the contents of strings are not checked, only their ends found. */
function skipValueIn(bytes: Uint8Array, pos: number, end: number, strict: boolean): number {
  let depth = 0;
  nextValue: for (;;) {
    pos = skipWhitespace(bytes, pos, end);
    if (pos >= end) return -1;
    const c = bytes[pos]!;
    if (c === QUOTE) {
      pos = skipStringIn(bytes, pos + 1, end, strict);
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      pos = skipNumber(bytes, pos, end);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      pos = skipWhitespace(bytes, pos + 1, end);
      if (pos >= end) return -1;
      if (bytes[pos] === close) {
        pos++;
      } else {
        if (depth === containerStack.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(containerStack);
          containerStack = grown;
        }
        containerStack[depth++] = c === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
        if (c === OPEN_BRACE) {
          pos = skipKeyAndColon(bytes, pos, end, strict);
          if (pos < 0) return -1;
        }
        continue nextValue;
      }
    } else if (c === LOWER_T) {
      pos = pos + 4 <= end && bytes[pos + 1] === LOWER_R && bytes[pos + 2] === LOWER_U &&
        bytes[pos + 3] === LOWER_E ? pos + 4 : -1;
    } else if (c === LOWER_F) {
      pos = pos + 5 <= end && bytes[pos + 1] === LOWER_A && bytes[pos + 2] === LOWER_L &&
        bytes[pos + 3] === LOWER_S && bytes[pos + 4] === LOWER_E ? pos + 5 : -1;
    } else if (c === LOWER_N) {
      pos = pos + 4 <= end && bytes[pos + 1] === LOWER_U && bytes[pos + 2] === LOWER_L &&
        bytes[pos + 3] === LOWER_L ? pos + 4 : -1;
    } else {
      return -1;
    }
    if (pos < 0) return -1;

    // A value is complete: close finished containers, or move on to the next member/element.
    for (;;) {
      if (depth === 0) return pos;
      pos = skipWhitespace(bytes, pos, end);
      if (pos >= end) return -1;
      const sep = bytes[pos]!;
      const inObject = containerStack[depth - 1] === IN_OBJECT;
      if (sep === COMMA) {
        pos++;
        if (inObject) {
          pos = skipKeyAndColon(bytes, skipWhitespace(bytes, pos, end), end, strict);
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
