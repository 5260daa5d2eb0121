// A batch's records as lines, and those lines regrouped into size-bounded text payloads, for
// vendors whose intake limits each request below what a batch (or one 8 MiB chunk) holds:
// Sumo Logic takes at most 1 MB uncompressed per POST, New Relic 1 MB (10^6 bytes) per POST.
// Whole-chunk grouping (request-plan.ts) cannot split a chunk; this cuts between records.
//
// The chunks are decompressed one at a time and cut into lines as they arrive, so memory holds
// one chunk and one payload, not the whole batch.

import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { Compression } from '../../jobs/types.ts';

// Async zlib runs on libuv's thread pool: the main thread, which routes records, stays free.
const gunzip = promisify(gunzipCallback);

/** Cuts text into lines across chunk boundaries; drops empty lines and a trailing '\r'. */
export class LineSplitter {
  #carry = '';

  push(text: string, out: string[]): void {
    const parts = (this.#carry + text).split('\n');
    this.#carry = parts.pop()!;
    for (const part of parts) pushLine(part, out);
  }

  end(out: string[]): void {
    pushLine(this.#carry, out);
    this.#carry = '';
  }
}

function pushLine(line: string, out: string[]): void {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text !== '') out.push(text);
}

/** The lines of a batch (gzip or uncompressed chunks), one array per chunk, in order. */
export async function* batchLines(chunks: AsyncIterable<Uint8Array>, compression: Compression): AsyncGenerator<string[]> {
  const splitter = new LineSplitter();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of chunks) {
    const raw = compression === 'gzip' ? await gunzip(chunk) : chunk;
    const lines: string[] = [];
    splitter.push(decoder.decode(raw, { stream: true }), lines);
    if (lines.length > 0) yield lines;
  }
  const lines: string[] = [];
  splitter.push(decoder.decode(), lines);
  splitter.end(lines);
  if (lines.length > 0) yield lines;
}

/**
 * Newline-terminated text payloads of at most `maxBytes` UTF-8 bytes each, lines kept whole and
 * in order; a single longer line goes alone (the vendor then says 413, which is not retried).
 * Deterministic for a given batch, so a retry sends the same requests.
 */
export async function* linePayloads(chunks: AsyncIterable<Uint8Array>, compression: Compression, maxBytes: number): AsyncGenerator<string> {
  let pending: string[] = [];
  let bytes = 0;
  for await (const lines of batchLines(chunks, compression)) {
    for (const line of lines) {
      const size = Buffer.byteLength(line) + 1;
      if (pending.length > 0 && bytes + size > maxBytes) {
        yield `${pending.join('\n')}\n`;
        pending = [];
        bytes = 0;
      }
      pending.push(line);
      bytes += size;
    }
  }
  if (pending.length > 0) yield `${pending.join('\n')}\n`;
}
