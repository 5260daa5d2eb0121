// The validate/destination step for HTTP destinations: POST a small gzipped test payload the
// way a batch would go (same headers, same endpoint, same error mapping) and say precisely
// why it failed. Logpush sends a `{"content":"test"}`-like line; so does this.

import { DeliveryError } from '../destination.ts';
import type { HttpDestinationOptions } from './http-destination.ts';
import { postOnce } from './post-once.ts';

export const VALIDATION_PAYLOAD = '{"content":"test","source":"sluice destination validation"}\n';

export type HttpValidationResult =
  | { ok: true; location: string }
  | { ok: false; code: string; message: string; retryable: boolean };

/** Never throws for a destination problem; messages are redacted. */
export async function validateHttpDestination(conf: string, options: HttpDestinationOptions): Promise<HttpValidationResult> {
  try {
    const receipt = await postOnce(conf, options, VALIDATION_PAYLOAD, 'validate');
    return { ok: true, location: receipt.location };
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): HttpValidationResult {
  if (error instanceof DeliveryError) return { ok: false, code: error.code, message: error.message, retryable: error.retryable };
  // Not expected (every path maps its errors); the message of an unknown error is not quoted.
  return { ok: false, code: 'ERR_INTERNAL', message: 'destination validation failed unexpectedly', retryable: true };
}
