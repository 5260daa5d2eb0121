// snappy: the Snappy framing format (`.sz`), the streaming-safe form, rather than one raw
// snappy block: raw blocks cannot be concatenated and carry no checksum. See snappy-frame.ts.

import { CodecError, type Codec } from './codec.ts';
import { frameSnappy } from './snappy-frame.ts';

export function createSnappyCodec(): Codec {
  return {
    name: 'snappy',
    extension: 'sz',
    contentEncoding: 'x-snappy-framed',
    compress(chunk) {
      try {
        return frameSnappy(chunk);
      } catch (cause) {
        throw new CodecError('snappy compression failed', { cause });
      }
    },
  };
}
