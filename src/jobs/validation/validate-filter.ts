// The job's `filter`: Logpush sends it as a JSON string ("{\"where\":{…}}"); sluice also takes
// the object. Checks structure, operator count and size (filter-rules.ts), and every leaf
// against the dataset catalog, and returns a fresh, clean JobFilter (no stray properties).

import type { DatasetCatalog } from '../../datasets/catalog.ts';
import { FILTER_OPERATORS, isFilterOperator, leafValueProblem, MAX_FILTER_BYTES, MAX_FILTER_OPERATORS } from '../filter-rules.ts';
import { pathJoin } from '../json-path.ts';
import { didYouMean, jsonTypeName, quote } from '../problem-text.ts';
import type { FilterNode, JobFilter, Problem } from '../types.ts';

// A filter within 1000 bytes cannot nest deeper than this; the bound keeps the recursive walk
// safe for objects handed in directly (whose size check may already have failed).
const MAX_DEPTH = 64;
// Past this size a string filter is not even parsed: it is far over the limit anyway.
const MAX_PARSE_BYTES = 64 * 1024;

const LEAF_KEYS = ['key', 'operator', 'value'] as const;
const NODE_SHAPES = 'an object: {"and": [...]}, {"or": [...]} or {"key": …, "operator": …, "value": …}';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

interface Walk {
  catalog: DatasetCatalog | undefined;
  problems: Problem[];
  leaves: number;
}

function walkLeaf(node: Record<string, unknown>, path: string, walk: Walk): FilterNode | undefined {
  const before = walk.problems.length;
  walk.leaves++;
  for (const key of Object.keys(node)) {
    if (!(LEAF_KEYS as readonly string[]).includes(key)) {
      walk.problems.push({ path: pathJoin(path, key), message: `unknown key ${quote(key)} in a comparison${didYouMean(key, LEAF_KEYS)}; a comparison has key, operator and value` });
    }
  }
  const { key, operator, value } = node;
  const catalog = walk.catalog;
  let fieldType;
  if (typeof key !== 'string') {
    walk.problems.push({ path: pathJoin(path, 'key'), message: key === undefined ? 'is required: the field to compare' : `must be a field name (a string), got a ${jsonTypeName(key)}` });
  } else if (catalog !== undefined) {
    fieldType = catalog.fieldsByName.get(key)?.type;
    if (fieldType === undefined) {
      walk.problems.push({ path: pathJoin(path, 'key'), message: `unknown field ${quote(key)} for dataset ${catalog.dataset}${didYouMean(key, catalog.fieldNames)}` });
    }
  }
  if (!isFilterOperator(operator)) {
    const hint = typeof operator === 'string' ? `; got ${quote(operator)}${didYouMean(operator, FILTER_OPERATORS)}` : operator === undefined ? '' : `; got a ${jsonTypeName(operator)}`;
    walk.problems.push({ path: pathJoin(path, 'operator'), message: `${operator === undefined ? 'is required, one of' : 'must be one of'} ${FILTER_OPERATORS.join(' ')}${hint}` });
  }
  if (value === undefined) {
    walk.problems.push({ path: pathJoin(path, 'value'), message: 'is required: the value to compare with' });
  } else if (typeof key === 'string' && fieldType !== undefined && isFilterOperator(operator)) {
    const problem = leafValueProblem(operator, key, fieldType, value);
    if (problem !== null) walk.problems.push({ path: pathJoin(path, 'value'), message: problem });
  }
  if (walk.problems.length > before || !isFilterOperator(operator) || typeof key !== 'string') return undefined;
  return { key, operator, value: Array.isArray(value) ? [...value] : value } as FilterNode;
}

function walkNode(node: unknown, path: string, depth: number, walk: Walk): FilterNode | undefined {
  if (depth > MAX_DEPTH) {
    walk.problems.push({ path, message: `is nested more than ${MAX_DEPTH} levels deep` });
    return undefined;
  }
  if (!isPlainObject(node)) {
    walk.problems.push({ path, message: `must be ${NODE_SHAPES}; got ${jsonTypeName(node) === 'array' ? 'an array' : `a ${jsonTypeName(node)}`}` });
    return undefined;
  }
  const group = Object.hasOwn(node, 'and') ? 'and' : Object.hasOwn(node, 'or') ? 'or' : undefined;
  if (group === undefined) {
    if (!LEAF_KEYS.some((k) => Object.hasOwn(node, k))) {
      walk.problems.push({ path, message: `must be ${NODE_SHAPES}` });
      return undefined;
    }
    return walkLeaf(node, path, walk);
  }
  const before = walk.problems.length;
  for (const key of Object.keys(node)) {
    if (key !== group) {
      walk.problems.push({ path: pathJoin(path, key), message: `unexpected key ${quote(key)} next to "${group}"; nest it inside "${group}": [...] as a separate node` });
    }
  }
  const children = node[group];
  const groupPath = pathJoin(path, group);
  if (!Array.isArray(children) || children.length === 0) {
    walk.problems.push({ path: groupPath, message: `must be a non-empty array of conditions` });
    return undefined;
  }
  const clean: FilterNode[] = [];
  children.forEach((child: unknown, i) => {
    const result = walkNode(child, pathJoin(groupPath, i), depth + 1, walk);
    if (result !== undefined) clean.push(result);
  });
  if (walk.problems.length > before) return undefined;
  return group === 'and' ? { and: clean } : { or: clean };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Validates a job's `filter`. Returns the clean filter, null for "no filter" (absent, null or
 * an empty string), or undefined when there were problems (appended to `problems`).
 * Size rule: see MAX_FILTER_BYTES (the string as given, else JSON.stringify of the object).
 */
export function validateFilter(
  raw: unknown, catalog: DatasetCatalog | undefined, path: string, problems: Problem[],
): JobFilter | null | undefined {
  if (raw === undefined || raw === null) return null;
  let parsed: unknown;
  let bytes: number;
  const before = problems.length;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return null;
    bytes = byteLength(raw);
    if (bytes > MAX_PARSE_BYTES) {
      problems.push({ path, message: `is ${bytes} bytes; at most ${MAX_FILTER_BYTES} are allowed` });
      return undefined;
    }
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      problems.push({ path, message: `is not valid JSON (${(error as Error).message}); write it as {"where": {…}}` });
      return undefined;
    }
  } else if (isPlainObject(raw)) {
    parsed = raw;
    try {
      bytes = byteLength(JSON.stringify(raw));
    } catch {
      problems.push({ path, message: 'cannot be written as JSON (too deeply nested or circular)' });
      return undefined;
    }
  } else {
    problems.push({ path, message: `must be a JSON string or an object {"where": …}; got a ${jsonTypeName(raw)}` });
    return undefined;
  }
  if (bytes > MAX_FILTER_BYTES) {
    problems.push({ path, message: `is ${bytes} bytes; at most ${MAX_FILTER_BYTES} are allowed` });
  }
  if (!isPlainObject(parsed)) {
    problems.push({ path, message: `must be a JSON object {"where": …}; got ${jsonTypeName(parsed) === 'array' ? 'an array' : `a ${jsonTypeName(parsed)}`}` });
    return undefined;
  }
  for (const key of Object.keys(parsed)) {
    if (key !== 'where') problems.push({ path: pathJoin(path, key), message: `unknown key ${quote(key)}${didYouMean(key, ['where'])}; a filter is {"where": …}` });
  }
  if (!Object.hasOwn(parsed, 'where')) {
    problems.push({ path: pathJoin(path, 'where'), message: 'is required: {"where": {"and": [...]}} or {"where": {"key": …, "operator": …, "value": …}}' });
    return undefined;
  }
  const walk: Walk = { catalog, problems, leaves: 0 };
  const where = walkNode(parsed.where, pathJoin(path, 'where'), 1, walk);
  if (walk.leaves > MAX_FILTER_OPERATORS) {
    problems.push({ path, message: `has ${walk.leaves} operators; at most ${MAX_FILTER_OPERATORS} are allowed` });
  }
  if (problems.length > before || where === undefined) return undefined;
  return { where };
}
