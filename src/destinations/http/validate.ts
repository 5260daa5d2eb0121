// The validate/destination step for HTTP destinations: POST a small gzipped test payload the
// way a batch would go (same headers, same endpoint, same error mapping) and say precisely
// why it failed. Logpush sends a `{"content":"test"}`-like line; so does this.

import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ChunkStream } from '../chunk-stream.ts';
import { DeliveryError } from '../destination.ts';
import { HttpDestination, type HttpDestinationOptions } from './http-destination.ts';
import { NDJSON } from '../content-type.ts';

const gzip = promisify(gzipCallback);

export const VALIDATION_PAYLOAD = '{"content":"test","source":"sluice destination validation"}\n';

export type HttpValidationResult =
  | { ok: true; location: string }
  | { ok: false; code: string; message: string; retryable: boolean };

/** Never throws for a destination problem; messages are redacted. */
export async function validateHttpDestination(conf: string, options: HttpDestinationOptions): Promise<HttpValidationResult> {
  let destination: HttpDestination;
  try {
    destination = new HttpDestination(conf, options);
  } catch (error) {
    return failure(error);
  }
  try {
    const receipt = await destination.deliver({
      jobId: 0,
      // A fresh id: a receiver that deduplicates on Idempotency-Key must not skip the test.
      batchId: `validate-${randomUUID()}`,
      startNs: `${Date.now()}000000`,
      endNs: `${Date.now()}000000`,
      compression: 'gzip',
      contentType: NDJSON,
      chunks: ChunkStream.of([await gzip(VALIDATION_PAYLOAD)]),
      records: 1,
    });
    return { ok: true, location: receipt.location };
  } catch (error) {
    return failure(error);
  } finally {
    await destination.close().catch(() => {});
  }
}

function failure(error: unknown): HttpValidationResult {
  if (error instanceof DeliveryError) return { ok: false, code: error.code, message: error.message, retryable: error.retryable };
  // Not expected (every path maps its errors); the message of an unknown error is not quoted.
  return { ok: false, code: 'ERR_INTERNAL', message: 'destination validation failed unexpectedly', retryable: true };
}
