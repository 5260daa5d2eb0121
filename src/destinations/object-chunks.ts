// The chunks of an object being read (ObjectAccess.read), with stream failures turned into the
// destination's DeliveryErrors, so a caller hashing a large object sees the same codes and
// redaction as get gives it.
//
// Releasing: `for await` over a Node Readable destroys the stream when the loop ends early
// (break, return, throw), so a caller that breaks out of the chunks closes the file or the
// HTTP response (its socket) right away. A caller that never starts iterating does not reach
// that point: ObjectAccess.read's contract is to consume the chunks to the end or break.

import { Readable } from 'node:stream';
import type { DeliveryError } from './destination.ts';

/** The stream's chunks; an error while streaming is thrown as `toError(error)`. */
export async function* objectChunks(stream: Readable, toError: (error: unknown) => DeliveryError): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    throw toError(error);
  }
}

/**
 * An SDK response body's chunks (S3 GetObject, Azure download): no body is no bytes, as get
 * gives it; on Node the body is a Readable over the HTTP response, and anything else is an error.
 */
export function bodyChunks(body: unknown, toError: (error: unknown) => DeliveryError): AsyncIterable<Uint8Array> {
  if (body === undefined) return Readable.from([]);
  if (!(body instanceof Readable)) throw toError(new Error('the response body is not a Node stream'));
  return objectChunks(body, toError);
}
