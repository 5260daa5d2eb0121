// objectChunks: the chunks of an ObjectAccess.read, errors mapped, the stream released on break.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { DeliveryError } from '../../src/destinations/destination.ts';
import { objectChunks } from '../../src/destinations/object-chunks.ts';

const toError = (error: unknown): DeliveryError => new DeliveryError('ERR_TEST', `cannot read x: ${(error as Error).message}`, true, { cause: error });

describe('objectChunks', () => {
  it('yields the chunks of the stream in order', async () => {
    const got: string[] = [];
    for await (const chunk of objectChunks(Readable.from([Buffer.from('a'), Buffer.from('bc')]), toError)) got.push(Buffer.from(chunk).toString());
    assert.deepEqual(got, ['a', 'bc']);
  });

  it('an error while streaming is thrown as the mapped DeliveryError, after the chunks before it', async () => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from('first'));
    const got: string[] = [];
    const reading = (async () => {
      for await (const chunk of objectChunks(stream, toError)) {
        got.push(Buffer.from(chunk).toString());
        stream.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      }
    })();
    await assert.rejects(reading, (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.code, 'ERR_TEST');
      assert.match(error.message, /socket hang up/);
      return true;
    });
    assert.deepEqual(got, ['first']);
  });

  it('breaking out destroys the stream', async () => {
    let destroyed = false;
    const stream = new Readable({
      read() {
        this.push(Buffer.alloc(16));
      },
      destroy(error, callback) {
        destroyed = true;
        callback(error);
      },
    });
    for await (const chunk of objectChunks(stream, toError)) {
      assert.equal(chunk.length, 16);
      break;
    }
    assert.equal(destroyed, true);
    assert.equal(stream.destroyed, true);
  });
});
