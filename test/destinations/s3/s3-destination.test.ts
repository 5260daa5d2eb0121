import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { createDestination } from '../../../src/destinations/create.ts';
import type { DeliveryObject } from '../../../src/destinations/destination.ts';
import { S3Destination } from '../../../src/destinations/s3/s3-destination.ts';
import { validateS3Destination } from '../../../src/destinations/s3/validate.ts';
import { FakeStore, networkError, sdkError, waitUntil } from './fake-store.ts';
import { LOOPBACK_ALLOWED } from '../../helpers/network.ts';
import { DESTINATION_UNREACHABLE, DESTINATION_UNREACHABLE_MESSAGE } from '../../../src/destinations/net/unreachable.ts';

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRET';
const CONF = `s3://logs/jobs/7/{DATE}?region=us-east-1&endpoint=http://127.0.0.1:9000&access-key-id=AKIAEXAMPLE&secret-access-key=${SECRET}&sse=AES256`;
const MiB = 1024 * 1024;

function object(overrides: Partial<DeliveryObject> = {}): DeliveryObject {
  return {
    jobId: 7,
    batchId: '0123456789abcdef',
    startNs: '1767225600000000000',
    endNs: '1767225660000000000',
    compression: 'gzip',
    chunks: ChunkStream.of([randomBytes(1000)]),
    contentType: 'application/x-ndjson',
    ...overrides,
  };
}

describe('S3Destination', () => {
  it('is what createDestination builds for s3:, r2: and gs:', () => {
    for (const conf of [CONF, 'r2://bkt/p?account-id=abc&access-key-id=a&secret-access-key=b', 'gs://bkt/p?access-key-id=a&secret-access-key=b']) {
      const destination = createDestination(conf, { network: LOOPBACK_ALLOWED });
      assert.equal(destination.kind, 's3');
      void destination.close();
    }
    assert.throws(() => createDestination(`s3://logs/p?part-size=1&secret-access-key=${SECRET}&access-key-id=x`, { network: LOOPBACK_ALLOWED }), (error: Error) => {
      assert.equal((error as Error & { code: string }).code, 'ERR_DESTINATION_CONF');
      return !error.message.includes(SECRET);
    });
  });

  it('writes the object at <path with DATE>/<name> with its headers, and returns a secret-free location', async () => {
    const store = new FakeStore();
    const destination = new S3Destination(CONF, { network: LOOPBACK_ALLOWED, store });
    const receipt = await destination.deliver(object());
    const key = 'jobs/7/20260101/20260101T000000Z_20260101T000100Z_0123456789abcdef.log.gz';
    assert.equal(receipt.location, `s3://logs/${key}`);
    assert.deepEqual(store.objects.get(key)?.headers, { contentType: 'application/x-ndjson', contentEncoding: 'gzip', serverSideEncryption: 'AES256' });
    await destination.close();
    assert.ok(store.destroyed);
  });

  it('uses a multipart upload at the configured part size for large objects', async () => {
    const store = new FakeStore();
    const destination = new S3Destination(`${CONF}&part-size=${5 * MiB}&parts-in-flight=2`, { network: LOOPBACK_ALLOWED, store });
    const chunks = Array.from({ length: 12 }, () => randomBytes(MiB));
    await destination.deliver(object({ chunks: ChunkStream.of(chunks) }));
    assert.deepEqual(store.partSizes, [5 * MiB, 5 * MiB, 2 * MiB]);
    assert.ok(store.maxInFlightParts <= 2);
    assert.deepEqual([...store.objects.values()][0]?.body, Buffer.concat(chunks));
  });

  it('never puts a credential in an error', async () => {
    const store = new FakeStore();
    store.failWith.putObject = () => sdkError('SignatureDoesNotMatch', 403, `The request signature we calculated does not match (key AKIAEXAMPLE, ${SECRET})`);
    const destination = new S3Destination(CONF, { network: LOOPBACK_ALLOWED, store });
    await assert.rejects(destination.deliver(object()), (error: Error & { code: string }) => {
      assert.equal(error.code, 'ERR_S3_ACCESS_DENIED');
      assert.ok(!error.message.includes(SECRET) && !error.message.includes('AKIAEXAMPLE'), error.message);
      return true;
    });
    assert.equal(store.count('putObject'), 1);
  });
});

describe('sweepAbandonedUploads', () => {
  it('aborts old uploads of this job path only, and never one in progress here', async () => {
    const store = new FakeStore(5 * MiB);
    store.listPageSize = 2; // forces pagination
    const destination = new S3Destination(`${CONF}&part-size=${5 * MiB}`, { network: LOOPBACK_ALLOWED, store });
    const old = new Date(Date.now() - 2 * 3600_000);
    const name = '20260101T000000Z_20260101T000100Z_00000000000000aa.log.gz';
    const seed = (key: string, initiated: Date): void => {
      store.uploads.set(`seed-${key}`, { key, headers: { contentType: 't', contentEncoding: null, serverSideEncryption: null }, parts: new Map(), initiated });
    };
    seed(`jobs/7/20260101/${name}`, old); // abandoned: aborted
    seed(`jobs/7/20251231/${name}`, old); // abandoned: aborted
    seed(`jobs/7/20260101/x${name}`, old); // not a key this job writes
    seed(`jobs/70/20260101/${name}`, old); // another job's path
    seed(`jobs/7/20260102/${name}`, new Date()); // recent: may be live elsewhere

    // One upload in progress in this destination, held at its first part.
    const held: Array<() => void> = [];
    store.partGate = () => new Promise<void>((resolve) => held.push(resolve));
    const live = destination.deliver(object({ chunks: ChunkStream.of([randomBytes(5 * MiB), randomBytes(10)]) }));
    await waitUntil(() => store.count('uploadPart') > 0, 'the live upload to send a part');

    const result = await destination.sweepAbandonedUploads(3600_000);
    assert.deepEqual(result.aborted.sort(), [`jobs/7/20251231/${name}`, `jobs/7/20260101/${name}`]);
    assert.equal(result.failed, 0);
    assert.ok(result.examined >= 5);
    // Sweeping everything older than 0 ms still spares the live upload.
    const again = await destination.sweepAbandonedUploads(0);
    assert.deepEqual(again.aborted, [`jobs/7/20260102/${name}`]);
    store.partGate = null;
    for (const release of held) release();
    await live;
    assert.equal(store.objects.size, 1);
  });

  it('maps a listing failure to a DeliveryError', async () => {
    const store = new FakeStore();
    store.failWith.listMultipartUploads = () => networkError('ECONNREFUSED');
    await assert.rejects(new S3Destination(CONF, { network: LOOPBACK_ALLOWED, store }).sweepAbandonedUploads(1000), { code: DESTINATION_UNREACHABLE });
  });
});

describe('validateS3Destination', () => {
  it('writes and deletes a test object under the prefix', async () => {
    const store = new FakeStore();
    const result = await validateS3Destination(CONF, { network: LOOPBACK_ALLOWED, store, now: new Date('2026-03-04T05:06:07Z') });
    assert.equal(result.ok, true, result.message ?? '');
    assert.match(result.location ?? '', /^s3:\/\/logs\/jobs\/7\/20260304\/sluice-validation-[0-9a-f]{12}\.txt$/);
    assert.deepEqual(store.calls.map((c) => c.op), ['putObject', 'deleteObject']);
    assert.equal(store.objects.size, 0);
  });

  it('reports precisely what failed', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [sdkError('NoSuchBucket', 404), 'ERR_S3_NO_SUCH_BUCKET', /bucket "logs" does not exist/],
      [sdkError('InvalidAccessKeyId', 403), 'ERR_S3_ACCESS_DENIED', /access key was rejected/],
      // The same sentence as every unreachable destination, without "cannot write a test object".
      [networkError('ECONNREFUSED'), DESTINATION_UNREACHABLE, new RegExp(`^${DESTINATION_UNREACHABLE_MESSAGE.replace(/[()]/g, '\\$&')}$`)],
    ];
    for (const [error, code, pattern] of cases) {
      const store = new FakeStore();
      store.failWith.putObject = () => error;
      const result = await validateS3Destination(CONF, { network: LOOPBACK_ALLOWED, store });
      assert.equal(result.ok, false);
      assert.equal(result.code, code);
      assert.match(result.message ?? '', pattern);
      assert.ok(!(result.message ?? '').includes(SECRET));
    }
    const bad = await validateS3Destination(`s3://logs/p?secret-access-key=${SECRET}`, { network: LOOPBACK_ALLOWED });
    assert.equal(bad.code, 'ERR_DESTINATION_CONF');
    assert.ok(!(bad.message ?? '').includes(SECRET));
  });

  it('passes with a warning when only the delete is refused', async () => {
    const store = new FakeStore();
    store.failWith.deleteObject = () => sdkError('AccessDenied', 403);
    const result = await validateS3Destination(CONF, { network: LOOPBACK_ALLOWED, store });
    assert.equal(result.ok, true);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /could not be deleted/);
  });
});
