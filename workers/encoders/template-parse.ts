// A validated record_template as the template encoder uses it: alternating literals and fields.
// The grammar lives in one place, the job validator's parser (src/jobs/record-template.ts);
// this only reshapes its parts. Templates are user text: they are never executed.
//
// A placeholder for a field that is not in field_names is written as `null`, as Logpush's
// documentation says ("All fields used in the template must be present in field_names as well,
// otherwise they will end up as null"): it becomes literal text here, and the scanner never
// looks for that field.

import { parseRecordTemplate as parseParts } from '../../src/jobs/record-template.ts';
import { JobCompileError } from '../job-compile-error.ts';

export interface ParsedTemplate {
  /** literals.length === fields.length + 1; output = literals[0] + v0 + literals[1] + v1 + … */
  literals: string[];
  /** The placeholders' fields that are in field_names, in template order (repeats kept). */
  fields: string[];
}

export function parseRecordTemplate(template: string, fieldNames: readonly string[]): ParsedTemplate {
  const parsed = parseParts(template);
  if (!parsed.ok) throw new JobCompileError(`record_template: ${parsed.message}`);
  const selected = new Set(fieldNames);
  const literals = [''];
  const fields: string[] = [];
  for (const part of parsed.parts) {
    if ('field' in part && selected.has(part.field)) {
      fields.push(part.field);
      literals.push('');
    } else {
      literals[literals.length - 1] += 'field' in part ? 'null' : part.literal;
    }
  }
  return { literals, fields };
}
