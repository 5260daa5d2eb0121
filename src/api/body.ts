// Request bodies: bounded size, JSON only, with a precise position for a syntax error.
// An oversized body is still read to its end (and discarded) up to a drain cap, so the client
// receives the 413 instead of a connection reset while it is still sending.

import type { IncomingMessage } from 'node:http';
import { jsonErrorOffset, lineColumn } from '../config/json-error-position.ts';
import { API_ERROR_CODES, apiError } from './errors.ts';

/** Past this many bytes an oversized body is no longer drained: the connection is closed. */
const DRAIN_FACTOR = 16;

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => apiError(413, API_ERROR_CODES.bodyTooLarge, `request body too large: the limit is ${maxBytes} bytes`);
  const declared = Number(req.headers['content-length']);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = Number.isFinite(declared) && declared > maxBytes;
  if (over && declared > maxBytes * DRAIN_FACTOR) {
    req.resume();
    throw tooLarge();
  }
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) over = true;
    if (over) {
      if (size > maxBytes * DRAIN_FACTOR) break;
      continue;
    }
    chunks.push(chunk);
  }
  if (over) throw tooLarge();
  return Buffer.concat(chunks, size);
}

/** Parses a JSON body; 400 with line, column and offset when it is not JSON. Never echoes the body. */
export function parseJsonBody(bytes: Buffer): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw apiError(400, API_ERROR_CODES.malformedJson, 'the request body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    const offset = Math.max(0, jsonErrorOffset(text));
    const { line, column } = lineColumn(text, offset);
    const found = offset >= text.length ? 'unexpected end of input' : `unexpected character at this position`;
    throw apiError(400, API_ERROR_CODES.malformedJson, `malformed JSON at line ${line}, column ${column} (offset ${offset}): ${found}`);
  }
}
