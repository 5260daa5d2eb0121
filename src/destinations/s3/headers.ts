// Content-Type and Content-Encoding of an object.
//
// Decision: gzip and zstd objects are stored with `Content-Encoding: gzip|zstd` and the
// Content-Type of the decoded text (application/x-ndjson, text/csv, …), because that is what the
// bytes are in HTTP terms. What readers then do:
//  - SDK and CLI tools (aws s3 cp, rclone, boto3, Athena/Spark/Glue) ignore Content-Encoding and
//    get the stored bytes, which match the `.log.gz` / `.log.zst` name.
//  - Browsers, S3 console "Open", presigned URLs and `curl --compressed` decode on the fly and
//    show the text. A browser *download* may save the decoded text under the `.gz` name; anyone
//    who prefers the stored bytes everywhere sets `content-encoding=none` in destination_conf,
//    which stores application/gzip / application/zstd with no Content-Encoding.
//  - snappy has no registered HTTP content coding (a browser could not decode it), so snappy
//    objects are always application/x-snappy-framed with no Content-Encoding.

import type { Compression } from '../../jobs/types.ts';
import { DEFAULT_CONTENT_TYPE } from '../content-type.ts';
import type { ServerSideEncryption } from './config.ts';
import type { ObjectHeaders } from './store.ts';

const CODING: Readonly<Record<Compression, string | null>> = { gzip: 'gzip', zstd: 'zstd', snappy: null, none: null };
const STORED_TYPE: Readonly<Record<Compression, string | null>> = {
  gzip: 'application/gzip',
  zstd: 'application/zstd',
  snappy: 'application/x-snappy-framed',
  none: null,
};

export function objectHeadersFor(
  compression: Compression,
  contentType: string | undefined,
  setContentEncoding: boolean,
  sse: ServerSideEncryption | null,
): ObjectHeaders {
  const decodedType = contentType ?? DEFAULT_CONTENT_TYPE;
  const coding = setContentEncoding ? CODING[compression] : null;
  return {
    contentType: coding !== null ? decodedType : (STORED_TYPE[compression] ?? decodedType),
    contentEncoding: coding,
    serverSideEncryption: sse,
  };
}
