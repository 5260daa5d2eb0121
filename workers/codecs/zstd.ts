// zstd via zstd-napi. One Compressor (one native ZSTD_CCtx) per codec, reused for every chunk:
// a context holds ~1 MB of tables at level 3 and allocating one per chunk is measurable.
// Each chunk becomes one complete zstd frame; the zstd format allows a file to be a sequence of
// frames, so concatenated chunks decode as one file with `zstd -d`.

import { Compressor } from 'zstd-napi';
import { CodecError, type Codec } from './codec.ts';

export const ZSTD_DEFAULT_LEVEL = 3;

export function createZstdCodec(level: number = ZSTD_DEFAULT_LEVEL): Codec {
  if (!Number.isInteger(level) || level < 1 || level > 19) {
    throw new CodecError(`zstd level must be an integer 1–19, got ${level}`);
  }
  const compressor = new Compressor();
  // A content checksum lets `zstd -d` detect a corrupted object; it costs ~1% (xxhash64).
  compressor.setParameters({ compressionLevel: level, checksumFlag: true });
  return {
    name: 'zstd',
    extension: 'zst',
    contentEncoding: 'zstd',
    compress(chunk) {
      try {
        return compressor.compress(chunk);
      } catch (cause) {
        throw new CodecError('zstd compression failed', { cause });
      }
    },
  };
}
