// Turns a batch's bytes into one JS string for the scanner, with record boundaries as string
// indices.
//
// 'bytes' text mode (text-mode.ts), and any batch that is all ASCII (checked with the SIMD
// buffer.isAscii): one latin1 decode — a plain byte copy in which character index == byte
// offset, so `ends` applies as is.
//
// 'utf16' mode with non-ASCII bytes: still one string. Runs of ASCII records are sliced from the
// latin1 text and only the records that hold non-ASCII bytes are decoded as UTF-8, then the
// pieces are joined once. One string per batch (rather than switching between the batch text
// and per-record strings) keeps the scanner's per-text search caches valid across records.

import { Buffer, isAscii } from 'node:buffer';
import type { TextMode } from './text-mode.ts';

export interface DecodedBatch {
  text: string;
  /** charEnds[i] is the index in `text` one past record i; record i starts at charEnds[i-1] (or 0). */
  charEnds: Uint32Array;
  /** True when `text` is the latin1 form of the bytes (always in 'bytes' mode; in 'utf16' mode when the batch is ASCII). */
  latin1: boolean;
}

/**
 * Out-of-range or decreasing `ends` (which the batcher never produces) are clamped, which turns
 * the affected record into an empty one that the scanner rejects as invalid JSON.
 */
export function decodeBatch(data: ArrayBufferLike, ends: Uint32Array, count: number, mode: TextMode, startByte = 0): DecodedBatch {
  const n = Math.min(count, ends.length);
  const byteEnds = new Uint32Array(n);
  const limit = data.byteLength - startByte;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i]! - startByte; // relative to the task's first record
    previous = end < previous ? previous : end > limit ? Math.max(previous, limit) : end;
    byteEnds[i] = previous;
  }
  const bytes = Buffer.from(data, startByte, previous);
  const latin1 = bytes.toString('latin1');
  if (mode === 'bytes' || isAscii(bytes)) return { text: latin1, charEnds: byteEnds, latin1: true };

  const pieces: string[] = [];
  const charEnds = new Uint32Array(n);
  let runStart = 0; // byte offset where the current run of ASCII records began
  let chars = 0;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = byteEnds[i]!;
    if (isAscii(bytes.subarray(start, end))) {
      chars += end - start;
    } else {
      if (start > runStart) pieces.push(latin1.slice(runStart, start));
      const decoded = bytes.toString('utf8', start, end);
      pieces.push(decoded);
      chars += decoded.length;
      runStart = end;
    }
    charEnds[i] = chars;
    start = end;
  }
  if (start > runStart) pieces.push(latin1.slice(runStart, start));
  return { text: pieces.join(''), charEnds, latin1: false };
}
