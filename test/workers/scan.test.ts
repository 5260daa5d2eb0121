import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { utf8Bytes, utf8Of } from '../../workers/byte-text.ts';
import { createFieldScanner, createScannedRecord, skipValue, type FieldScanner } from '../../workers/scan.ts';
import type { ScannedRecord } from '../../workers/scanned-record.ts';
import { createPrng, unit } from '../../src/generator/prng.ts';

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Scans text[start, end) (character indices) as the worker does: as the UTF-8 bytes of the whole text. */
function scanText(scanner: FieldScanner, text: string, start: number, end: number, out: ScannedRecord): boolean {
  const bytes = utf8Bytes(text);
  const byteStart = byteLength(text.slice(0, start));
  return scanner.scan(bytes, byteStart, byteStart + byteLength(text.slice(start, end)), out);
}

/** The raw text of a slot after a scan (undefined when absent). */
function rawOf(out: ScannedRecord, slot: number): string | undefined {
  return out.starts[slot]! < 0 ? undefined : utf8Of(out.bytes, out.starts[slot]!, out.ends[slot]!);
}

/** Scans `json` and returns the raw text of each tracked field (undefined when absent), or null if rejected. */
function scanFields(fields: string[], json: string, prefix = '', suffix = ''): Record<string, string | undefined> | null {
  const scanner = createFieldScanner(fields);
  const out = createScannedRecord(scanner.slotCount);
  const text = prefix + json + suffix;
  if (!scanText(scanner, text, prefix.length, prefix.length + json.length, out)) return null;
  const result: Record<string, string | undefined> = {};
  for (const field of scanner.fields) result[field] = rawOf(out, scanner.slotOf(field));
  return result;
}

describe('createFieldScanner', () => {
  it('finds the raw value of each tracked top-level field', () => {
    const json = '{"a":"x\\"y","b":1506702504433000201,"c":{"a":1,"d":[1,{"b":2}]},"d":true,"e":null,"f":-1.5e3}';
    assert.deepEqual(scanFields(['b', 'a', 'c', 'd', 'e', 'f', 'zz'], json), {
      a: '"x\\"y"',
      b: '1506702504433000201',
      c: '{"a":1,"d":[1,{"b":2}]}',
      d: 'true',
      e: 'null',
      f: '-1.5e3',
      zz: undefined,
    });
  });

  it('ignores keys of nested objects and text inside strings', () => {
    const json = '{"x":{"a":"no"},"y":"\\"a\\":\\"no\\"","z":["a",{"a":0}],"a":"yes"}';
    assert.deepEqual(scanFields(['a'], json), { a: '"yes"' });
    assert.deepEqual(scanFields(['a'], '{"x":{"a":"no"}}'), { a: undefined });
  });

  it('lets the last duplicate key win, as JSON.parse does', () => {
    assert.deepEqual(scanFields(['a'], '{"a":1,"b":2,"a":3}'), { a: '3' });
  });

  it('matches keys written with escapes, and the empty key', () => {
    assert.deepEqual(scanFields(['AB', 'C"'], '{"\\u0041B":1,"C\\"":2}'), { AB: '1', 'C"': '2' });
    assert.deepEqual(scanFields(['', 'a'], '{"a":1,"":2}'), { '': '2', a: '1' });
  });

  it('accepts whitespace anywhere JSON allows it and excludes it from values', () => {
    const json = ' \n{ "a" :\t"v" ,\r\n "b" : [ 1 , 2 ] , "c" : { } } \n';
    assert.deepEqual(scanFields(['a', 'b', 'c'], json), { a: '"v"', b: '[ 1 , 2 ]', c: '{ }' });
    assert.deepEqual(scanFields(['a'], '{}'), { a: undefined });
    assert.deepEqual(scanFields(['a'], ' { } '), { a: undefined });
  });

  it('stays inside [start, end) of a larger text', () => {
    assert.deepEqual(scanFields(['a'], '{"a":1}', '{"a":0,', ',"a":2}'), { a: '1' });
    // A string, number or container that would only be complete past `end` is rejected.
    assert.equal(scanFields(['a'], '{"a":"x', '', '"}'), null);
    assert.equal(scanFields(['a'], '{"a":1', '', '}'), null);
    assert.equal(scanFields(['a'], '{"a":[1', '', ']}'), null);
    assert.equal(scanFields(['a'], '{"a":tr', '', 'ue}'), null);
    assert.equal(scanFields(['a'], '{"a":"x\\', '', 'n"}'), null);
  });

  it('removes duplicate field names and reports slots by name', () => {
    const scanner = createFieldScanner(['a', 'b', 'a']);
    assert.deepEqual(scanner.fields, ['a', 'b']);
    assert.equal(scanner.slotCount, 2);
    assert.equal(scanner.slotOf('b'), 1);
    assert.equal(scanner.slotOf('nope'), -1);
  });

  it('resets slots between records', () => {
    const scanner = createFieldScanner(['a']);
    const out = createScannedRecord(1);
    assert.equal(scanner.scan(utf8Bytes('{"a":1}'), 0, 7, out), true);
    assert.equal(out.starts[0], 5);
    assert.equal(scanner.scan(utf8Bytes('{"b":1}'), 0, 7, out), true);
    assert.equal(out.starts[0], -1);
  });

  it('rejects malformed records', () => {
    const bad = [
      '', ' ', '[]', '"a"', '1', 'null', '{', '}', '{"a"}', '{"a":}', '{"a" 1}', '{"a":1,}', '{,"a":1}',
      '{"a":1 "b":2}', '{"a":1}}', '{"a":1} x', '{"a":1}{}', '{a:1}', "{'a':1}", '{"a":tru}', '{"a":nul}',
      '{"a":falsey}', '{"a":True}', '{"a":01}', '{"a":-}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":1e+}',
      '{"a":+1}', '{"a":0x1}', '{"a":NaN}', '{"a":"x}', '{"a":"\\x"}', '{"a":"\\u12G4"}', '{"a":"\\u12"}',
      '{"a":"tab\there"}', '{"a":"nl\nhere"}', '{"a":{"b":"nl\nhere"}}', '{"a":["\\x"]}', '{"a":[1,2}', '{"a":{"b":1]}', '{"a":[1,]}',
      '{"a":[,1]}', '{"a":{"b"}}', '{"a":{"b":1,}}', '{"a":{1:2}}', '{"a":1,"b"', '{"a":"\\"}', '\u00a0{}',
    ];
    for (const json of bad) {
      assert.equal(scanFields(['a'], json), null, `should reject ${JSON.stringify(json)}`);
      assert.equal(parseExact(json), undefined, `test case ${JSON.stringify(json)} must be invalid for JSON.parse too`);
    }
  });

  it('validates structure everywhere but the contents of untracked strings only loosely', () => {
    // Accepted although JSON.parse rejects them: the defect is inside a key or an untracked
    // string value, which never reaches the output (a raw control character, a bad escape).
    const loose = ['{"a":1,"b":"nl\nhere"}', '{"a\u0001":1}', '{"b":"\\x","a":1}', '{"b":{"c":"\\q"},"a":1}',
      '{"b":["tab\there"],"a":1}', '{"b\\x":1,"a":1}'];
    for (const json of loose) {
      assert.equal(parseExact(json), undefined, `test case ${JSON.stringify(json)} must be invalid for JSON.parse`);
      const fields = scanFields(['a'], json);
      assert.ok(fields !== null, `should accept ${JSON.stringify(json)}`);
      if (fields.a !== undefined) assert.doesNotThrow(() => JSON.parse(fields.a!), json);
    }
    // The same defects inside a tracked value (at any depth) are rejected.
    for (const json of ['{"b":"nl\nhere"}', '{"b":{"c":"\\q"}}', '{"b":["tab\there"]}', '{"b":{"x\u0001":1}}']) {
      assert.equal(scanFields(['b'], json), null, `should reject ${JSON.stringify(json)}`);
    }
    // Structure is checked in untracked values too, and an escaped quote does not end a string.
    for (const json of ['{"b":[1,}', '{"b":{"c"}}', '{"b":[1 2]}', '{"b":"x\\"}', '{"b":"x\\\\\\"}', '{"b\\":1}', '{"b":01}']) {
      assert.equal(scanFields(['a'], json), null, `should reject ${JSON.stringify(json)}`);
    }
    assert.deepEqual(scanFields(['a'], '{"b":"x\\\\","a":"q\\"z"}'), { a: '"q\\"z"' });
  });

  it('survives very deep nesting without throwing', () => {
    const deep = '{"a":' + '['.repeat(200_000) + ']'.repeat(200_000) + ',"b":1}';
    assert.deepEqual(scanFields(['b'], deep), { b: '1' });
    const unbalanced = '{"a":' + '['.repeat(200_000) + '}';
    assert.equal(scanFields(['a'], unbalanced), null);
    assert.equal(skipValue(utf8Bytes('[{"a":['), 0, 7), -1);
  });

  it('agrees with JSON.parse on random valid and mutated records (fuzz)', () => {
    const random = seededRandom(20240601);
    const tracked = ['id', 'EdgeStartTimestamp', 'name', 'tags', 'meta', 'ok', 'ratio', 'AB'];
    const scanner = createFieldScanner(tracked);
    const out = createScannedRecord(scanner.slotCount);
    let valid = 0;
    let invalid = 0;
    let looseAccepts = 0;
    for (let i = 0; i < 20_000; i++) {
      let json = writeJson(randomRecord(random), random);
      if (random() < 0.7) json = mutate(json, random);
      // Records arrive as UTF-8 bytes: a lone surrogate the generator made cannot be in them.
      json = Buffer.from(json, 'utf8').toString('utf8');
      const expected = parseExact(json);
      // Put the record inside other text to check that the scanner respects its bounds.
      const prefix = random() < 0.5 ? '' : '{"id":"outside",';
      const suffix = random() < 0.5 ? '' : pick(random, ['"}', ']}', '0}', 'e5', '"id":1}', '\\"', ' ']);
      const text = prefix + json + suffix;
      const ok = scanText(scanner, text, prefix.length, prefix.length + json.length, out);
      // The contract (workers/scan.ts): whatever JSON.parse accepts is accepted; a record
      // accepted although JSON.parse rejects it (a defect inside an untracked string) must
      // still yield only valid JSON values.
      if (expected !== undefined) assert.equal(ok, true, `verdict for ${JSON.stringify(json)}`);
      if (expected === undefined) {
        invalid++;
        if (!ok) continue;
        looseAccepts++;
        for (const field of tracked) {
          const slot = scanner.slotOf(field);
          const raw = rawOf(out, slot);
          if (raw === undefined) continue;
          assert.notEqual(parseExact(raw, true), undefined, `${field} = ${raw} in ${JSON.stringify(json)}`);
        }
        continue;
      }
      valid++;
      for (const field of tracked) {
        const slot = scanner.slotOf(field);
        const start = out.starts[slot]!;
        if (!Object.hasOwn(expected, field)) {
          assert.equal(start, -1, `${field} absent in ${json}`);
          continue;
        }
        assert.ok(start >= byteLength(prefix) && out.ends[slot]! <= byteLength(prefix + json));
        // Numbers are compared by their source text, so 19-digit integers must be exact.
        assert.deepEqual(parseExact(rawOf(out, slot)!, true), expected[field], `${field} in ${json}`);
      }
    }
    // Many records in one text (the worker's batch path), scanned forwards then backwards, must
    // give the same answers as each record alone: nothing may leak between records.
    const batch = Array.from({ length: 400 }, () => (random() < 0.5 ? mutate(writeJson(randomRecord(random), random), random) : writeJson(randomRecord(random), random)));
    const bytes = utf8Bytes(batch.join(''));
    const alone = batch.map((json) => scanFields(tracked, json));
    const offsets = batch.map((_, i) => byteLength(batch.slice(0, i).join('')));
    for (const order of [batch.map((_, i) => i), batch.map((_, i) => batch.length - 1 - i)]) {
      for (const i of order) {
        const start = offsets[i]!;
        const ok = scanner.scan(bytes, start, start + byteLength(batch[i]!), out);
        assert.equal(ok, alone[i] !== null, `batch verdict for ${JSON.stringify(batch[i])}`);
        if (!ok) continue;
        for (const field of tracked) {
          const slot = scanner.slotOf(field);
          assert.equal(rawOf(out, slot), alone[i]![field]);
        }
      }
    }
    // The fuzz must exercise both verdicts substantially.
    assert.ok(valid > 5000 && invalid > 5000, `valid ${valid}, invalid ${invalid}`);
    // Most invalid records are still rejected (structural damage); some are loosely accepted.
    assert.ok(looseAccepts > 0 && looseAccepts < invalid / 4, `loosely accepted ${looseAccepts} of ${invalid}`);
  });
});

/**
 * JSON.parse where every number becomes {n: its source text}: an exact oracle.
 * Returns undefined when `json` is not valid JSON, or (unless anyValue) not an object.
 */
function parseExact(json: string, anyValue = false): Record<string, unknown> | undefined {
  let plain: unknown;
  try {
    plain = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!anyValue && (plain === null || typeof plain !== 'object' || Array.isArray(plain))) return undefined;
  return JSON.parse(json, ((_key: string, v: unknown, context: { source?: string }) =>
    typeof v === 'number' ? { n: context.source } : v) as (key: string, value: unknown) => unknown) as Record<string, unknown>;
}

type Json = null | boolean | { num: string } | string | Json[] | { obj: Array<[string, Json]> };

/** Uniform floats in [0, 1), the same sequence for the same seed (mulberry32, as the generator uses). */
function seededRandom(seed: number): () => number {
  const rng = createPrng(seed);
  return () => unit(rng);
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const KEYS = ['id', 'EdgeStartTimestamp', 'name', 'tags', 'meta', 'ok', 'ratio', 'AB', 'other', 'ID', 'nam', 'x'];
const STRINGS = ['', 'plain', 'with "quotes"', 'back\\slash', 'tab\tnew\nline', 'ünïcödé', '😀', '\u2028', '{"a":[1]}', 'id'];
const NUMBERS = ['0', '-0', '7', '-12', '1506702504433000201', '-9223372036854775808', '3.25', '-0.5', '1e9', '2.5E-3', '1e+2', '123456789012345678901234567890'];

function randomValue(random: () => number, depth: number): Json {
  const r = random();
  if (depth > 3 || r < 0.55) {
    const scalar = random();
    if (scalar < 0.35) return pick(random, STRINGS);
    if (scalar < 0.75) return { num: pick(random, NUMBERS) };
    if (scalar < 0.9) return random() < 0.5;
    return null;
  }
  if (r < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  return { obj: Array.from({ length: Math.floor(random() * 4) }, () => [pick(random, KEYS), randomValue(random, depth + 1)] as [string, Json]) };
}

function randomRecord(random: () => number): Json {
  const members: Array<[string, Json]> = [];
  const count = 1 + Math.floor(random() * 8);
  for (let i = 0; i < count; i++) members.push([pick(random, KEYS), randomValue(random, 0)]);
  return { obj: members };
}

/** Serialises with random whitespace and, sometimes, keys and strings written with \u escapes. */
function writeJson(value: Json, random: () => number): string {
  const ws = (): string => (random() < 0.15 ? pick(random, [' ', '\n', '\t', '\r\n ', '  ']) : '');
  const str = (s: string): string => {
    if (random() < 0.2 && s.length > 0) {
      const code = s.charCodeAt(0).toString(16).padStart(4, '0');
      return `"\\u${random() < 0.5 ? code : code.toUpperCase()}${JSON.stringify(s.slice(1)).slice(1)}`;
    }
    return random() < 0.1 ? JSON.stringify(s).replace(/\//g, '\\/') : JSON.stringify(s);
  };
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => writeJson(v, random)).join(`${ws()},${ws()}`)}${ws()}]`;
  if ('num' in value) return value.num;
  return `{${ws()}${value.obj.map(([k, v]) => `${str(k)}${ws()}:${ws()}${writeJson(v, random)}`).join(`${ws()},${ws()}`)}${ws()}}`;
}

const MUTATION_CHARS = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '1', '-', '.', 'e', 't', 'n', 'u', 'x', '\n', '\u0001', '/'];

function mutate(json: string, random: () => number): string {
  const at = Math.floor(random() * (json.length + 1));
  const r = random();
  if (r < 0.3) return json.slice(0, at) + json.slice(at + 1); // delete one character
  if (r < 0.6) return json.slice(0, at) + pick(random, MUTATION_CHARS) + json.slice(at); // insert
  if (r < 0.85) return json.slice(0, at) + pick(random, MUTATION_CHARS) + json.slice(at + 1); // replace
  if (r < 0.95) return json.slice(0, at); // truncate
  const from = Math.floor(random() * json.length);
  return json.slice(0, at) + json.slice(from, from + 1 + Math.floor(random() * 5)) + json.slice(at); // duplicate a piece
}
