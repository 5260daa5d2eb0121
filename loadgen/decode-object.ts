// Delivered objects back to text: the compression is read from the object name's extension
// (sluice names objects `….log[.gz|.zst|.sz]`, src/destinations/object-name.ts). Whole-object
// decoding is fine here: loadgen objects are a second or a few of traffic.

import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'zstd-napi';
import { unframeSnappy } from '../workers/codecs/snappy-unframe.ts';

export function decodeObject(name: string, bytes: Uint8Array): string {
  let plain: Uint8Array = bytes;
  if (name.endsWith('.gz')) plain = gunzipSync(bytes);
  // zstd-napi's decompress reads every frame of a multi-frame object.
  else if (name.endsWith('.zst')) plain = zstdDecompress(bytes);
  else if (name.endsWith('.sz')) plain = unframeSnappy(bytes);
  return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8');
}
