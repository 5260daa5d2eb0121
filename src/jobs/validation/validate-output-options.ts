// output_options: shape from the zod schema, then the catalog rules (field names exist, template
// placeholders name real fields), then Logpush's per-output_type defaults.

import type { z } from 'zod';
import type { DatasetCatalog } from '../../datasets/catalog.ts';
import { pathJoin } from '../json-path.ts';
import { didYouMean, jsonTypeName, quote } from '../problem-text.ts';
import { parseRecordTemplate } from '../record-template.ts';
import { OutputOptionsInputSchema } from '../schema.ts';
import { DEFAULT_OUTPUT_TYPE, outputDefaults } from '../output-defaults.ts';
import { NOT_OFFERED_OUTPUT, notOfferedProblem } from '../not-offered.ts';
import type { OutputOptions, Problem } from '../types.ts';
import { parseWithProblems } from '../zod-problems.ts';

const SHAPE = OutputOptionsInputSchema.shape;
const KNOWN_KEYS = Object.keys(SHAPE);

function fieldNamesProblems(names: readonly string[], catalog: DatasetCatalog, path: string, problems: Problem[]): void {
  names.forEach((name, i) => {
    if (!catalog.fieldsByName.has(name)) {
      problems.push({
        path: pathJoin(path, i),
        message: `unknown field ${quote(name)} for dataset ${catalog.dataset}${didYouMean(name, catalog.fieldNames)}`,
      });
    }
  });
}

/**
 * Each name once, at its first place. Logpush does the same: its documentation's S3-compatible
 * example sends "ClientIP" twice and the job it returns lists it once.
 */
function withoutRepeats(names: readonly string[]): string[] {
  return [...new Set(names)];
}

const CVE = 'CVE-2021-44228';
const CVE_ALIAS = 'CVE-2021-4428';

/** The Log4Shell option under either spelling; both set to different values is a problem. */
function resolveCve(main: boolean | undefined, alias: boolean | undefined, path: string, problems: Problem[]): boolean | undefined {
  if (main !== undefined && alias !== undefined && main !== alias) {
    problems.push({
      path: pathJoin(path, CVE_ALIAS),
      message: `is ${alias} but ${CVE} is ${main}: both spell the same option; set one of them, or both to the same value`,
    });
  }
  return main ?? alias;
}

function templateProblems(template: string, catalog: DatasetCatalog, path: string, problems: Problem[]): void {
  const parsed = parseRecordTemplate(template);
  if (!parsed.ok) {
    problems.push({ path, message: parsed.message });
    return;
  }
  for (const part of parsed.parts) {
    if ('field' in part && !catalog.fieldsByName.has(part.field)) {
      problems.push({
        path,
        message: `${quote(`{{.${part.field}}}`)} names an unknown field for dataset ${catalog.dataset}${didYouMean(part.field, catalog.fieldNames)}`,
      });
    }
  }
}

/**
 * Validates `raw` (the job's output_options, possibly null/absent) and resolves every default.
 * `catalog` is undefined when the dataset itself was invalid: catalog rules are then skipped
 * (the dataset problem is already reported; more would only be noise).
 * Returns undefined when there were problems (they are appended to `problems`).
 */
export function resolveOutputOptions(
  raw: unknown, catalog: DatasetCatalog | undefined, path: string, problems: Problem[],
): OutputOptions | undefined {
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    problems.push({ path, message: `must be an object, got ${jsonTypeName(raw) === 'array' ? 'an array' : `a ${jsonTypeName(raw)}`}` });
    return undefined;
  }
  const input = (raw ?? {}) as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(SHAPE, key)) {
      problems.push({ path: pathJoin(path, key), message: `unknown option ${quote(key)}${didYouMean(key, KNOWN_KEYS)}` });
    }
  }
  // null means "not set" (Logpush returns nulls for unset options), so it maps to undefined.
  const field = <S extends z.ZodType>(schema: S, key: string): NonNullable<z.output<S>> | undefined => {
    const value = Object.hasOwn(input, key) ? input[key] : undefined;
    const notOffered = notOfferedProblem(NOT_OFFERED_OUTPUT, key, value);
    if (notOffered === null) return parseWithProblems(schema, value, pathJoin(path, key), problems) ?? undefined;
    problems.push({ path: pathJoin(path, key), message: notOffered });
    return undefined;
  };

  const outputType = field(SHAPE.output_type, 'output_type') ?? DEFAULT_OUTPUT_TYPE;
  const defaults = outputDefaults(outputType);
  const options = {
    field_names: field(SHAPE.field_names, 'field_names'),
    timestamp_format: field(SHAPE.timestamp_format, 'timestamp_format') ?? defaults.timestamp_format,
    sample_rate: field(SHAPE.sample_rate, 'sample_rate') ?? defaults.sample_rate,
    batch_prefix: field(SHAPE.batch_prefix, 'batch_prefix') ?? defaults.batch_prefix,
    batch_suffix: field(SHAPE.batch_suffix, 'batch_suffix') ?? defaults.batch_suffix,
    record_prefix: field(SHAPE.record_prefix, 'record_prefix') ?? defaults.record_prefix,
    record_suffix: field(SHAPE.record_suffix, 'record_suffix') ?? defaults.record_suffix,
    record_delimiter: field(SHAPE.record_delimiter, 'record_delimiter') ?? defaults.record_delimiter,
    field_delimiter: field(SHAPE.field_delimiter, 'field_delimiter') ?? defaults.field_delimiter,
    record_template: field(SHAPE.record_template, 'record_template') ?? defaults.record_template,
    'CVE-2021-44228': resolveCve(field(SHAPE[CVE], CVE), field(SHAPE[CVE_ALIAS], CVE_ALIAS), path, problems) ?? defaults[CVE],
  };
  // Checked only: false (Logpush's default) is what sluice does.
  field(SHAPE.merge_subrequests, 'merge_subrequests');
  if (catalog !== undefined) {
    const fieldNamesPath = pathJoin(path, 'field_names');
    const fieldNamesGiven = input.field_names !== undefined && input.field_names !== null;
    if (options.field_names !== undefined) {
      fieldNamesProblems(options.field_names, catalog, fieldNamesPath, problems);
      options.field_names = withoutRepeats(options.field_names);
    } else if (!fieldNamesGiven) {
      if (catalog.defaultFields !== null) {
        options.field_names = [...catalog.defaultFields];
      } else {
        problems.push({
          path: fieldNamesPath,
          message: `is required for dataset ${catalog.dataset}: list the fields to deliver, e.g. ["${catalog.fieldNames.slice(0, 2).join('", "')}"]`,
        });
      }
    }
    if (options.record_template !== null) templateProblems(options.record_template, catalog, pathJoin(path, 'record_template'), problems);
  }
  if (problems.length > before || options.field_names === undefined) return undefined;
  return {
    field_names: options.field_names,
    output_type: outputType,
    timestamp_format: options.timestamp_format,
    sample_rate: options.sample_rate,
    batch_prefix: options.batch_prefix,
    batch_suffix: options.batch_suffix,
    record_prefix: options.record_prefix,
    record_suffix: options.record_suffix,
    record_delimiter: options.record_delimiter,
    field_delimiter: options.field_delimiter,
    record_template: options.record_template,
    'CVE-2021-44228': options['CVE-2021-44228'],
  };
}
