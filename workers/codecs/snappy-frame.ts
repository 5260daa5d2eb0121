// The Snappy framing format (google/snappy framing_format.txt), written here on top of the
// `snappy` package's raw block compressor so that:
//  - every chunk of a batch is a complete stream (stream identifier first), and the format
//    allows the identifier to repeat, so concatenated chunks are one valid `.sz` stream;
//  - no streaming state is kept between chunks (chunks may be compressed on different workers).
//
// Layout: [0xff, 06 00 00, "sNaPpY"] then data chunks of at most 65536 uncompressed bytes:
//   type (0x00 compressed | 0x01 uncompressed), 3-byte little-endian length of what follows,
//   4-byte little-endian masked CRC-32C of the *uncompressed* bytes, then the payload.

import snappy from 'snappy';
import { crc32c, maskCrc32c } from './crc32c.ts';

export const STREAM_IDENTIFIER = Uint8Array.of(0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59);
export const CHUNK_COMPRESSED = 0x00;
export const CHUNK_UNCOMPRESSED = 0x01;
export const CHUNK_PADDING = 0xfe;
export const CHUNK_STREAM_IDENTIFIER = 0xff;
/** The format's limit on uncompressed bytes per data chunk. */
export const MAX_BLOCK_BYTES = 65536;
const CHUNK_HEADER_BYTES = 8; // type + length(3) + crc(4)

/** Frames `data` as one complete Snappy framed stream. */
export function frameSnappy(data: Uint8Array): Uint8Array {
  const blockCount = Math.ceil(data.length / MAX_BLOCK_BYTES);
  const parts: Uint8Array[] = [];
  const kinds: number[] = [];
  const crcs: number[] = [];
  let total = STREAM_IDENTIFIER.length;
  for (let b = 0; b < blockCount; b++) {
    const start = b * MAX_BLOCK_BYTES;
    const end = Math.min(start + MAX_BLOCK_BYTES, data.length);
    const raw = data.subarray(start, end);
    const compressed = snappy.compressSync(raw);
    // Like the reference encoder: keep the compressed form only if it saves at least 1/8,
    // otherwise decoding it would cost time for little space.
    const useCompressed = compressed.length < raw.length - (raw.length >>> 3);
    parts.push(useCompressed ? compressed : raw);
    kinds.push(useCompressed ? CHUNK_COMPRESSED : CHUNK_UNCOMPRESSED);
    crcs.push(maskCrc32c(crc32c(data, start, end)));
    total += CHUNK_HEADER_BYTES + (useCompressed ? compressed.length : raw.length);
  }

  const out = new Uint8Array(total);
  out.set(STREAM_IDENTIFIER, 0);
  let pos = STREAM_IDENTIFIER.length;
  for (let b = 0; b < parts.length; b++) {
    const payload = parts[b]!;
    const length = payload.length + 4;
    const crc = crcs[b]!;
    out[pos] = kinds[b]!;
    out[pos + 1] = length & 0xff;
    out[pos + 2] = (length >>> 8) & 0xff;
    out[pos + 3] = (length >>> 16) & 0xff;
    out[pos + 4] = crc & 0xff;
    out[pos + 5] = (crc >>> 8) & 0xff;
    out[pos + 6] = (crc >>> 16) & 0xff;
    out[pos + 7] = crc >>> 24;
    out.set(payload, pos + CHUNK_HEADER_BYTES);
    pos += CHUNK_HEADER_BYTES + payload.length;
  }
  return out;
}
