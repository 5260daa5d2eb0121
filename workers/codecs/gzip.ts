// gzip via node:zlib. Each chunk becomes one complete gzip member; RFC 1952 §2.2 defines a gzip
// file as a series of members, so concatenated chunks are one valid file for `gzip -d`.
// Level 6 is zlib's (and Logpush's) default; level 1 is ~2x faster for a somewhat worse ratio
// (docs/architecture.md "How it is measured").

import { constants, gzipSync } from 'node:zlib';
import { CodecError, type Codec } from './codec.ts';

export const GZIP_DEFAULT_LEVEL = 6;

export function createGzipCodec(level: number = GZIP_DEFAULT_LEVEL): Codec {
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new CodecError(`gzip level must be an integer 1–9, got ${level}`);
  }
  const options = { level, memLevel: constants.Z_DEFAULT_MEMLEVEL };
  return {
    name: 'gzip',
    extension: 'gz',
    contentEncoding: 'gzip',
    compress(chunk) {
      try {
        return gzipSync(chunk, options);
      } catch (cause) {
        throw new CodecError('gzip compression failed', { cause });
      }
    },
  };
}
