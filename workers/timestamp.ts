// Timestamp output formats (Logpush `timestamp_format`) and event times for object names.
//
// Timestamp fields arrive as unixnano integers (19 digits, beyond float precision) or, from
// some producers, as RFC 3339 strings. Everything here works on the decimal digit string of
// the raw JSON value, never on a double: `Number("1506702504433000200")` is already wrong in
// the last digits (docs/architecture.md: JSON.parse changed 99.7% of generated EdgeStartTimestamp values).
//
// A value that is neither (a float, a bool, an unparseable string) is passed through as it came:
// the encoder never drops or invents data, and the filter is the place that rejects wrong types.

import type { TimestampFormat } from '../src/jobs/types.ts';

/** Maps a timestamp field's raw JSON value to the output's raw JSON value. */
export type TimestampFormatter = (raw: string) => string;

const NS_PER_SECOND_DIGITS = 9;
const CHAR_0 = 48, CHAR_9 = 57, CHAR_MINUS = 45, CHAR_QUOTE = 34;

export function createTimestampFormatter(format: TimestampFormat): TimestampFormatter {
  switch (format) {
    case 'unixnano': return formatUnixNano;
    case 'unix': return formatUnix;
    case 'rfc3339': return createRfc3339Formatter(0);
    case 'rfc3339ms': return createRfc3339Formatter(3);
    case 'rfc3339ns': return createRfc3339Formatter(9);
  }
}

function formatUnixNano(raw: string): string {
  if (isIntegerText(raw)) return raw;
  return nsFromString(raw) ?? raw;
}

function formatUnix(raw: string): string {
  const ns = isIntegerText(raw) ? raw : nsFromString(raw);
  return ns === null ? raw : secondsOf(ns);
}

/**
 * RFC 3339 in UTC with `fractionDigits` digits of the second: 0 as Go's time.RFC3339 writes it
 * ("2017-09-29T16:28:24Z"), 3 for rfc3339ms ("…24.433Z"), 9 for rfc3339ns ("…24.433000200Z").
 * The fraction is fixed width and cut, not rounded (rounding could carry into the second, and
 * fixed width sorts as text); Go's RFC3339Nano would drop trailing zeros instead.
 * Consecutive records of a batch mostly fall in the same second, so the last second's text is
 * cached: the common case is one slice and one string comparison, no Date.
 */
function createRfc3339Formatter(fractionDigits: 0 | 3 | 9): TimestampFormatter {
  let lastSeconds = '';
  /** The last second's text: with its closing `Z"` when fractionDigits is 0, without it otherwise. */
  let lastText = '';
  return (raw) => {
    const ns = isIntegerText(raw) ? raw : nsFromString(raw);
    if (ns === null) return raw;
    const seconds = secondsOf(ns);
    if (seconds !== lastSeconds) {
      const text = rfc3339OfSeconds(seconds);
      if (text === null) return raw;
      lastSeconds = seconds;
      lastText = fractionDigits === 0 ? text : text.slice(0, -2);
    }
    if (fractionDigits === 0) return lastText;
    return `${lastText}.${nanosOfSecond(ns, seconds).slice(0, fractionDigits)}Z"`;
  };
}

/** The 9-digit nanoseconds within the second `seconds` (secondsOf(ns)), counting up from it also before 1970. */
function nanosOfSecond(ns: string, seconds: string): string {
  if (ns.charCodeAt(0) !== CHAR_MINUS) return ns.length > NS_PER_SECOND_DIGITS ? ns.slice(-NS_PER_SECOND_DIGITS) : ns.padStart(NS_PER_SECOND_DIGITS, '0');
  return (BigInt(ns) - BigInt(seconds) * 1_000_000_000n).toString().padStart(NS_PER_SECOND_DIGITS, '0');
}

/** `"YYYY-MM-DDTHH:MM:SSZ"` (with the JSON quotes) for integer seconds, or null outside years 0–9999. */
function rfc3339OfSeconds(seconds: string): string | null {
  const ms = Number(seconds) * 1000;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(ms) || Number.isNaN(year) || year < 0 || year > 9999) return null;
  // toISOString is "YYYY-MM-DDTHH:MM:SS.sssZ" for years 0–9999; drop the milliseconds.
  return `"${date.toISOString().slice(0, 19)}Z"`;
}

/**
 * Integer seconds of an integer nanosecond string, floored like Go's time.Unix() (so
 * -1 ns is second -1). The non-negative case is a substring: no arithmetic at all.
 */
function secondsOf(ns: string): string {
  if (ns.charCodeAt(0) !== CHAR_MINUS) {
    return ns.length > NS_PER_SECOND_DIGITS ? ns.slice(0, ns.length - NS_PER_SECOND_DIGITS) : '0';
  }
  const value = BigInt(ns);
  const second = 1_000_000_000n;
  const q = value / second;
  return (value % second === 0n ? q : q - 1n).toString();
}

/** True if raw is a JSON integer: optional '-', then digits only. */
function isIntegerText(raw: string): boolean {
  const n = raw.length;
  let i = raw.charCodeAt(0) === CHAR_MINUS ? 1 : 0;
  if (i === n) return false;
  for (; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_9) return false;
  }
  return true;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

let lastStringRaw = '';
let lastStringNs: string | null = null;

/**
 * Nanoseconds (decimal string) of a JSON string value holding an RFC 3339 time or an integer
 * ("1506702504433000200"), or null. The last answer is cached: such values repeat per second.
 */
function nsFromString(raw: string): string | null {
  if (raw === lastStringRaw) return lastStringNs;
  let ns: string | null = null;
  if (raw.length >= 3 && raw.charCodeAt(0) === CHAR_QUOTE && raw.charCodeAt(raw.length - 1) === CHAR_QUOTE) {
    const inner = raw.slice(1, -1);
    if (isIntegerText(inner)) ns = BigInt(inner).toString();
    else ns = nsFromRfc3339(inner);
  }
  lastStringRaw = raw;
  lastStringNs = ns;
  return ns;
}

/** Days in `month` (1–12) of `year` (proleptic Gregorian): 2021-02-31 is not a date. */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function nsFromRfc3339(text: string): string | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(Number(y), month) || hour > 23 || minute > 59 || second > 60) return null;
  if (zulu === undefined && (Number(oh) > 23 || Number(om) > 59)) return null; // as Go's time.Parse
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900–1999; RFC 3339 years are literal.
  if (Number(y) < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(Number(y));
    ms = date.getTime();
  }
  if (zulu === undefined) {
    const offsetMinutes = Number(oh) * 60 + Number(om);
    ms -= (sign === '-' ? -offsetMinutes : offsetMinutes) * 60_000;
  }
  const nanos = BigInt((frac ?? '').padEnd(9, '0'));
  return (BigInt(ms / 1000) * 1_000_000_000n + nanos).toString();
}

/**
 * The event time of a raw timestamp value in nanoseconds since the epoch as a canonical decimal
 * string (no sign, no leading zeros), or null if the value is not a readable non-negative time.
 */
export function eventTimeNs(raw: string): string | null {
  if (isIntegerText(raw)) {
    // BigInt makes -0 (and leading zeros) canonical; any other negative time is unreadable.
    if (raw.charCodeAt(0) === CHAR_MINUS) return BigInt(raw) === 0n ? '0' : null;
    return raw.charCodeAt(0) === CHAR_0 && raw.length > 1 ? BigInt(raw).toString() : raw;
  }
  const ns = nsFromString(raw);
  return ns === null || ns.charCodeAt(0) === CHAR_MINUS ? null : ns;
}
