// How one output field's raw JSON value becomes output text, decided per field at compile time.
//
// Most fields are copied through untouched (`null` map: the encoder does not even make a call).
// Timestamp fields go through the job's timestamp formatter; with `CVE-2021-44228` every value
// additionally has `${` rewritten to `x{`, so a Log4j lookup in a header cannot reach a
// downstream Java consumer. (Only the literal `${` is rewritten, as Logpush documents it; a
// JSON-escaped `\u0024{` is left as it is.)
//
// A map looks at the value's bytes in place and returns null when the output is the raw value
// itself (a unixnano integer under the default `unixnano` format; a value without `${`), so the
// common case is a plain byte copy with no slice and no new string: that took ~25% off the
// ndjson encoder's time on http_requests (two timestamp fields out of ten).
//
// The rare path slices the value with latin1Of (one char per byte) and returns latin1 text, which
// ByteWriter.text writes back one byte per char: the `${` rewrite and a passed-through timestamp
// keep any non-ASCII UTF-8 bytes exactly, with no decode or re-encode.

import type { TimestampFormat } from '../../src/jobs/types.ts';
import { latin1Of } from '../byte-text.ts';
import type { TimestampFormatter } from '../timestamp.ts';
import type { ByteWriter } from './byte-writer.ts';

/**
 * The raw JSON value bytes[start, end) → output text (latin1: one char per output byte), or null
 * when the output is the raw value unchanged. A null map means a plain copy, always.
 */
export type ValueMap = ((bytes: Uint8Array, start: number, end: number) => string | null) | null;

export function rewriteLog4jLookups(value: string): string {
  return value.indexOf('${') === -1 ? value : value.replaceAll('${', 'x{');
}

const DOLLAR = 36, OPEN_BRACE = 123, MINUS = 45, DIGIT_0 = 48, DIGIT_9 = 57;

/** True when bytes[start, end) contains `${`. */
function hasLookup(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end - 1; i++) {
    if (bytes[i] === DOLLAR && bytes[i + 1] === OPEN_BRACE) return true;
  }
  return false;
}

/** True when bytes[start, end) is a JSON integer (optional '-', digits). */
function isInteger(bytes: Uint8Array, start: number, end: number): boolean {
  let i = bytes[start] === MINUS ? start + 1 : start;
  if (i === end) return false;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

export interface FieldValueOptions {
  /** Names of the dataset's timestamp fields. */
  timestampFields: ReadonlySet<string>;
  timestampFormat: TimestampFormat;
  formatTimestamp: TimestampFormatter;
  rewriteLog4j: boolean;
}

export function valueMapFor(field: string, options: FieldValueOptions): ValueMap {
  const isTimestamp = options.timestampFields.has(field);
  const format = options.formatTimestamp;
  // formatUnixNano returns an integer as it is: no need to slice it to find that out.
  const integersUnchanged = options.timestampFormat === 'unixnano';
  const formatted = (bytes: Uint8Array, start: number, end: number): string | null =>
    integersUnchanged && isInteger(bytes, start, end) ? null : format(latin1Of(bytes, start, end));
  if (isTimestamp && options.rewriteLog4j) {
    return (bytes, start, end) => {
      const value = formatted(bytes, start, end);
      if (value !== null) return rewriteLog4jLookups(value);
      return hasLookup(bytes, start, end) ? rewriteLog4jLookups(latin1Of(bytes, start, end)) : null;
    };
  }
  if (isTimestamp) return formatted;
  if (options.rewriteLog4j) {
    return (bytes, start, end) => (hasLookup(bytes, start, end) ? rewriteLog4jLookups(latin1Of(bytes, start, end)) : null);
  }
  return null;
}

/** Where each output field's value is: its scanner slot, and how to map it. */
export interface FieldPlan {
  slots: Int32Array;
  maps: ValueMap[];
}

export function planFields(
  fields: readonly string[],
  slotOf: (field: string) => number,
  options: FieldValueOptions,
): FieldPlan {
  const slots = new Int32Array(fields.length);
  fields.forEach((field, i) => {
    const slot = slotOf(field);
    if (slot < 0) throw new Error(`field ${JSON.stringify(field)} has no scanner slot`);
    slots[i] = slot;
  });
  return { slots, maps: fields.map((field) => valueMapFor(field, options)) };
}

/** Writes a present field's value: what its map makes of it, or the raw bytes when it makes nothing. */
export function writeFieldValue(out: ByteWriter, map: ValueMap, bytes: Uint8Array, start: number, end: number): void {
  const mapped = map === null ? null : map(bytes, start, end);
  if (mapped === null) out.value(bytes, start, end);
  else out.text(mapped);
}
