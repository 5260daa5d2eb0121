// Differential fuzz test of the compiled Logpush filter on batch bytes.
//
// filter.ts answers filter questions on raw JSON bytes in place, with fast paths (unescaped
// strings compared as UTF-8, integers digit by digit) and slow paths (escaped strings decoded,
// fractions and exponents through Number). Hand-written cases cannot cover how those paths meet,
// so this test generates random records and filters from a fixed seed and checks every verdict
// against a small reference evaluator that works on parsed values: JSON.parse, with numbers kept
// as their source text (Node 24's reviver `context.source`) and compared as exact decimals.
// The reference implements the semantics in filter.ts's header comment, and nothing else.
//
// The records are packed back to back into one batch, as a worker sees them, so any read past a
// record's end would show up as a wrong verdict.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FilterLeaf, FilterNode, FilterOperator, FilterValue } from '../../src/jobs/types.ts';
import { FILTER_OPERATORS } from '../../src/jobs/filter-rules.ts';
import { compileFilter, filterFields, FilterVerdict } from '../../workers/filter.ts';
import { createFieldScanner, createScannedRecord } from '../../workers/scan.ts';
import { utf8Bytes } from '../../workers/byte-text.ts';
import { createPrng, unit } from '../../src/generator/prng.ts';
import { compareDecimal, decimalOf, isObject, JsonNumber, jsonFuzz, parseExact } from './helpers/json-fuzz.ts';
import type { Decimal, Json } from './helpers/json-fuzz.ts';

const { REJECT, KEEP, WRONG_TYPE } = FilterVerdict;
const VERDICT_NAMES = ['REJECT', 'KEEP', 'WRONG_TYPE'] as const;

const SEED = 0x5eed_f117;
const FILTER_COUNT = 1000;
const RECORDS_PER_BATCH = 6;

/**
 * Filter strings with a lone surrogate ('\ud83d') are not generated: job validation rejects
 * them (src/jobs/filter-rules.ts), because UTF-8 records cannot hold one, so a worker never
 * compiles such a filter.
 */

// ---------------------------------------------------------------------------------------------
// Filter numbers as exact decimals (Decimal, decimalOf, compareDecimal: helpers/json-fuzz.ts).

/**
 * A filter's number, as filter values arrive (a double from the job JSON). Its exact value is
 * taken to be its shortest decimal form, String(v): the job author wrote 1506702504433000200,
 * not the double's exact 1506702504433000192 (json-value.ts, exactNumber).
 */
function filterDecimal(value: number): Decimal {
  return decimalOf(String(value));
}

// ---------------------------------------------------------------------------------------------
// The reference evaluator, on parsed values.

/** `eq` on a present value (an element of an array included): typed equality. */
function equals(v: Json, fv: unknown): boolean {
  if (fv === null) return v === null;
  if (typeof fv === 'string' || typeof fv === 'boolean') return v === fv;
  if (typeof fv === 'number') return v instanceof JsonNumber && compareDecimal(decimalOf(v.text), filterDecimal(fv)) === 0;
  return false;
}

type Verdict = 0 | 1 | 2;

interface LeafStats {
  [operator: string]: [number, number, number];
}

function evaluateLeaf(record: Record<string, Json>, tracked: (key: string) => boolean, key: string, operator: string, value: unknown): Verdict {
  const negated = operator.startsWith('!');
  const base = negated ? operator.slice(1) : operator;
  const present = Object.hasOwn(record, key) && tracked(key);
  const v: Json = present ? record[key]! : null;
  const missing = v === null;
  let verdict: Verdict;
  switch (base) {
    case 'eq':
      verdict = missing ? (value === null ? KEEP : REJECT) : equals(v, value) ? KEEP : REJECT;
      break;
    case 'lt':
    case 'leq':
    case 'gt':
    case 'geq': {
      if (missing) verdict = REJECT;
      else if (!(v instanceof JsonNumber)) verdict = WRONG_TYPE;
      else {
        const c = compareDecimal(decimalOf(v.text), filterDecimal(value as number));
        const ok = base === 'lt' ? c < 0 : base === 'leq' ? c <= 0 : base === 'gt' ? c > 0 : c >= 0;
        verdict = ok ? KEEP : REJECT;
      }
      break;
    }
    case 'startsWith':
    case 'endsWith':
      if (missing) verdict = REJECT;
      else if (typeof v !== 'string') verdict = WRONG_TYPE;
      else verdict = (base === 'startsWith' ? v.startsWith(String(value)) : v.endsWith(String(value))) ? KEEP : REJECT;
      break;
    case 'contains':
      if (missing) verdict = REJECT;
      else if (typeof v === 'string') verdict = v.includes(String(value)) ? KEEP : REJECT;
      else if (Array.isArray(v)) verdict = v.some((element) => equals(element, value)) ? KEEP : REJECT;
      else verdict = WRONG_TYPE;
      break;
    case 'in': {
      const list: unknown[] = Array.isArray(value) ? value : [value];
      const isMember = (x: Json): boolean => list.some((item) => equals(x, item));
      if (missing) verdict = REJECT;
      else if (isObject(v)) verdict = WRONG_TYPE;
      else if (Array.isArray(v)) verdict = v.some(isMember) ? KEEP : REJECT;
      else verdict = isMember(v) ? KEEP : REJECT;
      break;
    }
    default:
      throw new Error(`the reference does not know operator ${operator}`);
  }
  if (negated && verdict !== WRONG_TYPE) verdict = verdict === KEEP ? REJECT : KEEP;
  return verdict;
}

function evaluate(node: FilterNode, record: Record<string, Json>, tracked: (key: string) => boolean, stats: LeafStats): Verdict {
  if ('and' in node || 'or' in node) {
    // and: every child KEEPs; or: some child KEEPs. The first child that does not `pass` decides,
    // WRONG_TYPE included.
    const pass = 'and' in node ? KEEP : REJECT;
    const children = 'and' in node ? node.and : node.or;
    for (const child of children) {
      const v = evaluate(child, record, tracked, stats);
      if (v !== pass) return v;
    }
    return pass;
  }
  const verdict = evaluateLeaf(record, tracked, node.key, node.operator, node.value);
  (stats[node.operator] ??= [0, 0, 0])[verdict]++;
  return verdict;
}

// ---------------------------------------------------------------------------------------------
// Random generation (mulberry32: small, seeded, the same sequence on every run).

/** Uniform floats in [0, 1), the same sequence for the same seed (mulberry32, as the generator uses). */
function createRandom(seed: number): () => number {
  const rng = createPrng(seed);
  return () => unit(rng);
}

const random = createRandom(SEED);
/** Values in their many JSON spellings (helpers/json-fuzz.ts), drawn from the same sequence. */
const { chance, int, pick, encodeString, renderNumber } = jsonFuzz(random);

/** Keys the filters read; records use them too, plus keys no filter reads. */
const FILTER_KEYS = ['a', 'b', 'c', 'Zürich', 'k"q\\'];
const RECORD_KEYS = [...FILTER_KEYS, 'pad'];
/** Read by filters, never written in a record. */
const ABSENT_KEY = 'never';

/** Decoded string values for records. */
const WORDS = [
  '', 'GET', 'get', 'GETX', 'Zürich', 'Zur', 'rich', '日本', '日本語', '😀', 'a😀b', 'say "hi"', 'back\\slash',
  'tab\tx', 'line\nbreak', 'a', 'ab', 'abc', 'cab', 'b', '404', 'true', 'null', '1.5', '/path/x', 'ü',
  'x\ud800y', '\ude00', // lone surrogates: only \u escapes can spell them
];
/** Filter operands for string operators: pieces of the words, so prefixes and substrings match. */
const FRAGMENTS = [
  '', 'G', 'GE', 'GET', 'ET', 'get', 'Zü', 'Zürich', 'rich', 'ü', 'u', '日', '日本', '本', '語', '😀', 'a😀', '😀b',
  '"', '"hi"', '\\', 'back\\', '\t', '\n', 'a', 'b', 'ab', 'bc', 'abc', 'cab', '404', '4', 'true', 'null', '1.5', '/', 'x',
];

/** Numbers records hold and filters compare with, as exact decimal text. */
const NUMBERS = [
  '0', '1', '-1', '2', '404', '403.5', '404.5', '499', '500', '501', '-404', '1.5', '-1.5', '0.25', '0.1', '-0.5',
  '1e-7', '2.5e20', '1506702504433000200', '1506702504433000201', '1506702504433000199', '9007199254740993',
  '9007199254740992', '-9223372036854775808', '9223372036854775807', '12345678901234567890',
];
/** Filter numbers are doubles (the job is JSON): a 19-digit one has already been rounded. */
const FILTER_NUMBERS = NUMBERS.map(Number);

function recordNumber(): string {
  const r = random();
  let d: Decimal;
  if (r < 0.7) d = decimalOf(pick(NUMBERS));
  else if (r < 0.85) {
    const base = decimalOf(pick(NUMBERS.filter((n) => /^-?\d+$/.test(n))));
    d = { m: base.m + BigInt(int(-2, 2)), e: 0 };
  } else d = { m: BigInt(int(-600, 600)), e: 0 };
  const text = renderNumber(d);
  assert.equal(compareDecimal(decimalOf(text), d), 0, `generator: ${text} spells ${d.m}e${d.e}`);
  return text;
}

function recordString(): string {
  let text = pick(WORDS);
  if (chance(0.3)) for (let n = int(1, 2); n > 0; n--) text += pick(WORDS);
  return encodeString(text);
}

const ws = (): string => (chance(0.85) ? '' : pick([' ', '\n', '\t', '\r\n', '  ']));

function recordValue(depth: number): string {
  const r = random();
  if (r < 0.3) return recordString();
  if (r < 0.6) return recordNumber();
  if (r < 0.68) return chance(0.5) ? 'true' : 'false';
  if (r < 0.76) return 'null';
  if (r < 0.9 || depth >= 2) {
    const elements: string[] = [];
    for (let n = int(0, 4); n > 0; n--) {
      elements.push(ws() + (chance(0.1) && depth < 2 ? recordValue(depth + 1) : scalarValue()) + ws());
    }
    return `[${elements.join(',')}]`;
  }
  return recordObject(depth + 1);
}

function scalarValue(): string {
  const r = random();
  if (r < 0.4) return recordString();
  if (r < 0.8) return recordNumber();
  if (r < 0.9) return chance(0.5) ? 'true' : 'false';
  return 'null';
}

/**
 * An object with keys from RECORD_KEYS, duplicates allowed (the last one wins, as in JSON.parse).
 * At the top level, some members are aimed at one of the filter's leaves (`targets`): its key
 * with a value near its operand, so that matches are common rather than lucky.
 */
function recordObject(depth: number, targets: readonly FilterLeaf[] = []): string {
  const members: string[] = [];
  for (let n = int(0, depth === 0 ? 5 : 3); n > 0; n--) {
    const target = depth === 0 && targets.length > 0 && chance(0.5) ? pick(targets) : undefined;
    const key = target?.key ?? pick(RECORD_KEYS);
    const value = target === undefined ? recordValue(depth) : valueNear(target.value);
    members.push(`${ws()}${encodeString(key)}${ws()}:${ws()}${value}${ws()}`);
  }
  return `{${members.join(',')}}`;
}

/** A record value equal to, containing, or just beside a filter operand. */
function valueNear(operand: FilterValue): string {
  if (Array.isArray(operand)) return chance(0.8) ? valueNear(pick(operand)) : recordValue(0);
  let value: string;
  if (typeof operand === 'string') {
    // A lone surrogate is half of an astral character, which a record may hold as raw UTF-8.
    if (!operand.isWellFormed() && chance(0.5)) return pick(['"😀"', '"a😀b"', '["😀"]']);
    const r = random();
    value = encodeString(r < 0.4 ? operand : r < 0.6 ? operand + pick(WORDS) : r < 0.8 ? pick(WORDS) + operand : pick(WORDS) + operand + pick(WORDS));
  } else if (typeof operand === 'number') {
    const d = filterDecimal(operand);
    value = renderNumber(chance(0.5) ? d : { m: d.m + BigInt(pick([-1, 1])), e: d.e });
  } else if (typeof operand === 'boolean') {
    value = String(chance(0.7) ? operand : !operand);
  } else {
    value = chance(0.5) ? 'null' : recordValue(0);
  }
  const r = random();
  if (r < 0.65) return value;
  if (r < 0.8) return `{${encodeString(pick(RECORD_KEYS))}:${value}}`; // the operand one level down
  // An array holding it, among other scalars.
  const elements = Array.from({ length: int(0, 2) }, scalarValue);
  elements.splice(int(0, elements.length), 0, value);
  return `[${elements.join(`,${ws()}`)}]`;
}

function leavesOf(node: FilterNode): FilterLeaf[] {
  if ('and' in node) return node.and.flatMap(leavesOf);
  if ('or' in node) return node.or.flatMap(leavesOf);
  return [node];
}

function filterScalar(strings: readonly string[]): string | number | boolean {
  const r = random();
  if (r < 0.45) return pick(strings);
  if (r < 0.85) return pick(FILTER_NUMBERS);
  return chance(0.5);
}

function leafValue(operator: FilterOperator): FilterValue {
  switch (operator) {
    case 'eq':
    case '!eq':
      return chance(0.15) ? null : filterScalar([...WORDS, ...FRAGMENTS]);
    case 'lt':
    case 'leq':
    case 'gt':
    case 'geq':
      return pick(FILTER_NUMBERS);
    case 'startsWith':
    case '!startsWith':
    case 'endsWith':
    case '!endsWith':
      // Validation only lets strings through here; other values are compared as String(value).
      return chance(0.85) ? pick(FRAGMENTS) : filterScalar(FRAGMENTS);
    case 'contains':
    case '!contains':
      return chance(0.05) ? null : filterScalar(FRAGMENTS);
    case 'in':
    case '!in': {
      if (chance(0.15)) return filterScalar(WORDS); // a non-list value acts as a list of one
      const list: Array<string | number | boolean> = [];
      for (let n = int(1, 4); n > 0; n--) list.push(filterScalar(WORDS));
      return list;
    }
  }
}

function filterNode(depth: number): FilterNode {
  if (depth < 3 && chance(0.35)) {
    const count = pick([0, 1, 2, 2, 2, 3, 3, 3]);
    const children = Array.from({ length: count }, () => filterNode(depth + 1));
    return chance(0.5) ? { and: children } : { or: children };
  }
  const operator = pick(FILTER_OPERATORS);
  return { key: chance(0.05) ? ABSENT_KEY : pick(FILTER_KEYS), operator, value: leafValue(operator) };
}

// ---------------------------------------------------------------------------------------------

interface Mismatch {
  record: string;
  filter: string;
  untracked: string | undefined;
  expected: Verdict;
  actual: number;
}

describe('compiled filter vs reference evaluator (seeded differential fuzz)', () => {
  it(`agrees on ${FILTER_COUNT * RECORDS_PER_BATCH} random (record, filter) pairs`, () => {
    const mismatches: Mismatch[] = [];
    const totals = [0, 0, 0];
    const leafStats: LeafStats = {};
    for (let f = 0; f < FILTER_COUNT; f++) {
      const where = filterNode(0);
      const fields = filterFields(where);
      // Now and then the scanner does not track one of the filter's keys: it reads as missing.
      const untracked = fields.length > 0 && chance(0.1) ? pick(fields) : undefined;
      const scanner = createFieldScanner(fields.filter((k) => k !== untracked));
      const filter = compileFilter(where, (field) => scanner.slotOf(field));
      const tracked = (key: string): boolean => key !== untracked;

      // Records back to back in one batch, with other records around each one.
      const targets = leavesOf(where);
      const records = Array.from({ length: RECORDS_PER_BATCH }, () => recordObject(0, targets));
      const offsets: number[] = [];
      let batchText = '';
      let byteLength = 0;
      for (const text of records) {
        const separator = pick(['', '\n', ' ']);
        batchText += separator + text;
        byteLength += utf8Bytes(separator).length;
        offsets.push(byteLength);
        byteLength += utf8Bytes(text).length;
      }
      const batch = utf8Bytes(`${batchText}\n`);
      assert.equal(batch.length, byteLength + 1);

      const scanned = createScannedRecord(scanner.slotCount);
      records.forEach((text, i) => {
        const start = offsets[i]!;
        const end = start + utf8Bytes(text).length;
        assert.equal(scanner.scan(batch, start, end, scanned), true, `scanner rejected ${text}`);
        const actual = filter.test(scanned);
        const parsed = parseExact(text);
        assert.ok(isObject(parsed), `generator: not an object: ${text}`);
        const expected = evaluate(where, parsed, tracked, leafStats);
        totals[expected]!++;
        if (actual !== expected) mismatches.push({ record: text, filter: JSON.stringify(where), untracked, expected, actual });
      });
    }

    if (mismatches.length > 0) {
      const shown = mismatches.slice(0, 5).map((m) =>
        `  record: ${m.record}\n  filter: ${m.filter}${m.untracked === undefined ? '' : `\n  untracked key: ${JSON.stringify(m.untracked)}`}\n` +
        `  expected ${VERDICT_NAMES[m.expected]}, compiled filter said ${VERDICT_NAMES[m.actual] ?? m.actual}`);
      assert.fail(`${mismatches.length} mismatches (seed ${SEED}); first ${shown.length}:\n${shown.join('\n\n')}`);
    }

    // Not vacuous: every verdict occurs often, and every operator both keeps and rejects (and,
    // except eq, which has no type error, also meets the wrong type).
    for (const verdict of [REJECT, KEEP, WRONG_TYPE]) {
      assert.ok(totals[verdict]! >= 300, `${VERDICT_NAMES[verdict]} occurred only ${totals[verdict]} times: ${totals.join('/')}`);
    }
    for (const operator of FILTER_OPERATORS) {
      const [rejects, keeps, wrongTypes] = leafStats[operator] ?? [0, 0, 0];
      assert.ok(rejects >= 20 && keeps >= 20, `${operator}: ${keeps} KEEP, ${rejects} REJECT`);
      if (operator !== 'eq' && operator !== '!eq') assert.ok(wrongTypes >= 20, `${operator}: ${wrongTypes} WRONG_TYPE`);
    }
  });
});
