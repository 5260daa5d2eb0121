// The chunks of an object being read (ObjectAccess.read), with stream failures turned into the
// destination's DeliveryErrors, so a caller hashing a large object sees the same codes and
// redaction as get gives it.
//
// Releasing: `for await` over a Node Readable destroys the stream when the loop ends early
// (break, return, throw), so a caller that breaks out of the chunks closes the file or the
// HTTP response (its socket) right away. A caller that never starts iterating does not reach
// that point: ObjectAccess.read's contract is to consume the chunks to the end or break.

import type { Readable } from 'node:stream';
import type { DeliveryError } from './destination.ts';

/** The stream's chunks; an error while streaming is thrown as `toError(error)`. */
export async function* objectChunks(stream: Readable, toError: (error: unknown) => DeliveryError): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    throw toError(error);
  }
}
