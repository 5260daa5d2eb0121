// Records from a `record_template`: the template *is* the record (record_prefix, record_suffix
// and field_delimiter do not apply). Each placeholder becomes the field's raw JSON value — a
// string keeps its quotes, so `{"ip":{{.ClientIP}}}` yields valid JSON, as in Logpush — and a
// missing field becomes `null`, so templated JSON stays valid.

import type { ScannedRecord } from '../scanned-record.ts';
import { utf8, type ByteWriter } from './byte-writer.ts';
import { writeFieldValue, type FieldPlan } from './field-values.ts';
import type { ParsedTemplate } from './template-parse.ts';

const NULL = utf8('null');

export function createTemplateRecordEncoder(
  template: ParsedTemplate,
  plan: FieldPlan,
): (record: ScannedRecord, out: ByteWriter) => void {
  const { slots, maps } = plan;
  const literals = template.literals.map(utf8);
  const count = slots.length;
  const head = literals[0]!;

  return (record, out) => {
    const bytes = record.bytes;
    const starts = record.starts;
    const ends = record.ends;
    out.fragment(head);
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      const start = starts[slot]!;
      if (start < 0) out.fragment(NULL);
      else writeFieldValue(out, maps[i]!, bytes, start, ends[slot]!);
      out.fragment(literals[i + 1]!);
    }
  };
}
