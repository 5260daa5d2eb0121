// Invalid UTF-8 in a tracked value: delivered with U+FFFD in place of each bad sequence.
//
// The choice (README "Architecture", bad input): a string whose bytes are not UTF-8 (a lone 0xFF, a truncated
// sequence, an overlong form, an encoded UTF-16 surrogate) is a producer bug in one field, not a
// broken record. The customer still gets the record, as with Vector, Fluent Bit and WHATWG
// TextDecoder, and the output stays valid UTF-8 (a JSON or CSV consumer downstream may reject
// the whole object otherwise). Such records are counted (BatchResult.invalidUtf8 →
// sluice_pipeline_invalid_utf8_records_total), not dead-lettered.
//
// Cost: the scanner already walks every byte of the strings it tracks; it checks a sequence only
// at a byte >= 0x80 (utf8SequenceEnd), so ASCII text pays one comparison a byte. Repairing is
// the rare path: a fresh buffer per affected record.

import { utf8Bytes, utf8Of } from './byte-text.ts';
import type { ScannedRecord } from './scanned-record.ts';

/**
 * `pos` is at a byte >= 0x80 in bytes[, end). Returns the index after the well-formed UTF-8
 * sequence that starts there (Unicode Table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF), or -1 when it does not start one.
 */
export function utf8SequenceEnd(bytes: Uint8Array, pos: number, end: number): number {
  const c = bytes[pos]!;
  if (c < 0xc2) return -1; // a continuation byte, or C0/C1 (overlong two-byte forms)
  if (c < 0xe0) return pos + 1 < end && isContinuation(bytes[pos + 1]!) ? pos + 2 : -1;
  if (c < 0xf0) {
    if (pos + 2 >= end) return -1;
    const c1 = bytes[pos + 1]!;
    // E0 80..9F would be overlong; ED A0..BF would encode a surrogate (U+D800..U+DFFF).
    if (c1 < (c === 0xe0 ? 0xa0 : 0x80) || c1 > (c === 0xed ? 0x9f : 0xbf)) return -1;
    return isContinuation(bytes[pos + 2]!) ? pos + 3 : -1;
  }
  if (c < 0xf5) {
    if (pos + 3 >= end) return -1;
    const c1 = bytes[pos + 1]!;
    // F0 80..8F would be overlong; F4 90..BF would be above U+10FFFF.
    if (c1 < (c === 0xf0 ? 0x90 : 0x80) || c1 > (c === 0xf4 ? 0x8f : 0xbf)) return -1;
    return isContinuation(bytes[pos + 2]!) && isContinuation(bytes[pos + 3]!) ? pos + 4 : -1;
  }
  return -1;
}

function isContinuation(c: number): boolean {
  return (c & 0xc0) === 0x80;
}

/** True when bytes[start, end) is well-formed UTF-8. */
export function isWellFormedUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let pos = start;
  while (pos < end) {
    if (bytes[pos]! < 0x80) {
      pos++;
      continue;
    }
    pos = utf8SequenceEnd(bytes, pos, end);
    if (pos < 0) return false;
  }
  return true;
}

/**
 * Replaces invalid UTF-8 in the record's tracked values with U+FFFD (one per maximal invalid
 * subpart, as WHATWG TextDecoder does: Node's UTF-8 decoder follows it). The values are copied
 * into a fresh buffer that `record.bytes` then points at, so the filter, the encoder and the
 * event time all read the repaired text. JSON stays valid: every byte replaced or written is
 * >= 0x80, never a quote, backslash or control character. Returns false, leaving the record as
 * it is, when every tracked value is well-formed (the scanner flags any strictly scanned string,
 * including a duplicate key's value that a later one replaced).
 */
export function replaceInvalidUtf8(record: ScannedRecord): boolean {
  const { bytes, starts, ends } = record;
  const slotCount = starts.length;
  let invalid = false;
  for (let slot = 0; slot < slotCount && !invalid; slot++) {
    const start = starts[slot]!;
    if (start >= 0 && !isWellFormedUtf8(bytes, start, ends[slot]!)) invalid = true;
  }
  if (!invalid) return false;
  const values: Uint8Array[] = [];
  let length = 0;
  for (let slot = 0; slot < slotCount; slot++) {
    const start = starts[slot]!;
    if (start < 0) {
      values.push(EMPTY);
      continue;
    }
    const end = ends[slot]!;
    const value = isWellFormedUtf8(bytes, start, end) ? bytes.subarray(start, end) : utf8Bytes(utf8Of(bytes, start, end));
    values.push(value);
    length += value.length;
  }
  const repaired = new Uint8Array(length);
  let pos = 0;
  for (let slot = 0; slot < slotCount; slot++) {
    if (starts[slot]! < 0) continue;
    const value = values[slot]!;
    repaired.set(value, pos);
    starts[slot] = pos;
    pos += value.length;
    ends[slot] = pos;
  }
  record.bytes = repaired;
  return true;
}

const EMPTY = new Uint8Array(0);
