// One POST of a small text through an HTTP destination, the way a batch would go (same
// headers, endpoint, payload shaping and error mapping): the destination check and the
// ownership challenge both send one.

import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ChunkStream } from '../chunk-stream.ts';
import { NDJSON } from '../content-type.ts';
import type { DeliveryReceipt } from '../destination.ts';
import { HttpDestination, type HttpDestinationOptions } from './http-destination.ts';

const gzip = promisify(gzipCallback);

/** Throws the destination's redacted DeliveryError; `purpose` starts the Idempotency-Key. */
export async function postOnce(conf: string, options: HttpDestinationOptions, text: string, purpose: string): Promise<DeliveryReceipt> {
  const destination = new HttpDestination(conf, options);
  try {
    return await destination.deliver({
      jobId: 0,
      // A fresh id: a receiver that deduplicates on Idempotency-Key must not skip it.
      batchId: `${purpose}-${randomUUID()}`,
      startNs: `${Date.now()}000000`,
      endNs: `${Date.now()}000000`,
      compression: 'gzip',
      contentType: NDJSON,
      chunks: ChunkStream.of([await gzip(text)]),
      records: 1,
    });
  } finally {
    await destination.close().catch(() => {});
  }
}
