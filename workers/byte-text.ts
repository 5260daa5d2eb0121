// Strings from a range of batch bytes, for the rare paths that need a JS string (a timestamp to
// reformat, an escaped string to decode, a log sample). The hot paths never call these: they
// compare and copy bytes in place.
//
// Two readings of the same bytes:
// - latin1: one char per byte, whatever the bytes are. Writing such a string back one byte per
//   char (ByteWriter.text) reproduces the bytes exactly, so a value can be edited as text (the
//   CVE-2021-44228 `${` rewrite, all ASCII) without decoding or re-encoding its UTF-8.
// - utf8: the characters the bytes encode (invalid sequences become U+FFFD), for comparing with a
//   user's text and for showing to a person.

import { Buffer } from 'node:buffer';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** bytes[start, end) as a one-char-per-byte string. */
export function latin1Of(bytes: Uint8Array, start: number, end: number): string {
  return asBuffer(bytes).toString('latin1', start, end);
}

/** bytes[start, end) decoded as UTF-8. */
export function utf8Of(bytes: Uint8Array, start: number, end: number): string {
  return asBuffer(bytes).toString('utf8', start, end);
}

/** `text` as UTF-8 bytes (filter values, field names: prepared once per job, not per record). */
export function utf8Bytes(text: string): Uint8Array {
  const encoded = Buffer.from(text, 'utf8');
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.length);
}
