import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AzureDestination } from '../../../src/destinations/azure/azure-destination.ts';
import { blockIdFor } from '../../../src/destinations/azure/block-uploads.ts';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { DeliveryError, type DeliveryObject } from '../../../src/destinations/destination.ts';
import { DESTINATION_UNREACHABLE } from '../../../src/destinations/net/unreachable.ts';
import { waitUntil } from '../s3/fake-store.ts';
import { FakeBlobStore, restError, sendError } from './fake-blob-store.ts';

const SIG = 'SIGNATUREsecret123';
const BLOCK = 64 * 1024;
const CONF = `azure://acct.blob.core.windows.net/logs/cf/{DATE}?sv=2022-11-02&sp=w&sig=${SIG}&block-size=${BLOCK}&blocks-in-flight=2`;
// 2026-11-27T10:00:00Z
const START_NS = '1795773600000000000';

function object(chunks: AsyncIterable<Uint8Array>): DeliveryObject {
  return { jobId: 7, batchId: '0123456789abcdef', startNs: START_NS, endNs: START_NS, compression: 'gzip', chunks, contentType: 'application/x-ndjson' };
}

function destination(store: FakeBlobStore, blockAttempts?: number): AzureDestination {
  return new AzureDestination(CONF, { store, ...(blockAttempts !== undefined ? { blockAttempts } : {}) });
}

const BLOB = 'cf/20261127/20261127T100000Z_20261127T100000Z_0123456789abcdef.log.gz';

describe('AzureDestination', () => {
  it('puts an object smaller than a block as one blob, with the decoded type and gzip coding', async () => {
    const store = new FakeBlobStore();
    const body = randomBytes(1000);
    const receipt = await destination(store).deliver(object(ChunkStream.of([body])));
    assert.equal(receipt.location, `azure://logs/${BLOB}`);
    assert.deepEqual(store.calls.map((c) => c.op), ['upload']);
    assert.deepEqual(store.blobs.get(BLOB)?.body, body);
    assert.deepEqual(store.blobs.get(BLOB)?.headers, { contentType: 'application/x-ndjson', contentEncoding: 'gzip', serverSideEncryption: null });
  });

  it('stages blocks in order with ids fixed per blob, commits them in order, and leaves no uncommitted block', async () => {
    const store = new FakeBlobStore();
    const chunks = Array.from({ length: 5 }, () => randomBytes(BLOCK));
    await destination(store).deliver(object(ChunkStream.of(chunks)));
    const ids = [1, 2, 3, 4, 5].map((n) => blockIdFor(BLOB, n));
    assert.deepEqual(store.calls.filter((c) => c.op === 'stageBlock').map((c) => c.blockId).sort(), [...ids].sort());
    const commit = store.calls.find((c) => c.op === 'commitBlockList');
    assert.deepEqual(commit?.blockIds, ids);
    assert.deepEqual(store.blobs.get(BLOB)?.body, Buffer.concat(chunks));
    assert.equal(store.uncommittedBlocks, 0);
    assert.ok(store.maxStagesInFlight <= 2, `at most blocks-in-flight stages at once, saw ${store.maxStagesInFlight}`);
    // Same blob, same ids; another blob, other ids; all of one length (Azure requires it).
    assert.equal(blockIdFor(BLOB, 1), ids[0]);
    assert.notEqual(blockIdFor(`${BLOB}x`, 1), ids[0]);
    assert.equal(new Set([...ids, blockIdFor(BLOB, 49_999)].map((id) => id.length)).size, 1);
  });

  it('stages the first blocks while later chunks are still being produced', async () => {
    const store = new FakeBlobStore();
    const stream = new ChunkStream();
    const delivery = destination(store).deliver(object(stream));
    stream.push(randomBytes(BLOCK));
    stream.push(randomBytes(BLOCK));
    await waitUntil(() => store.calls.some((c) => c.op === 'stageBlock'), 'a block staged before the stream ended');
    assert.equal(stream.complete, false);
    stream.push(randomBytes(10));
    stream.end();
    await delivery;
    assert.equal(store.calls.filter((c) => c.op === 'stageBlock').length, 3);
    assert.equal(store.uncommittedBlocks, 0);
  });

  it('retries a block once after a reset, then commits', async () => {
    const store = new FakeBlobStore();
    let failures = 0;
    store.before = (call) => {
      if (call.op === 'stageBlock' && call.blockId === blockIdFor(BLOB, 2) && failures++ === 0) throw sendError('ECONNRESET');
    };
    const chunks = Array.from({ length: 3 }, () => randomBytes(BLOCK));
    await destination(store).deliver(object(ChunkStream.of(chunks)));
    assert.equal(failures, 2);
    assert.deepEqual(store.blobs.get(BLOB)?.body, Buffer.concat(chunks));
    assert.equal(store.uncommittedBlocks, 0);
  });

  it('fails an object whose block keeps failing; the next attempt restages the same ids and its commit clears the leftovers', async () => {
    const store = new FakeBlobStore();
    let down = true;
    store.before = (call) => {
      if (down && call.op === 'stageBlock' && call.blockId === blockIdFor(BLOB, 3)) throw restError(500, 'InternalError');
    };
    const chunks = Array.from({ length: 4 }, () => randomBytes(BLOCK));
    const target = destination(store);
    await assert.rejects(target.deliver(object(ChunkStream.of(chunks))), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.code, 'ERR_AZURE_SERVER');
      assert.equal(error.retryable, true);
      assert.match(error.message, /StageBlock 3 https:\/\/acct\.blob\.core\.windows\.net\/logs\//);
      return true;
    });
    assert.equal(store.blobs.size, 0, 'nothing visible after a failed attempt');
    assert.ok(store.uncommittedBlocks > 0);
    down = false;
    await target.deliver(object(ChunkStream.of(chunks)));
    assert.deepEqual(store.blobs.get(BLOB)?.body, Buffer.concat(chunks));
    assert.equal(store.uncommittedBlocks, 0);
  });

  it('maps a refused SAS to a non-retryable error that names the fix and not the signature', async () => {
    const store = new FakeBlobStore();
    store.before = () => {
      throw restError(403, 'AuthenticationFailed', `Server failed to authenticate the request. sig=${SIG}`);
    };
    await assert.rejects(destination(store).deliver(object(ChunkStream.of([randomBytes(10)]))), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.code, 'ERR_AZURE_ACCESS_DENIED');
      assert.equal(error.retryable, false);
      assert.match(error.message, /SAS token was refused \(AuthenticationFailed\).*write permission on container "logs"/);
      assert.ok(!error.message.includes(SIG));
      return true;
    });
  });

  it('maps the other answers: missing container, throttling with Retry-After, unreachable', async () => {
    const cases: Array<[Error, string, boolean]> = [
      [restError(404, 'ContainerNotFound'), 'ERR_AZURE_NO_SUCH_CONTAINER', false],
      [restError(503, 'ServerBusy', 'busy', { 'retry-after': '3' }), 'ERR_AZURE_THROTTLED', true],
      [restError(400, 'InvalidHeaderValue'), 'ERR_AZURE_REQUEST', false],
      [sendError('ECONNREFUSED'), DESTINATION_UNREACHABLE, true],
      [sendError('REQUEST_SEND_ERROR'), DESTINATION_UNREACHABLE, true],
    ];
    for (const [thrown, code, retryable] of cases) {
      const store = new FakeBlobStore();
      store.before = () => {
        throw thrown;
      };
      await assert.rejects(destination(store, 1).deliver(object(ChunkStream.of([randomBytes(10)]))), (error: unknown) => {
        assert.ok(error instanceof DeliveryError);
        assert.equal(error.code, code, thrown.message);
        assert.equal(error.retryable, retryable);
        if (code === 'ERR_AZURE_THROTTLED') assert.equal(error.retryAfterMs, 3000);
        return true;
      });
    }
  });

  it('fails the object when producing a chunk fails, without committing', async () => {
    const store = new FakeBlobStore();
    const stream = new ChunkStream();
    const delivery = destination(store).deliver(object(stream));
    stream.push(randomBytes(BLOCK));
    stream.push(randomBytes(BLOCK));
    stream.fail(new Error('encoder broke'));
    await assert.rejects(delivery, /encoder broke/);
    assert.equal(store.calls.filter((c) => c.op === 'commitBlockList').length, 0);
    assert.equal(store.blobs.size, 0);
  });
});
