// Smoke test of the real S3 server (versitygw via scripts/s3.sh) and of the helpers: the
// operations sluice's uploader relies on behave as S3 does, and the server-specific answers
// the destination code will meet (error names, ETag shape, minimum part size) are pinned here
// so that a version bump that changes them is noticed.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createBucket, ensureS3, getObjectBytes, listKeys, listMultipartUploads, s3Client, startS3, stopS3, uniqueBucket } from './s3.ts';

const MiB = 1024 * 1024;

type S3Failure = { name: string; $metadata?: { httpStatusCode?: number } };

async function failure(promise: Promise<unknown>): Promise<S3Failure> {
  try {
    await promise;
  } catch (error) {
    return error as S3Failure;
  }
  assert.fail('the request succeeded but was expected to fail');
}

async function withClient<T>(use: (client: S3Client) => Promise<T>, client = s3Client()): Promise<T> {
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

/** A part of `size` bytes whose content depends on its number (so misordered parts show). */
function partBody(partNumber: number, size: number): Buffer {
  const part = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) part.writeUInt32BE((partNumber * 1_000_003 + i) >>> 0, i);
  return part;
}

before(async () => {
  await ensureS3();
});

test('ensureS3 describes the loopback server and the test account', async () => {
  const server = await ensureS3();
  assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.region, 'us-east-1');
  assert.equal(server.accessKeyId, 'sluice-test');
});

test('uniqueBucket names are distinct and valid S3 bucket names', () => {
  const names = [uniqueBucket('Sluice_Test.x'), uniqueBucket('Sluice_Test.x'), uniqueBucket('a'.repeat(80))];
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.match(name, /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
});

test('a bucket is created, objects are put, listed, read back and deleted', async () => {
  const bucket = uniqueBucket('smoke');
  await createBucket(bucket);
  await withClient((client) => client.send(new HeadBucketCommand({ Bucket: bucket })));
  const body = Buffer.from('{"a":1}\n{"a":2}\n');
  await withClient((client) => client.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/20261126/one.log.gz', Body: body, ContentType: 'application/x-ndjson', ContentEncoding: 'gzip' })));
  await withClient((client) => client.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/two', Body: 'x' })));
  assert.deepEqual(await getObjectBytes(bucket, 'logs/20261126/one.log.gz'), body);
  assert.deepEqual(await listKeys(bucket, 'logs/'), ['logs/20261126/one.log.gz']);
  assert.deepEqual(await listKeys(bucket), ['logs/20261126/one.log.gz', 'other/two']);
  await withClient((client) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'other/two' })));
  assert.deepEqual(await listKeys(bucket), ['logs/20261126/one.log.gz']);
  const again = await failure(createBucket(bucket));
  assert.equal(again.name, 'BucketAlreadyOwnedByYou');
});

test('a 3-part multipart upload (5 MiB parts, CRC32 checksums) completes and reads back exactly', async () => {
  const bucket = uniqueBucket('multipart');
  await createBucket(bucket);
  const key = 'batch/3-parts.ndjson';
  const parts = [partBody(1, 5 * MiB), partBody(2, 5 * MiB), partBody(3, 1 * MiB + 17)];
  const etag = await withClient(async (client) => {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32' }));
    const uploadId = created.UploadId;
    assert.ok(uploadId !== undefined && uploadId.length > 0);
    assert.deepEqual(await listMultipartUploads(bucket), [{ key, uploadId }]);
    const uploaded = await Promise.all(
      parts.map(async (part, index) => {
        const response = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: part, ChecksumAlgorithm: 'CRC32' }));
        assert.ok(response.ChecksumCRC32 !== undefined, 'the server returned no part checksum');
        // Part ETags are the MD5 of the part, quoted, as on AWS.
        assert.equal(response.ETag, `"${createHash('md5').update(part).digest('hex')}"`);
        return { PartNumber: index + 1, ETag: response.ETag, ChecksumCRC32: response.ChecksumCRC32 };
      }),
    );
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: uploaded } }));
    assert.equal(done.ChecksumType, 'COMPOSITE');
    assert.match(done.ChecksumCRC32 ?? '', /^[A-Za-z0-9+/]{6}==-3$/);
    return done.ETag;
  });
  // Multipart ETags have AWS's "<md5 of the part md5s>-<part count>" shape.
  assert.match(etag ?? '', /^"[0-9a-f]{32}-3"$/);
  assert.deepEqual(await getObjectBytes(bucket, key), Buffer.concat(parts));
  assert.deepEqual(await listMultipartUploads(bucket), []);
  assert.deepEqual(await listKeys(bucket), [key]);
});

// The SDK (default requestChecksumCalculation WHEN_SUPPORTED) sends a CRC32 with every
// UploadPart even when the upload was created without ChecksumAlgorithm, and returns it. Passing
// those part checksums back to CompleteMultipartUpload then fails on versitygw with InvalidPart:
// an uploader must either create the upload with ChecksumAlgorithm or complete with ETags only.
test('completing an upload created without ChecksumAlgorithm: part checksums give InvalidPart, ETags alone work', async () => {
  const bucket = uniqueBucket('checksum');
  await createBucket(bucket);
  await withClient(async (client) => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: 1, Body: partBody(1, 1000) }));
    assert.ok(part.ChecksumCRC32 !== undefined, 'the SDK did not send a CRC32 by default');
    const withChecksums = await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] } })));
    assert.equal(withChecksums.name, 'InvalidPart');
    assert.equal(withChecksums.$metadata?.httpStatusCode, 400);
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.match(done.ETag ?? '', /^"[0-9a-f]{32}-1"$/);
  });
  assert.deepEqual(await getObjectBytes(bucket, 'k'), partBody(1, 1000));
});

test('an aborted multipart upload is no longer listed and leaves no object', async () => {
  const bucket = uniqueBucket('abort');
  await createBucket(bucket);
  await withClient(async (client) => {
    const kept = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'kept' }));
    const aborted = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'aborted' }));
    await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'aborted', UploadId: aborted.UploadId, PartNumber: 1, Body: partBody(1, 1024) }));
    assert.equal((await listMultipartUploads(bucket)).length, 2);
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'aborted', UploadId: aborted.UploadId }));
    assert.deepEqual(await listMultipartUploads(bucket), [{ key: 'kept', uploadId: kept.UploadId }]);
    const twice = await failure(client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'aborted', UploadId: aborted.UploadId })));
    assert.equal(twice.name, 'NoSuchUpload');
    assert.equal(twice.$metadata?.httpStatusCode, 404);
  });
  assert.deepEqual(await listKeys(bucket), []);
});

test('a part under 5 MiB other than the last is rejected when the upload is completed (EntityTooSmall)', async () => {
  const bucket = uniqueBucket('too-small');
  await createBucket(bucket);
  await withClient(async (client) => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const parts = [];
    for (const partNumber of [1, 2]) {
      const response = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: partNumber, Body: partBody(partNumber, 1 * MiB) }));
      parts.push({ PartNumber: partNumber, ETag: response.ETag });
    }
    const rejected = await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: parts } })));
    assert.equal(rejected.name, 'EntityTooSmall');
    assert.equal(rejected.$metadata?.httpStatusCode, 400);
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId }));
  });
});

test('a wrong secret is rejected with 403 SignatureDoesNotMatch', async () => {
  const bucket = uniqueBucket('auth');
  await createBucket(bucket);
  const server = await ensureS3();
  const wrong = s3Client({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' }, maxAttempts: 1 });
  const rejected = await withClient((client) => failure(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }))), wrong);
  assert.equal(rejected.$metadata?.httpStatusCode, 403);
  assert.equal(rejected.name, 'SignatureDoesNotMatch');
  assert.deepEqual(await listKeys(bucket), []);
});

test('an unknown access key id is rejected — by versitygw with 404 XAdminUserNotFound, not S3\'s 403', async () => {
  const bucket = uniqueBucket('auth-key');
  await createBucket(bucket);
  const unknown = s3Client({ credentials: { accessKeyId: 'nobody', secretAccessKey: 'whatever' }, maxAttempts: 1 });
  const rejected = await withClient((client) => failure(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }))), unknown);
  assert.equal(rejected.$metadata?.httpStatusCode, 404);
  assert.equal(rejected.name, 'XAdminUserNotFound');
  assert.deepEqual(await listKeys(bucket), []);
});

test('a missing bucket is 404 NoSuchBucket', async () => {
  const missing = uniqueBucket('never-created');
  const rejected = await withClient((client) => failure(client.send(new PutObjectCommand({ Bucket: missing, Key: 'k', Body: 'x' }))));
  assert.equal(rejected.name, 'NoSuchBucket');
  assert.equal(rejected.$metadata?.httpStatusCode, 404);
});

for (const mode of ['graceful', 'kill'] as const) {
  test(`stopS3('${mode}') + startS3 keep buckets, objects and open multipart uploads`, async () => {
    const bucket = uniqueBucket(`restart-${mode}`);
    await createBucket(bucket);
    await withClient((client) => client.send(new PutObjectCommand({ Bucket: bucket, Key: 'before', Body: 'kept' })));
    const { UploadId } = await withClient((client) => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'open' })));
    await stopS3(mode);
    const down = await withClient((client) => failure(client.send(new HeadBucketCommand({ Bucket: bucket }))), s3Client({ maxAttempts: 1 }));
    assert.ok(down.$metadata?.httpStatusCode === undefined, `expected a connection error while stopped, got HTTP ${down.$metadata?.httpStatusCode}`);
    await startS3();
    assert.deepEqual(await getObjectBytes(bucket, 'before'), Buffer.from('kept'));
    assert.deepEqual(await listMultipartUploads(bucket), [{ key: 'open', uploadId: UploadId }]);
  });
}
