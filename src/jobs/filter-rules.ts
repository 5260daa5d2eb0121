// The rules a Logpush filter must follow: which operators exist, how big a filter may be, and
// which values each operator accepts on each catalog field type. Validation
// (validation/validate-filter.ts) applies them; the worker's filter compiler can then trust
// every leaf it sees.

import type { FieldType } from '../datasets/catalog.ts';
import type { FilterOperator } from './types.ts';
import { describeValue, jsonTypeName } from './problem-text.ts';

export const FILTER_OPERATORS = [
  'eq', '!eq',
  'lt', 'leq', 'gt', 'geq',
  'startsWith', '!startsWith',
  'endsWith', '!endsWith',
  'contains', '!contains',
  'in', '!in',
] as const satisfies readonly FilterOperator[];

const OPERATOR_SET: ReadonlySet<string> = new Set(FILTER_OPERATORS);

export function isFilterOperator(value: unknown): value is FilterOperator {
  return typeof value === 'string' && OPERATOR_SET.has(value);
}

/** Logpush: a filter may use at most 30 operators (leaves)… */
export const MAX_FILTER_OPERATORS = 30;
/**
 * …and be at most 1000 bytes. Measured in UTF-8 bytes of the text the user sent when the
 * filter arrives as a string (Logpush's form, so the same filter passes or fails in both), or
 * of `JSON.stringify(filter)` when it arrives as an object.
 */
export const MAX_FILTER_BYTES = 1000;

type Scalar = string | number | boolean;

/**
 * Logpush's documentation gives numbers as strings ({"key":"BotScore","operator":"lt","value":"30"}),
 * for lt/leq/gt/geq and also with eq and in: a string holding one JSON number stands for that
 * number on a numeric field. The worker's filter compares it exactly (workers/json-value.ts).
 */
const JSON_NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const JSON_INTEGER_TEXT = /^-?(?:0|[1-9]\d*)$/;

function isNumber(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && JSON_NUMBER_TEXT.test(value));
}

function isInteger(value: unknown): boolean {
  return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && JSON_INTEGER_TEXT.test(value));
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

/**
 * Whether one scalar fits a field type for equality-like comparison. Returns what was expected
 * (for the message) or null when it fits.
 */
function scalarMismatch(type: FieldType, value: unknown): string | null {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? null : 'a string';
    case 'int':
      return isInteger(value) ? null : 'an integer (30, or "30" as Logpush\'s docs write it)';
    case 'float':
      return isNumber(value) ? null : 'a number (1.5, or "1.5" as Logpush\'s docs write it)';
    case 'bool':
      return typeof value === 'boolean' ? null : 'true or false';
    case 'int or string':
      // Timestamps: an integer (unix / unixnano) or an RFC 3339 string.
      return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'string' ? null : 'an integer or an RFC 3339 string';
    default:
      return 'nothing (this field cannot be compared)';
  }
}

function elementType(type: FieldType): FieldType | null {
  if (type === 'array[string]') return 'string';
  if (type === 'array[int]') return 'int';
  return null;
}

/** Which part of a leaf value is a string that is not well-formed UTF-16 ("the value", "value[2]"), or null. */
function loneSurrogateIn(value: unknown): string | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : 'the value';
  if (!Array.isArray(value)) return null;
  const index = value.findIndex((item) => typeof item === 'string' && !item.isWellFormed());
  return index < 0 ? null : `value[${index}]`;
}

const NUMERIC: ReadonlySet<FieldType> = new Set<FieldType>(['int', 'float', 'int or string']);

/**
 * Checks a leaf's value against its operator and the field's catalog type.
 * Returns a sentence saying what is wrong and what to do, or null when the leaf is fine.
 */
export function leafValueProblem(operator: FilterOperator, field: string, type: FieldType, value: unknown): string | null {
  const got = `got ${describeValue(value)}`;
  const broken = loneSurrogateIn(value);
  if (broken !== null) {
    return `${operator} on ${field}: ${broken} holds a lone surrogate (a \\ud800–\\udfff escape without its pair); log records are UTF-8, which cannot hold one, so it could never match: write the whole character`;
  }
  switch (operator) {
    case 'eq':
    case '!eq': {
      // null compares against a missing or null field, on any field type.
      if (value === null) return null;
      if (type === 'object' || type === 'array[object]' || elementType(type) !== null) {
        return `${operator} on ${field} (${type}) can only compare with null; use contains / !contains for array elements`;
      }
      const expected = scalarMismatch(type, value);
      return expected === null ? null : `${operator} on ${field} (${type}) needs ${expected}; ${got}`;
    }
    case 'lt':
    case 'leq':
    case 'gt':
    case 'geq':
      if (!NUMERIC.has(type)) return `${operator} needs a numeric field; ${field} is ${type}`;
      return isNumber(value) ? null : `${operator} on ${field} needs a number (30, or "30" as Logpush's docs write it); ${got}`;
    case 'startsWith':
    case '!startsWith':
    case 'endsWith':
    case '!endsWith':
      if (type !== 'string') return `${operator} needs a string field; ${field} is ${type}`;
      return typeof value === 'string' ? null : `${operator} on ${field} needs a string; ${got}`;
    case 'contains':
    case '!contains': {
      if (type === 'string') return typeof value === 'string' ? null : `${operator} on ${field} needs a string; ${got}`;
      const element = elementType(type);
      if (element === null) return `${operator} needs a string or array field; ${field} is ${type}`;
      const expected = scalarMismatch(element, value);
      return expected === null ? null : `${operator} on ${field} (${type}) needs one element, ${expected}; ${got}`;
    }
    case 'in':
    case '!in': {
      if (!Array.isArray(value) || value.length === 0) {
        return `${operator} needs a non-empty array of values; ${Array.isArray(value) ? 'got an empty array' : `got ${jsonTypeName(value) === 'string' ? describeValue(value) : `a ${jsonTypeName(value)}`}`}`;
      }
      if (type === 'object' || type === 'array[object]' || elementType(type) !== null) {
        return `${operator} needs a scalar field; ${field} is ${type}`;
      }
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const expected = isScalar(item) ? scalarMismatch(type, item) : 'a string, number or boolean';
        if (expected !== null) return `${operator} on ${field} (${type}): value[${i}] must be ${expected}; got ${describeValue(item)}`;
      }
      return null;
    }
  }
}
