// NDJSON records: record_prefix + `"Name":value` pairs joined by field_delimiter + record_suffix
// (defaults `{`, `,`, `}\n`, so a record is one JSON object on its own line).
//
// Written from precomputed fragments (as pino does) instead of JSON.stringify of an object: no
// object per record, and raw values are copied exactly (19-digit integers stay exact).
//
// A field missing from the record is omitted, like Logpush's JSON output omits empty fields;
// emitting `null` would claim the producer sent null.

import type { ScannedRecord } from '../scanned-record.ts';
import { utf8, type ByteWriter } from './byte-writer.ts';
import { writeFieldValue, type FieldPlan } from './field-values.ts';

export function createNdjsonRecordEncoder(
  fields: readonly string[],
  plan: FieldPlan,
  recordPrefix: string,
  recordSuffix: string,
  fieldDelimiter: string,
): (record: ScannedRecord, out: ByteWriter) => void {
  const { slots, maps } = plan;
  const count = fields.length;
  // JSON.stringify quotes and escapes the name once, here, never per record.
  const firstKey = fields.map((name) => utf8(`${JSON.stringify(name)}:`));
  const laterKey = fields.map((name) => utf8(`${fieldDelimiter}${JSON.stringify(name)}:`));
  const prefix = utf8(recordPrefix);
  const suffix = utf8(recordSuffix);

  return (record, out) => {
    const bytes = record.bytes;
    const starts = record.starts;
    const ends = record.ends;
    out.fragment(prefix);
    let keys = firstKey;
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      const start = starts[slot]!;
      if (start < 0) continue;
      out.fragment(keys[i]!);
      keys = laterKey;
      writeFieldValue(out, maps[i]!, bytes, start, ends[slot]!);
    }
    out.fragment(suffix);
  };
}
