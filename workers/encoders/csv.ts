// CSV records: record_prefix + raw JSON values joined by field_delimiter + record_suffix
// (defaults ``, `,`, `\n`). As in Logpush's CSV output, each cell is the field's JSON text:
// strings keep their JSON quotes and escapes (`"89.163.242.206"`), numbers are bare.
// A missing field is an empty cell, so every row has the same number of columns.

import type { ScannedRecord } from '../scanned-record.ts';
import { utf8, type ByteWriter } from './byte-writer.ts';
import { writeFieldValue, type FieldPlan } from './field-values.ts';

export function createCsvRecordEncoder(
  plan: FieldPlan,
  recordPrefix: string,
  recordSuffix: string,
  fieldDelimiter: string,
): (record: ScannedRecord, out: ByteWriter) => void {
  const { slots, maps } = plan;
  const count = slots.length;
  const prefix = utf8(recordPrefix);
  const suffix = utf8(recordSuffix);
  const delimiter = utf8(fieldDelimiter);

  return (record, out) => {
    const bytes = record.bytes;
    const starts = record.starts;
    const ends = record.ends;
    out.fragment(prefix);
    for (let i = 0; i < count; i++) {
      if (i > 0) out.fragment(delimiter);
      const slot = slots[i]!;
      const start = starts[slot]!;
      if (start < 0) continue;
      writeFieldValue(out, maps[i]!, bytes, start, ends[slot]!);
    }
    out.fragment(suffix);
  };
}
