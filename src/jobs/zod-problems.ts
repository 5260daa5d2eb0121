// Turns zod issues into sluice Problems: a JSON path and a sentence that says what to do.
// zod's own messages ("Invalid input: expected string, received number") are rewritten into
// the same voice as the rest of validation, and an unknown key gets a "did you mean" drawn
// from the keys the schema at that path does know (typo protection).

import type { z } from 'zod';
import type { Problem } from './types.ts';
import { pathJoin, pathJoinAll } from './json-path.ts';
import { describeValue, didYouMean, jsonTypeName, quote } from './problem-text.ts';

type AnySchema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;

interface LooseDef {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  options?: readonly AnySchema[];
  discriminator?: string;
}

function defOf(schema: AnySchema): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(current);
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else break;
  }
  return current;
}

function childValue(value: unknown, step: PropertyKey): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.hasOwn(value, step) ? (value as Record<PropertyKey, unknown>)[step] : undefined;
}

/** The object schema at `steps` inside `root`, following the input through discriminated unions. */
function objectShapeAt(root: AnySchema, input: unknown, steps: ReadonlyArray<PropertyKey>): string[] | undefined {
  let schema = unwrap(root);
  let value = input;
  let i = 0;
  for (let guard = 0; guard < 256; guard++) {
    const def = defOf(schema);
    if (def.type === 'union' && def.options !== undefined) {
      const disc = def.discriminator;
      const here = value;
      const pick = disc === undefined
        ? undefined
        : def.options.find((option) => {
          const field = defOf(unwrap(option)).shape?.[disc];
          return field !== undefined && (field as z.ZodType).safeParse(childValue(here, disc)).success;
        });
      if (pick === undefined) return undefined;
      schema = unwrap(pick);
      continue;
    }
    if (i === steps.length) return def.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : undefined;
    const step = steps[i] as PropertyKey;
    if (def.type === 'object' && def.shape !== undefined && typeof step === 'string' && Object.hasOwn(def.shape, step)) {
      schema = unwrap(def.shape[step] as AnySchema);
    } else if (def.type === 'array' && def.element !== undefined && typeof step === 'number') {
      schema = unwrap(def.element);
    } else {
      return undefined;
    }
    value = childValue(value, step);
    i++;
  }
  return undefined;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

const EXPECTED_NAMES: Record<string, string> = {
  int: 'integer', number: 'number', string: 'string', boolean: 'boolean (true or false)',
  object: 'object', array: 'array', null: 'null',
};

function boundText(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  const small = issue.code === 'too_small';
  switch (issue.origin) {
    case 'string':
      return `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
    case 'array':
      return `must have ${small ? 'at least' : 'at most'} ${limit} item${limit === '1' ? '' : 's'}`;
    default: {
      const word = small ? (inclusive ? 'at least' : 'greater than') : (inclusive ? 'at most' : 'less than');
      return `must be ${word} ${limit}`;
    }
  }
}

function messageFor(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected;
      if (input === undefined) return `is required (${article(expected)})`;
      if (issue.expected === 'int' && typeof input === 'number') return `must be an integer, got ${input}`;
      return `must be ${article(expected)}, got ${article(jsonTypeName(input))}`;
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => (typeof v === 'string' ? quote(v) : String(v)));
      if (input === undefined) return `is required: one of ${allowed.join(', ')}`;
      const hint = typeof input === 'string' ? didYouMean(input, issue.values.filter((v) => typeof v === 'string')) : '';
      return `must be one of ${allowed.join(', ')}; got ${describeValue(input)}${hint}`;
    }
    case 'too_small':
    case 'too_big':
      return boundText(issue);
    case 'invalid_union': {
      // A discriminated union (config sources: `type`) names its options; say which exist.
      const union = issue as { discriminator?: string; options?: unknown[] };
      if (union.discriminator !== undefined && Array.isArray(union.options)) {
        const allowed = union.options.map((v) => (typeof v === 'string' ? quote(v) : String(v))).join(', ');
        const got = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[union.discriminator] : undefined;
        if (got === undefined) return `is required: one of ${allowed}`;
        const hint = typeof got === 'string' ? didYouMean(got, union.options.filter((v): v is string => typeof v === 'string')) : '';
        return `must be one of ${allowed}; got ${describeValue(got)}${hint}`;
      }
      return `does not match any allowed form (got ${article(jsonTypeName(input))})`;
    }
    default:
      return issue.message;
  }
}

/**
 * Problems for a failed `schema.safeParse(input, { reportInput: true })`.
 * `basePath` is where `input` sits in the whole document (e.g. `$.jobs[2]`).
 */
export function zodProblems(schema: AnySchema, input: unknown, error: z.core.$ZodError, basePath: string): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = pathJoinAll(basePath, issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = objectShapeAt(schema, input, issue.path) ?? [];
      for (const key of issue.keys) {
        problems.push({ path: pathJoin(path, key), message: `unknown key ${quote(key)}${didYouMean(key, known)}` });
      }
    } else {
      problems.push({ path, message: messageFor(issue) });
    }
  }
  return problems;
}

/** Parses with zod; on failure appends Problems and returns undefined. */
export function parseWithProblems<S extends z.ZodType>(
  schema: S, input: unknown, basePath: string, problems: Problem[],
): z.output<S> | undefined {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  problems.push(...zodProblems(schema, input, result.error, basePath));
  return undefined;
}
