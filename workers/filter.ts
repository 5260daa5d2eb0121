// The Logpush filter, compiled once per job version into closures and evaluated per record on
// the values a FieldScanner located in the batch's bytes (no JSON.parse, no per-record allocation
// on the common path: filter strings are prepared once as UTF-8 bytes and numbers as ExactNumbers,
// then strings without escapes and integers are compared in place; see json-value.ts).
//
// Semantics (the job was validated already; odd input compiles to something harmless or throws
// a FilterCompileError, never crashes at run time):
//
// - A leaf reads one top-level field. A field that is absent from the record, not tracked by
//   the scanner, or JSON `null` is "missing" (except that `eq null` matches both).
// - `eq` / `!eq`: typed equality with a string, number, bool or null. Missing behaves as null,
//   so `eq "x"` is false and `eq null` is true. A value of another JSON type is simply not
//   equal (no WRONG_TYPE). Numbers compare exactly (19-digit integers digit by digit);
//   `1.0 eq 1` is true. A filter string holding a JSON number ("30", Logpush's documented
//   form) also equals that number in the record. `!eq` is the exact complement of `eq`.
// - `lt leq gt geq`: numeric; the filter value is a number or a string holding one ("30").
//   Missing → REJECT. Present but not a number (a string, even one of digits, a bool, an
//   array, an object) → WRONG_TYPE.
// - `startsWith endsWith contains` (and `!`): on the decoded string value, case-sensitive.
//   Missing → `x` REJECT, `!x` KEEP. `contains` on an array field means "has an element `eq`
//   to the value". Any other type (number, bool, object; an array for startsWith/endsWith)
//   → WRONG_TYPE. A non-string value for a string operator is compared as String(value).
// - `in` / `!in`: the value is a list of strings, numbers and bools; KEEP when the field value
//   (with `eq` semantics) is one of them; for an array field, when any element is. Missing →
//   `in` REJECT, `!in` KEEP. An object field → WRONG_TYPE. A non-list value acts as a list of one.
// - `!x` is the complement of `x` except that WRONG_TYPE stays WRONG_TYPE.
// - `and`: all children KEEP (empty → KEEP); `or`: any child KEEPs (empty → REJECT). Children run
//   in order and stop at the first one that decides the result; a WRONG_TYPE from any child
//   that ran is the result (the worker drops the record and counts it as `wrong_type`).

import type { FilterLeaf, FilterNode } from '../src/jobs/types.ts';
import { WorkerErrorCode } from './batch-task.ts';
import type { ScannedRecord } from './scanned-record.ts';
import {
  bytesEqualAt,
  compareRawNumber,
  exactNumber,
  firstElement,
  kindAt,
  nextElement,
  rawBool,
  rawStringEndsWith,
  rawStringEquals,
  rawStringIncludes,
  rawStringStartsWith,
  decodeString,
  hasBackslash,
  stringOperand,
  valueEnd,
  ValueKind,
  type ExactNumber,
  type StringOperand,
} from './json-value.ts';

export const FilterVerdict = { REJECT: 0, KEEP: 1, WRONG_TYPE: 2 } as const;
export type FilterVerdict = 0 | 1 | 2;

const REJECT = FilterVerdict.REJECT;
const KEEP = FilterVerdict.KEEP;
const WRONG_TYPE = FilterVerdict.WRONG_TYPE;

export interface CompiledFilter {
  test(record: ScannedRecord): FilterVerdict;
}

/** Thrown by compileFilter for a filter it cannot make sense of (validation should have caught it). */
export class FilterCompileError extends Error {
  readonly code = WorkerErrorCode.JOB_COMPILE;
  constructor(message: string) {
    super(message);
    this.name = 'FilterCompileError';
  }
}

type Test = (record: ScannedRecord) => FilterVerdict;

/** Every key the filter reads, deduplicated, in first-seen order. */
export function filterFields(where: FilterNode): string[] {
  const keys = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if ('and' in node && Array.isArray(node.and)) node.and.forEach(visit);
    else if ('or' in node && Array.isArray(node.or)) node.or.forEach(visit);
    else if ('key' in node && typeof node.key === 'string') keys.add(node.key);
  };
  visit(where);
  return [...keys];
}

export function compileFilter(where: FilterNode, slotOf: (field: string) => number): CompiledFilter {
  return { test: compileNode(where, slotOf) };
}

function compileNode(node: unknown, slotOf: (field: string) => number): Test {
  if (node === null || typeof node !== 'object') throw new FilterCompileError('filter node is not an object');
  if ('and' in node) return compileChain(childrenOf(node.and).map((child) => compileNode(child, slotOf)), KEEP);
  if ('or' in node) return compileChain(childrenOf(node.or).map((child) => compileNode(child, slotOf)), REJECT);
  if ('key' in node && 'operator' in node) return compileLeaf(node as FilterLeaf, slotOf);
  throw new FilterCompileError('filter node has neither and, or, nor key/operator');
}

function childrenOf(list: unknown): unknown[] {
  if (!Array.isArray(list)) throw new FilterCompileError('and/or must hold a list');
  return list;
}

/**
 * and/or: evaluate children in order while each returns `pass` (KEEP for and, REJECT for or);
 * the first other verdict decides (short circuit, WRONG_TYPE included). Two children, the
 * common case, get a closure without a loop.
 */
function compileChain(children: Test[], pass: FilterVerdict): Test {
  if (children.length === 1) return children[0]!;
  if (children.length === 2) {
    const [a, b] = children as [Test, Test];
    return (r) => {
      const v = a(r);
      return v === pass ? b(r) : v;
    };
  }
  return (r) => {
    for (let i = 0; i < children.length; i++) {
      const v = children[i]!(r);
      if (v !== pass) return v;
    }
    return pass;
  };
}

function negate(test: Test): Test {
  return (r) => {
    const v = test(r);
    return v === KEEP ? REJECT : v === REJECT ? KEEP : WRONG_TYPE;
  };
}

function compileLeaf(leaf: FilterLeaf, slotOf: (field: string) => number): Test {
  const { operator, value } = leaf;
  const negated = typeof operator === 'string' && operator.startsWith('!');
  const base = negated ? operator.slice(1) : operator;
  const makeTest = Object.hasOwn(leafBuilders, base)
    ? (leafBuilders[base as keyof typeof leafBuilders] as LeafBuilder)
    : undefined;
  if (makeTest === undefined || (negated && !negatable.has(base))) {
    throw new FilterCompileError(`unknown filter operator ${JSON.stringify(operator)}`);
  }
  const slot = typeof leaf.key === 'string' ? slotOf(leaf.key) : -1;
  const test = makeTest(slot < 0 ? 0 : slot, value, base);
  if (slot < 0) {
    // The scanner does not track this key, so the field is always missing: decide once.
    const verdict = (negated ? negate(test) : test)(MISSING_RECORD);
    return () => verdict;
  }
  return negated ? negate(test) : test;
}

const MISSING_RECORD: ScannedRecord = { bytes: new Uint8Array(0), starts: new Int32Array([-1]), ends: new Int32Array([-1]), invalidUtf8: false };

type LeafBuilder = (slot: number, value: unknown, operator: string) => Test;

const negatable = new Set(['eq', 'startsWith', 'endsWith', 'contains', 'in']);

const leafBuilders = {
  eq: (slot: number, value: unknown): Test => {
    const equals = compileEquals(value);
    const missingVerdict = value === null ? KEEP : REJECT;
    return (r) => {
      const start = r.starts[slot]!;
      if (start < 0) return missingVerdict;
      return equals(r.bytes, start, r.ends[slot]!) ? KEEP : REJECT;
    };
  },
  lt: (slot: number, value: unknown) => compileNumeric(slot, value, (c) => c < 0),
  leq: (slot: number, value: unknown) => compileNumeric(slot, value, (c) => c <= 0),
  gt: (slot: number, value: unknown) => compileNumeric(slot, value, (c) => c > 0),
  geq: (slot: number, value: unknown) => compileNumeric(slot, value, (c) => c >= 0),
  startsWith: (slot: number, value: unknown) => compileStringOp(slot, operandOf(value), rawStringStartsWith),
  endsWith: (slot: number, value: unknown) => compileStringOp(slot, operandOf(value), rawStringEndsWith),
  contains: (slot: number, value: unknown): Test => {
    const part = operandOf(value);
    const elementEquals = compileEquals(value);
    return (r) => {
      const start = r.starts[slot]!;
      if (start < 0) return REJECT;
      const bytes = r.bytes;
      const end = r.ends[slot]!;
      const kind = kindAt(bytes, start);
      if (kind === ValueKind.STRING) return rawStringIncludes(bytes, start, end, part) ? KEEP : REJECT;
      if (kind === ValueKind.NULL) return REJECT;
      if (kind === ValueKind.ARRAY) return anyElement(bytes, start, end, elementEquals) ? KEEP : REJECT;
      return WRONG_TYPE;
    };
  },
  in: (slot: number, value: unknown): Test => {
    const isMember = compileMembership(Array.isArray(value) ? value : [value]);
    return (r) => {
      const start = r.starts[slot]!;
      if (start < 0) return REJECT;
      const bytes = r.bytes;
      const end = r.ends[slot]!;
      const kind = kindAt(bytes, start);
      if (kind === ValueKind.NULL) return REJECT;
      if (kind === ValueKind.OBJECT) return WRONG_TYPE;
      if (kind === ValueKind.ARRAY) return anyElement(bytes, start, end, isMember) ? KEEP : REJECT;
      return isMember(bytes, start, end) ? KEEP : REJECT;
    };
  },
};

/** A predicate on one raw JSON value bytes[start, end). */
type RawPredicate = (bytes: Uint8Array, start: number, end: number) => boolean;

const never: RawPredicate = () => false;

/** `eq` on a present raw value, specialised by the type of `value`. */
function compileEquals(value: unknown): RawPredicate {
  if (value === null) return (bytes, start) => kindAt(bytes, start) === ValueKind.NULL;
  if (typeof value === 'string') {
    const operand = stringOperand(value);
    // Logpush's docs give numbers as strings ("30"): against a number in the record, a string
    // holding a JSON number compares as that number (validation allows it on numeric fields).
    const asNumber = exactNumber(value);
    if (asNumber === null) return (bytes, start, end) => kindAt(bytes, start) === ValueKind.STRING && rawStringEquals(bytes, start, end, operand);
    return (bytes, start, end) => {
      const kind = kindAt(bytes, start);
      if (kind === ValueKind.STRING) return rawStringEquals(bytes, start, end, operand);
      return kind === ValueKind.NUMBER && compareRawNumber(bytes, start, end, asNumber) === 0;
    };
  }
  if (typeof value === 'boolean') {
    return (bytes, start) => kindAt(bytes, start) === ValueKind.BOOL && rawBool(bytes, start) === value;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = exactNumber(value);
    if (n === null) return never; // NaN equals nothing
    return (bytes, start, end) => kindAt(bytes, start) === ValueKind.NUMBER && compareRawNumber(bytes, start, end, n) === 0;
  }
  return never; // arrays/objects: a filter value cannot equal them (validation forbids them)
}

function compileNumeric(slot: number, value: unknown, accept: (comparison: number) => boolean): Test {
  const n = exactNumber(value);
  if (n === null) throw new FilterCompileError(`numeric filter value expected, got ${JSON.stringify(String(value))}`);
  return (r) => {
    const start = r.starts[slot]!;
    if (start < 0) return REJECT;
    const bytes = r.bytes;
    const kind = kindAt(bytes, start);
    if (kind === ValueKind.NUMBER) return accept(compareRawNumber(bytes, start, r.ends[slot]!, n)) ? KEEP : REJECT;
    return kind === ValueKind.NULL ? REJECT : WRONG_TYPE;
  };
}

type RawStringOp = (bytes: Uint8Array, start: number, end: number, operand: StringOperand) => boolean;

function compileStringOp(slot: number, operand: StringOperand, op: RawStringOp): Test {
  return (r) => {
    const start = r.starts[slot]!;
    if (start < 0) return REJECT;
    const bytes = r.bytes;
    const kind = kindAt(bytes, start);
    if (kind === ValueKind.STRING) return op(bytes, start, r.ends[slot]!, operand) ? KEEP : REJECT;
    return kind === ValueKind.NULL ? REJECT : WRONG_TYPE;
  };
}

/** The operand of a string operator: a non-string value is compared as String(value). */
function operandOf(value: unknown): StringOperand {
  return stringOperand(typeof value === 'string' ? value : String(value));
}

function anyElement(bytes: Uint8Array, start: number, end: number, predicate: RawPredicate): boolean {
  for (let p = firstElement(bytes, start, end); p >= 0;) {
    const q = valueEnd(bytes, p, end);
    if (q < 0) return false;
    if (predicate(bytes, p, q)) return true;
    p = nextElement(bytes, q, end);
  }
  return false;
}

/** `in`: membership of a raw scalar in a list of strings, numbers and bools. */
function compileMembership(list: readonly unknown[]): RawPredicate {
  // Strings are bucketed by UTF-8 length so a raw string without escapes is matched in place;
  // one with escapes is decoded and looked up in `strings`.
  const utf8ByLength = new Map<number, Uint8Array[]>();
  const strings = new Set<string>();
  const numbers: ExactNumber[] = [];
  let hasTrue = false;
  let hasFalse = false;
  for (const item of list) {
    if (typeof item === 'string') {
      if (strings.has(item)) continue;
      strings.add(item);
      const asNumber = exactNumber(item); // "30" also matches the number 30 (see compileEquals)
      if (asNumber !== null) numbers.push(asNumber);
      const operand = stringOperand(item);
      if (!operand.wellFormed) continue; // only an escaped raw string can match it
      const bucket = utf8ByLength.get(operand.utf8.length);
      if (bucket === undefined) utf8ByLength.set(operand.utf8.length, [operand.utf8]);
      else bucket.push(operand.utf8);
    } else if (typeof item === 'boolean') {
      if (item) hasTrue = true;
      else hasFalse = true;
    } else {
      const n = exactNumber(item);
      if (n !== null) numbers.push(n);
    }
  }
  return (bytes, start, end) => {
    const kind = kindAt(bytes, start);
    if (kind === ValueKind.STRING) {
      if (hasBackslash(bytes, start + 1, end - 1)) return strings.has(decodeString(bytes, start, end));
      const bucket = utf8ByLength.get(end - start - 2);
      if (bucket === undefined) return false;
      for (let i = 0; i < bucket.length; i++) {
        if (bytesEqualAt(bytes, start + 1, bucket[i]!)) return true;
      }
      return false;
    }
    if (kind === ValueKind.NUMBER) {
      for (let i = 0; i < numbers.length; i++) {
        if (compareRawNumber(bytes, start, end, numbers[i]!) === 0) return true;
      }
      return false;
    }
    if (kind === ValueKind.BOOL) return rawBool(bytes, start) ? hasTrue : hasFalse;
    return false;
  };
}
