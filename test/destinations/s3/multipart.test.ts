import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { MAX_PARTS, partSizeFor, uploadObject, type UploadPlan } from '../../../src/destinations/s3/multipart.ts';
import type { ObjectHeaders } from '../../../src/destinations/s3/store.ts';
import { FakeStore, networkError, sdkError, waitUntil } from './fake-store.ts';
import { DESTINATION_UNREACHABLE } from '../../../src/destinations/net/unreachable.ts';

const REF = { bucket: 'b', key: 'logs/x.log.gz' };
const HEADERS: ObjectHeaders = { contentType: 'application/x-ndjson', contentEncoding: 'gzip', serverSideEncryption: null };
const SCOPE = { endpoint: 'http://127.0.0.1:9000', secrets: ['SECRETKEY123'] };
const PART = 100;

function plan(overrides: Partial<UploadPlan> = {}): UploadPlan {
  return { partSize: PART, partsInFlight: 4, partAttempts: 2, ...overrides };
}

function chunksOf(sizes: number[]): Uint8Array[] {
  return sizes.map((size) => randomBytes(size));
}

function concat(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks);
}

describe('uploadObject', () => {
  it('sends an object smaller than the part size as one PutObject', async () => {
    const store = new FakeStore(PART);
    const chunks = chunksOf([10, 30, 59]);
    const result = await uploadObject(store, REF, HEADERS, ChunkStream.of(chunks), plan(), SCOPE);
    assert.equal(result.kind, 'put');
    assert.deepEqual(store.calls.map((c) => c.op), ['putObject']);
    assert.deepEqual(store.objects.get(REF.key)?.body, concat(chunks));
    assert.deepEqual(store.objects.get(REF.key)?.headers, HEADERS);
  });

  it('sends an empty object as one empty PutObject', async () => {
    const store = new FakeStore(PART);
    await uploadObject(store, REF, HEADERS, ChunkStream.of([]), plan(), SCOPE);
    assert.equal(store.objects.get(REF.key)?.body.length, 0);
  });

  it('assembles whole chunks into parts of at least the part size, in order', async () => {
    for (const sizes of [
      [100, 100, 100],
      [1, 99, 250, 3, 3, 3, 97, 50],
      [400],
      [40, 40, 40, 40, 40, 40, 40, 40, 40, 7],
      Array.from({ length: 200 }, (_, i) => (i * 37) % 61 + 1),
    ]) {
      const store = new FakeStore(PART);
      const chunks = chunksOf(sizes);
      const result = await uploadObject(store, REF, HEADERS, ChunkStream.of(chunks), plan(), SCOPE);
      assert.equal(result.kind, 'multipart', String(sizes));
      // The fake store refuses completion when a part but the last is small or parts are out of order.
      assert.deepEqual(store.objects.get(REF.key)?.body, concat(chunks), String(sizes));
      // Every part boundary falls on a chunk boundary.
      const boundaries = new Set<number>();
      let at = 0;
      for (const size of sizes) boundaries.add((at += size));
      at = 0;
      for (const size of store.partSizes) assert.ok(boundaries.has((at += size)), `part ends inside a chunk: ${store.partSizes}`);
      for (const size of store.partSizes.slice(0, -1)) assert.ok(size >= PART);
      assert.equal(store.uploads.size, 0);
    }
  });

  it('keeps at most parts-in-flight UploadPart calls running and completes with ETags in part order', async () => {
    const store = new FakeStore(PART);
    const held: Array<{ partNumber: number; release: () => void }> = [];
    store.partGate = (partNumber) => new Promise<void>((release) => held.push({ partNumber, release }));
    const chunks = chunksOf(Array.from({ length: 12 }, () => PART));
    const upload = uploadObject(store, REF, HEADERS, ChunkStream.of(chunks), plan({ partsInFlight: 3 }), SCOPE);
    // Release held parts newest first, so completions arrive out of order.
    let released = 0;
    while (released < 12) {
      await waitUntil(() => held.length > 0 && (store.inFlightParts === 3 || released + store.inFlightParts === 12), 'parts in flight');
      assert.ok(store.inFlightParts <= 3);
      held.sort((a, b) => b.partNumber - a.partNumber).shift()!.release();
      released++;
    }
    await upload;
    assert.equal(store.maxInFlightParts, 3);
    assert.deepEqual(store.objects.get(REF.key)?.body, concat(chunks));
  });

  it('uploads the first parts while later chunks are still being produced', async () => {
    const store = new FakeStore(PART);
    const stream = new ChunkStream();
    const chunks = chunksOf([PART, PART, 20]);
    const upload = uploadObject(store, REF, HEADERS, stream, plan(), SCOPE);
    stream.push(chunks[0]!);
    stream.push(chunks[1]!);
    await waitUntil(() => store.count('uploadPart') >= 1, 'part 1 to be sent before the stream ends');
    assert.equal(stream.complete, false);
    stream.push(chunks[2]!);
    stream.end();
    await upload;
    assert.deepEqual(store.objects.get(REF.key)?.body, concat(chunks));
  });

  it('aborts the upload when the chunk stream fails mid-upload', async () => {
    const store = new FakeStore(PART);
    const stream = new ChunkStream();
    const upload = uploadObject(store, REF, HEADERS, stream, plan(), SCOPE);
    stream.push(randomBytes(PART));
    stream.push(randomBytes(PART));
    await waitUntil(() => store.count('uploadPart') >= 1, 'part 1');
    stream.fail(new Error('worker crashed while compressing'));
    await assert.rejects(upload, (error: DeliveryError) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.code, 'ERR_CHUNK_STREAM');
      assert.match(error.message, /worker crashed/);
      return true;
    });
    assert.equal(store.count('abortMultipartUpload'), 1);
    assert.equal(store.uploads.size, 0);
    assert.equal(store.objects.size, 0);
  });

  it('fails without any request when the chunk stream fails before the first part fills', async () => {
    const store = new FakeStore(PART);
    const stream = new ChunkStream();
    stream.push(randomBytes(10));
    stream.fail(new Error('boom'));
    await assert.rejects(uploadObject(store, REF, HEADERS, stream, plan(), SCOPE), { code: 'ERR_CHUNK_STREAM' });
    assert.equal(store.calls.length, 0);
  });

  it('aborts on a non-retryable UploadPart failure, maps it, and stops reading', async () => {
    const store = new FakeStore(PART);
    store.failWith.uploadPart = ({ partNumber }) => (partNumber === 2 ? sdkError('AccessDenied', 403, 'Access Denied') : null);
    const stream = new ChunkStream();
    for (let i = 0; i < 4; i++) stream.push(randomBytes(PART));
    // Never ends: the uploader must give up on its own once part 2 failed.
    await assert.rejects(uploadObject(store, REF, HEADERS, stream, plan({ partsInFlight: 1 }), SCOPE), (error: DeliveryError) => {
      assert.equal(error.code, 'ERR_S3_ACCESS_DENIED');
      assert.equal(error.retryable, false);
      assert.match(error.message, /UploadPart 2/);
      return true;
    });
    assert.equal(store.count('uploadPart'), 2, 'no retry of a non-retryable part, no part after the failure');
    assert.equal(store.count('abortMultipartUpload'), 1);
    assert.equal(store.count('completeMultipartUpload'), 0);
    assert.equal(store.uploads.size, 0);
    assert.equal(store.objects.size, 0);
  });

  it('retries a part once after a connection reset, then fails the object retryably', async () => {
    const once = new FakeStore(PART);
    once.failWith.uploadPart = ({ partNumber, attempt }) => (partNumber === 2 && attempt === 1 ? networkError('ECONNRESET') : null);
    const chunks = chunksOf([PART, PART, PART]);
    await uploadObject(once, REF, HEADERS, ChunkStream.of(chunks), plan(), SCOPE);
    assert.deepEqual(once.objects.get(REF.key)?.body, concat(chunks));
    assert.equal(once.count('uploadPart'), 4);

    const always = new FakeStore(PART);
    always.failWith.uploadPart = ({ partNumber }) => (partNumber === 2 ? sdkError('InternalError', 500) : null);
    await assert.rejects(uploadObject(always, REF, HEADERS, ChunkStream.of(chunks), plan(), SCOPE), { code: 'ERR_S3_SERVER', retryable: true });
    assert.equal(always.calls.filter((c) => c.op === 'uploadPart' && c.partNumber === 2).length, 2);
    assert.equal(always.uploads.size, 0);
  });

  it('aborts when completion fails', async () => {
    const store = new FakeStore(PART);
    store.failWith.completeMultipartUpload = () => sdkError('InternalError', 500);
    await assert.rejects(uploadObject(store, REF, HEADERS, ChunkStream.of(chunksOf([PART, PART])), plan(), SCOPE), { code: 'ERR_S3_SERVER' });
    assert.equal(store.count('abortMultipartUpload'), 1);
    assert.equal(store.uploads.size, 0);
    assert.equal(store.objects.size, 0);
  });

  it('reports the original failure even when the abort fails too', async () => {
    const store = new FakeStore(PART);
    store.failWith.uploadPart = () => networkError('ECONNREFUSED');
    store.failWith.abortMultipartUpload = () => networkError('ECONNREFUSED');
    await assert.rejects(uploadObject(store, REF, HEADERS, ChunkStream.of(chunksOf([PART, PART])), plan({ partAttempts: 1 }), SCOPE), {
      code: DESTINATION_UNREACHABLE,
      retryable: true,
    });
    assert.equal(store.count('abortMultipartUpload'), 1);
  });

  it('maps a PutObject failure without starting a multipart upload', async () => {
    const store = new FakeStore(PART);
    store.failWith.putObject = () => sdkError('NoSuchBucket', 404, 'The specified bucket does not exist');
    await assert.rejects(uploadObject(store, REF, HEADERS, ChunkStream.of(chunksOf([5])), plan(), SCOPE), { code: 'ERR_S3_NO_SUCH_BUCKET', retryable: false });
    assert.deepEqual(store.calls.map((c) => c.op), ['putObject']);
  });

  it('never needs more than 10,000 parts: part sizes grow', async () => {
    assert.equal(partSizeFor(1, 8), 8);
    assert.equal(partSizeFor(1000, 8), 8);
    assert.equal(partSizeFor(1001, 8), 16);
    assert.equal(partSizeFor(2001, 8), 32);
    assert.equal(partSizeFor(MAX_PARTS, 8), Number.POSITIVE_INFINITY);
    assert.equal(partSizeFor(9000, 8 * 1024 * 1024), 2 * 1024 ** 3);
    assert.equal(partSizeFor(9000, 64 * 1024 * 1024), 5 * 1024 ** 3, "capped at S3's largest part");

    const store = new FakeStore(1);
    const sizes = Array.from({ length: 12_000 }, () => 1);
    await uploadObject(store, REF, HEADERS, ChunkStream.of(chunksOf(sizes)), plan({ partSize: 1, partsInFlight: 8 }), SCOPE);
    assert.ok(store.partSizes.length <= MAX_PARTS);
    assert.equal(store.partSizes[999], 1);
    assert.equal(store.partSizes[1000], 2);
    assert.equal(store.objects.get(REF.key)?.body.length, 12_000);
  });
});
