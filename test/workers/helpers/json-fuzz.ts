// What the differential fuzz tests (filter-differential, pipeline-differential) share: exact
// decimals, a JSON.parse that keeps each number's source text, and random JSON spellings of
// numbers and strings.
//
// The spellings are what makes those tests bite: the workers read raw JSON bytes with fast paths
// for the common spellings (plain integers, unescaped strings) and slow paths for the rest, so a
// value must arrive in every spelling JSON allows while the reference sees only its value.
// The generators draw from the random source the test passes, so a fixed seed gives the same
// cases on every run.

// ---------------------------------------------------------------------------------------------
// Exact decimals: a JSON number's value is m × 10^e, compared with BigInt (no double rounding).

export interface Decimal {
  m: bigint;
  e: number;
}

export function decimalOf(text: string): Decimal {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) throw new Error(`not a number: ${text}`);
  const [, sign, whole = '', frac = '', exp = '0'] = match;
  const m = BigInt(whole + frac);
  return { m: sign === '-' ? -m : m, e: Number(exp) - frac.length };
}

export function compareDecimal(a: Decimal, b: Decimal): number {
  const e = Math.min(a.e, b.e);
  const x = a.m * 10n ** BigInt(a.e - e);
  const y = b.m * 10n ** BigInt(b.e - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `digits` × 10^e written without an exponent (12, -2 → 0.12; 12, 2 → 1200). */
export function plainNumber(digits: string, e: number): string {
  if (e >= 0) return digits === '0' ? '0' : digits + '0'.repeat(e);
  const padded = digits.padStart(-e + 1, '0');
  const point = padded.length + e;
  return `${padded.slice(0, point).replace(/^0+(?=\d)/, '')}.${padded.slice(point)}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing for the references: JSON.parse, with numbers kept as their source text.

/** A parsed JSON number, kept as its source text (a double would round 1506702504433000201). */
export class JsonNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export type Json = string | boolean | null | JsonNumber | Json[] | { [key: string]: Json };

/** JSON.parse, with every number as a JsonNumber (Node 24's reviver `context.source`). */
export function parseExact(text: string): Json {
  const reviver = (_key: string, value: unknown, context?: { source?: string }): unknown => {
    if (typeof value !== 'number') return value;
    if (context?.source === undefined) throw new Error('JSON.parse reviver context.source is unavailable');
    return new JsonNumber(context.source);
  };
  return JSON.parse(text, reviver) as Json;
}

export function isObject(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

// ---------------------------------------------------------------------------------------------
// Random JSON spellings.

export interface JsonFuzzOptions {
  /** The share of numbers written without an exponent and without extra zeros (0.45 unless set). */
  plainNumbers?: number;
  /** The share of strings in which any character may be written as a \u escape (0.4 unless set). */
  escapedStrings?: number;
  /** In those strings, the chance of each character (0.35 unless set). */
  escapeRate?: number;
  /**
   * The chance that a `$` is written `\u0024` in any string (0 unless set): a test of the CVE
   * rewrite needs `\u0024{`, which is not `${` in the raw text and must not be rewritten.
   */
  dollarEscapes?: number;
}

export interface JsonFuzz {
  chance(p: number): boolean;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** `ch` (one code point, or a lone surrogate) as \u escapes, hex digits in either case. */
  unicodeEscape(ch: string): string;
  /** A JSON string literal for `text`, with some characters written as escapes. */
  encodeString(text: string): string;
  /** One of the many JSON spellings of the value `d` (404, 404.0, 4.04e2, 40400E-2, 0.404e+3, -0 …). */
  renderNumber(d: Decimal): string;
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f' };

/** Generators drawing from `random` (uniform in [0, 1)). */
export function jsonFuzz(random: () => number, options: JsonFuzzOptions = {}): JsonFuzz {
  const { plainNumbers = 0.45, escapedStrings = 0.4, escapeRate = 0.35, dollarEscapes = 0 } = options;
  const chance = (p: number): boolean => random() < p;
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  function unicodeEscape(ch: string): string {
    let out = '';
    for (let i = 0; i < ch.length; i++) {
      const hex = ch.charCodeAt(i).toString(16).padStart(4, '0');
      out += `\\u${chance(0.5) ? hex : hex.toUpperCase()}`;
    }
    return out;
  }

  function encodeString(text: string): string {
    const rate = chance(1 - escapedStrings) ? 0 : escapeRate;
    let out = '"';
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (ch === '"' || ch === '\\' || cp < 0x20) out += chance(0.2) ? unicodeEscape(ch) : SHORT_ESCAPES[ch] ?? unicodeEscape(ch);
      else if (cp >= 0xd800 && cp <= 0xdfff) out += unicodeEscape(ch); // a lone surrogate has no UTF-8: only an escape can spell it
      else if (ch === '/' && chance(0.3)) out += '\\/';
      else if (ch === '$' && dollarEscapes > 0 && chance(dollarEscapes)) out += unicodeEscape(ch);
      else out += chance(rate) ? unicodeEscape(ch) : ch;
    }
    return `${out}"`;
  }

  function renderNumber(d: Decimal): string {
    const negative = d.m < 0n;
    const digits = (negative ? -d.m : d.m).toString();
    const sign = negative || (d.m === 0n && chance(0.2)) ? '-' : '';
    const style = random();
    if (style < plainNumbers) return sign + plainNumber(digits, d.e);
    const z = int(1, 2);
    if (style < plainNumbers + 0.15) return sign + plainNumber(digits + '0'.repeat(z), d.e - z);
    const exponent = (x: number): string => `${chance(0.5) ? 'e' : 'E'}${x < 0 ? '-' : chance(0.5) ? '+' : ''}${Math.abs(x)}`;
    if (style < 0.9 || d.m === 0n) {
      const ds = digits + '0'.repeat(int(0, 2));
      const ex = d.e - (ds.length - digits.length);
      const point = d.m === 0n ? 1 : int(1, ds.length);
      const mantissa = point < ds.length ? `${ds.slice(0, point)}.${ds.slice(point)}` : ds;
      return sign + mantissa + exponent(ex + ds.length - point);
    }
    const k = int(0, 2);
    return `${sign}0.${'0'.repeat(k)}${digits}${exponent(d.e + digits.length + k)}`;
  }

  return { chance, int, pick, unicodeEscape, encodeString, renderNumber };
}
