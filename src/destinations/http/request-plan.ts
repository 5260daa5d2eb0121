// Groups a batch's compressed chunks into request bodies of bounded size.
//
// A chunk is never split or re-compressed (that would cost the CPU the workers already spent):
// a request is one or more whole chunks, so each body is itself a valid gzip file (gzip members
// concatenate). The bound is on uncompressed bytes, which is what receivers limit; for gzip it
// is read for free from each member's trailer (ISIZE, RFC 1952 §2.3.1), since the workers make
// one gzip member per chunk.

import type { Compression } from '../../jobs/types.ts';

/**
 * Chunks this small (uncompressed) are framing the main thread placed between the parts of a
 * large batch (a record delimiter, the batch suffix): they stay with the request before them,
 * so no request starts with a stray delimiter.
 */
const FRAMING_CHUNK_BYTES = 64;

export interface RequestBody {
  chunks: Uint8Array[];
  /** Compressed bytes. */
  bytes: number;
  /** Uncompressed bytes (exact for gzip and none). */
  uncompressedBytes: number;
}

/** Uncompressed size of one chunk: the gzip ISIZE of its last member, or its length. */
export function uncompressedSize(chunk: Uint8Array, compression: Compression): number {
  if (compression === 'gzip' && chunk.length >= 18 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
    const end = chunk.length;
    return (chunk[end - 4]! | (chunk[end - 3]! << 8) | (chunk[end - 2]! << 16) | (chunk[end - 1]! << 24)) >>> 0;
  }
  return chunk.length;
}

/**
 * Yields request bodies in order, each at most `maxUncompressedBytes` unless a single chunk is
 * larger (then it goes alone). Deterministic for a given chunk sequence, so a retry of the
 * same batch produces the same requests (and idempotency keys).
 */
export async function* requestBodies(chunks: AsyncIterable<Uint8Array>, compression: Compression, maxUncompressedBytes: number): AsyncGenerator<RequestBody> {
  let pending: RequestBody = { chunks: [], bytes: 0, uncompressedBytes: 0 };
  for await (const chunk of chunks) {
    const size = uncompressedSize(chunk, compression);
    const full = pending.chunks.length > 0 && pending.uncompressedBytes + size > maxUncompressedBytes;
    if (full && size > FRAMING_CHUNK_BYTES) {
      yield pending;
      pending = { chunks: [], bytes: 0, uncompressedBytes: 0 };
    }
    pending.chunks.push(chunk);
    pending.bytes += chunk.length;
    pending.uncompressedBytes += size;
  }
  if (pending.chunks.length > 0) yield pending;
}
