// Records from a `record_template`: record_prefix + the template's output + record_suffix. The
// template takes the place of the default `"Name":value` list only, as Logpush's docs show: with
// the ndjson defaults (`{`, `}\n`) the docs' `"client-ip":{{.ClientIP}},…` becomes one JSON
// object per line. field_delimiter does not apply. Each placeholder becomes the field's raw JSON
// value — a string keeps its quotes, so the output is valid JSON, as in Logpush — and a field
// missing from the record becomes `null`, so templated JSON stays valid.

import type { ScannedRecord } from '../scanned-record.ts';
import { utf8, type ByteWriter } from './byte-writer.ts';
import { writeFieldValue, type FieldPlan } from './field-values.ts';
import type { ParsedTemplate } from './template-parse.ts';

const NULL = utf8('null');

export function createTemplateRecordEncoder(
  template: ParsedTemplate,
  plan: FieldPlan,
  recordPrefix: string,
  recordSuffix: string,
): (record: ScannedRecord, out: ByteWriter) => void {
  const { slots, maps } = plan;
  // The prefix and suffix join the first and last literals: no extra fragment per record.
  const texts = [...template.literals];
  texts[0] = recordPrefix + texts[0]!;
  texts[texts.length - 1] += recordSuffix;
  const literals = texts.map(utf8);
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
