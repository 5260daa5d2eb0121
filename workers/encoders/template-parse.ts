// A validated record_template as the template encoder uses it: alternating literals and fields.
// The grammar lives in one place, the job validator's parser (src/jobs/record-template.ts);
// this only reshapes its parts. Templates are user text: they are never executed.

import { parseRecordTemplate as parseParts } from '../../src/jobs/record-template.ts';
import { JobCompileError } from '../job-compile-error.ts';

export interface ParsedTemplate {
  /** literals.length === fields.length + 1; output = literals[0] + v0 + literals[1] + v1 + … */
  literals: string[];
  fields: string[];
}

export function parseRecordTemplate(template: string): ParsedTemplate {
  const parsed = parseParts(template);
  if (!parsed.ok) throw new JobCompileError(`record_template: ${parsed.message}`);
  const literals = [''];
  const fields: string[] = [];
  for (const part of parsed.parts) {
    if ('field' in part) {
      fields.push(part.field);
      literals.push('');
    } else {
      literals[literals.length - 1] += part.literal;
    }
  }
  return { literals, fields };
}
