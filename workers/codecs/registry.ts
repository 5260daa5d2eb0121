// Codec lookup by the job's `compression`. Codecs are created lazily and kept for the life of
// the worker: a job only names a codec, and every job using zstd shares one compressor context.

import type { Compression } from '../../src/jobs/types.ts';
import { CodecError, type Codec } from './codec.ts';
import { createGzipCodec } from './gzip.ts';
import { createNoneCodec } from './none.ts';
import { createSnappyCodec } from './snappy.ts';
import { createZstdCodec } from './zstd.ts';

const cache = new Map<string, Codec>();

/**
 * The shared codec for `compression` (at `level`, for gzip and zstd; the format's default when
 * omitted). Throws CodecError for an unknown name.
 */
export function getCodec(compression: Compression, level?: number): Codec {
  const key = level === undefined ? compression : `${compression}:${level}`;
  let codec = cache.get(key);
  if (codec === undefined) {
    codec = createCodec(compression, level);
    cache.set(key, codec);
  }
  return codec;
}

function createCodec(compression: Compression, level: number | undefined): Codec {
  switch (compression) {
    case 'gzip': return createGzipCodec(level);
    case 'zstd': return createZstdCodec(level);
    case 'snappy': return createSnappyCodec();
    case 'none': return createNoneCodec();
    default: throw new CodecError(`unknown compression ${JSON.stringify(compression)}`);
  }
}

/** Each codec's `extension`, for the main thread, which names objects but never compresses. */
const EXTENSIONS: Record<Compression, string> = { gzip: 'gz', zstd: 'zst', snappy: 'sz', none: '' };

/** The object name's extension for `compression`: 'log.gz', 'log.zst', 'log.sz' or 'log'. */
export function objectExtension(compression: Compression): string {
  const ext = EXTENSIONS[compression];
  return ext === '' ? 'log' : `log.${ext}`;
}
