// The shape every codec shares. A codec is created once per worker (per compression/level) and
// reused for every chunk: creating a zstd context or zlib state per chunk costs more than small
// chunks take to compress.
//
// Contract that lets the uploader stream a batch as independent parts (docs/architecture.md "The flow"):
// compress() output for consecutive chunks, concatenated, is one valid file of the format.

import type { Compression } from '../../src/jobs/types.ts';

export interface Codec {
  readonly name: Compression;
  /** File extension without the dot ('gz', 'zst', 'sz'), or '' for none (the object stays `.log`). */
  readonly extension: string;
  /** HTTP Content-Encoding for destinations that send it ('gzip', 'zstd', 'x-snappy-framed'), or '' for none. */
  readonly contentEncoding: string;
  /**
   * Compresses one chunk. The input may be a view into a scratch buffer that the caller reuses,
   * so the result never aliases it.
   */
  compress(chunk: Uint8Array): Uint8Array;
}

/** Thrown when a codec fails; crosses the worker boundary by `code` (WorkerErrorCode.CODEC). */
export class CodecError extends Error {
  readonly code = 'ERR_CODEC';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodecError';
  }
}
