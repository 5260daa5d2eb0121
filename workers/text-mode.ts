// How a batch's bytes become the string the scanner walks — chosen once per job.
//
// 'bytes' (nearly every job): the whole batch is one latin1 decode, one char per byte, even when
// it holds UTF-8 multi-byte sequences. This is exact, not an approximation: every byte of a
// UTF-8 multi-byte sequence is >= 0x80, so it can never be mistaken for JSON syntax (quotes,
// braces, backslashes, control characters are all ASCII); values are copied as their original
// bytes, and writing the output back with latin1 reproduces those bytes — valid UTF-8 in, the
// same UTF-8 out. Substring tests with ASCII needles give the same answers on bytes as on code
// points (UTF-8 is self-synchronising). So a job whose field names and filter string values are
// all ASCII sees exactly what it would see on decoded text, without a UTF-8 decode or a two-byte
// string. Encoders write UTF-8 bytes (encoders/byte-writer.ts), so in this mode a value is a
// plain byte copy from the batch.
//
// 'utf16': a job that compares a field with a non-ASCII string (`ClientCity eq "Zürich"`) needs
// real characters (JSON escapes such as `\u00fc` decode to characters, not bytes), so its
// batches are decoded as UTF-8 (decode-batch.ts) and values are written back as UTF-8.

import type { FilterNode } from '../src/jobs/types.ts';

export type TextMode = 'bytes' | 'utf16';

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

export function isAsciiText(text: string): boolean {
  return ASCII.test(text);
}

/** Bytes-mode text (one char per byte) as the characters it encodes, for showing it to a person (log samples). */
export function fromBytesText(text: string): string {
  return isAsciiText(text) ? text : Buffer.from(text, 'latin1').toString('utf8');
}

export function chooseTextMode(fields: readonly string[], where: FilterNode | null): TextMode {
  if (!fields.every(isAsciiText)) return 'utf16';
  return where === null || filterValuesAreAscii(where) ? 'bytes' : 'utf16';
}

function filterValuesAreAscii(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return true;
  if ('and' in node && Array.isArray(node.and)) return node.and.every(filterValuesAreAscii);
  if ('or' in node && Array.isArray(node.or)) return node.or.every(filterValuesAreAscii);
  if ('value' in node) {
    const values: unknown[] = Array.isArray(node.value) ? node.value : [node.value];
    return values.every((v) => typeof v !== 'string' || isAsciiText(v));
  }
  return true;
}
