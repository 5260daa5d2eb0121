// No compression: the object is the encoded text itself (`….log`).

import type { Codec } from './codec.ts';

export function createNoneCodec(): Codec {
  return {
    name: 'none',
    extension: '',
    contentEncoding: '',
    // Copy: the caller's chunk is a view into a scratch buffer it reuses for the next chunk.
    compress: (chunk) => new Uint8Array(chunk),
  };
}
