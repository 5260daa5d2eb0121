// How one output field's raw JSON value becomes output text, decided per field at compile time.
//
// Most fields are copied through untouched (`null` map: the encoder does not even make a call).
// Timestamp fields go through the job's timestamp formatter; with `CVE-2021-44228` every value
// additionally has `${` rewritten to `x{`, so a Log4j lookup in a header cannot reach a
// downstream Java consumer. (Only the literal `${` is rewritten, as Logpush documents it; a
// JSON-escaped `\u0024{` is left as it is.)

import type { TimestampFormatter } from '../timestamp.ts';

/** Raw JSON value → output text, or null for a plain copy. */
export type ValueMap = ((raw: string) => string) | null;

export function rewriteLog4jLookups(value: string): string {
  return value.indexOf('${') === -1 ? value : value.replaceAll('${', 'x{');
}

export interface FieldValueOptions {
  /** Names of the dataset's timestamp fields. */
  timestampFields: ReadonlySet<string>;
  formatTimestamp: TimestampFormatter;
  rewriteLog4j: boolean;
}

export function valueMapFor(field: string, options: FieldValueOptions): ValueMap {
  const isTimestamp = options.timestampFields.has(field);
  if (isTimestamp && options.rewriteLog4j) {
    const format = options.formatTimestamp;
    return (raw) => rewriteLog4jLookups(format(raw));
  }
  if (isTimestamp) return options.formatTimestamp;
  if (options.rewriteLog4j) return rewriteLog4jLookups;
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
