// Decoder for the Snappy framing format, for tests and for `sluice verify`-style readers.
// Accepts concatenated streams (the stream identifier may repeat), checks every CRC, skips
// padding and skippable chunks (0x80–0xfd), and rejects reserved unskippable ones (0x02–0x7f).

import snappy from 'snappy';
import { crc32c, maskCrc32c } from './crc32c.ts';
import {
  CHUNK_COMPRESSED, CHUNK_STREAM_IDENTIFIER, CHUNK_UNCOMPRESSED, MAX_BLOCK_BYTES,
  STREAM_IDENTIFIER,
} from './snappy-frame.ts';

export class SnappyFrameError extends Error {
  readonly code = 'ERR_SNAPPY_FRAME';
  constructor(message: string) {
    super(message);
    this.name = 'SnappyFrameError';
  }
}

/** Decodes a framed Snappy stream (or several concatenated) to the original bytes. */
export function unframeSnappy(stream: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  let sawIdentifier = false;
  while (pos < stream.length) {
    if (pos + 4 > stream.length) throw new SnappyFrameError(`truncated chunk header at byte ${pos}`);
    const type = stream[pos]!;
    const length = stream[pos + 1]! | (stream[pos + 2]! << 8) | (stream[pos + 3]! << 16);
    const bodyStart = pos + 4;
    const bodyEnd = bodyStart + length;
    if (bodyEnd > stream.length) throw new SnappyFrameError(`chunk at byte ${pos} runs past the end`);
    const body = stream.subarray(bodyStart, bodyEnd);

    if (type === CHUNK_STREAM_IDENTIFIER) {
      const expected = STREAM_IDENTIFIER.subarray(4);
      if (body.length !== expected.length || !body.every((b, i) => b === expected[i])) {
        throw new SnappyFrameError(`bad stream identifier at byte ${pos}`);
      }
      sawIdentifier = true;
    } else if (!sawIdentifier) {
      throw new SnappyFrameError('stream does not start with the stream identifier');
    } else if (type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) {
      if (length < 4) throw new SnappyFrameError(`data chunk at byte ${pos} is shorter than its CRC`);
      const expectedCrc = (body[0]! | (body[1]! << 8) | (body[2]! << 16) | (body[3]! << 24)) >>> 0;
      const payload = body.subarray(4);
      const data = type === CHUNK_COMPRESSED ? (snappy.uncompressSync(payload) as Buffer) : payload;
      if (data.length > MAX_BLOCK_BYTES) throw new SnappyFrameError(`chunk at byte ${pos} exceeds 65536 bytes`);
      const actualCrc = maskCrc32c(crc32c(data));
      if (actualCrc !== expectedCrc) throw new SnappyFrameError(`CRC mismatch in chunk at byte ${pos}`);
      blocks.push(data);
      total += data.length;
    } else if (type >= 0x02 && type <= 0x7f) {
      throw new SnappyFrameError(`reserved unskippable chunk type 0x${type.toString(16)} at byte ${pos}`);
    }
    // else: padding (0xfe) or reserved skippable (0x80–0xfd): skipped.
    pos = bodyEnd;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}
