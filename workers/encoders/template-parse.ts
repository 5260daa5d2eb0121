// Parses a Logpush `record_template` once per job. The supported language is deliberately tiny:
// literal text and `{{.FieldName}}` placeholders (spaces inside the braces allowed). Anything
// else that looks like a template action is an error, never executed: templates are user text.

import { JobCompileError } from '../job-compile-error.ts';

export interface ParsedTemplate {
  /** literals.length === fields.length + 1; output = literals[0] + v0 + literals[1] + v1 + … */
  literals: string[];
  fields: string[];
}

const PLACEHOLDER = /\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g;

export function parseRecordTemplate(template: string): ParsedTemplate {
  const literals: string[] = [];
  const fields: string[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(last, match.index));
    fields.push(match[1]!);
    last = match.index + match[0].length;
  }
  literals.push(template.slice(last));
  const bad = literals.find((literal) => literal.includes('{{'));
  if (bad !== undefined) {
    throw new JobCompileError(
      `record_template: only {{.Field}} placeholders are supported, found ${JSON.stringify(bad.slice(bad.indexOf('{{'), bad.indexOf('{{') + 40))}`,
    );
  }
  return { literals, fields };
}
