// ObjectAccess for object storage against a real S3 server (versitygw via scripts/s3.sh):
// put/get/list round trips under the destination's root, listing across pages, missing keys
// and buckets, receipts of S3Destination mapped to keys, and redacted credential failures.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ChunkStream } from '../../src/destinations/chunk-stream.ts';
import { DeliveryError } from '../../src/destinations/destination.ts';
import { objectAccessFor } from '../../src/destinations/object-access.ts';
import { S3ObjectAccess } from '../../src/destinations/s3/object-access.ts';
import { S3Destination } from '../../src/destinations/s3/s3-destination.ts';
import { createBucket, ensureS3, getObjectBytes, listKeys, s3Client, uniqueBucket, type S3TestServer } from '../helpers/s3.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

let server: S3TestServer;
let bucket: string;
const opened: Array<{ close(): unknown }> = [];

function conf(options: { path?: string; secret?: string; bucket?: string } = {}): string {
  return (
    `s3://${options.bucket ?? bucket}/${options.path ?? 'logs/{DATE}'}?region=${server.region}&endpoint=${encodeURIComponent(server.endpoint)}` +
    `&access-key-id=${server.accessKeyId}&secret-access-key=${options.secret ?? server.secretAccessKey}`
  );
}

function access(confText: string, pageSize?: number): S3ObjectAccess {
  const built = new S3ObjectAccess(confText, {
    network: LOOPBACK_ALLOWED,
    timeouts: { connectionTimeoutMs: 2000, socketTimeoutMs: 10_000, requestTimeoutMs: 30_000 },
    ...(pageSize !== undefined ? { pageSize } : {}),
  });
  opened.push(built);
  return built;
}

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString());

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; count: number }> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return { bytes: Buffer.concat(all), count: all.length };
}

before(async () => {
  server = await ensureS3();
  bucket = uniqueBucket('sluice-object-access');
  await createBucket(bucket);
});

after(() => {
  for (const item of opened) item.close();
});

describe('S3ObjectAccess', () => {
  it('puts, gets and lists under the root, across several list pages', async () => {
    const a = access(conf(), 2);
    assert.equal(a.root, `s3://${bucket}/logs/`);
    const keys = ['_digests/7/c/000000.json', '_digests/7/c/000001.json', '_digests/7/c/000002.json', '_digests/7/d/000000.json', '_digests/8/c/000000.json'];
    for (const [i, key] of keys.entries()) await a.put(key, Buffer.from(`{"n":${i}}\n`), 'application/json');
    // Outside the root (another prefix sharing its first letters, the bucket root) and a folder placeholder.
    const client = s3Client();
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'logsx/_digests/7/c/000009.json', Body: Buffer.from('x') }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'top.json', Body: Buffer.from('x') }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/_digests/7/folder/', Body: new Uint8Array(0) }));
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'logs/_digests/7/c/000001.json' }));
      assert.equal(head.ContentType, 'application/json');
      // The premise of paging: the server honours MaxKeys (else one page would hold everything).
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'logs/', MaxKeys: 2 }));
      assert.equal(page.Contents?.length, 2);
      assert.equal(page.IsTruncated, true);
    } finally {
      client.destroy();
    }

    assert.equal((await getObjectBytes(bucket, 'logs/_digests/7/c/000002.json')).toString(), '{"n":2}\n');
    assert.equal(text(await a.get('_digests/7/d/000000.json')), '{"n":3}\n');
    assert.deepEqual(await a.list('_digests/7/'), keys.slice(0, 4));
    assert.deepEqual(await a.list('_digests/7/c/'), keys.slice(0, 3));
    assert.deepEqual(await a.list(''), keys);
    assert.deepEqual(await a.list('_digests/9/'), []);

    await a.put('_digests/7/c/000000.json', Buffer.from('replaced'), 'application/json');
    assert.equal(text(await a.get('_digests/7/c/000000.json')), 'replaced');
  });

  it('get and read of a missing key are null; of a missing bucket a DeliveryError', async () => {
    const a = access(conf({ path: 'other/{DATE}' }));
    assert.equal(await a.get('_digests/1/none/000000.json'), null);
    assert.equal(await a.read('_digests/1/none/000000.json'), null);
    const gone = access(conf({ bucket: uniqueBucket('sluice-no-such-bucket') }));
    const noBucket = (error: unknown): boolean => error instanceof DeliveryError && error.code === 'ERR_S3_NO_SUCH_BUCKET';
    await assert.rejects(gone.get('x'), noBucket);
    await assert.rejects(gone.read('x'), noBucket);
    await assert.rejects(gone.list(''), noBucket);
    await assert.rejects(gone.listInfo(''), noBucket);
  });

  it('listInfo gives what list gives, across pages, with sizes and modification times', async () => {
    const a = access(conf({ path: 'info/{DATE}' }), 2);
    const sizes: Record<string, number> = { '20261127/a.log': 0, '20261127/b.log': 5, '20261127/deep/c.log': 70_000, 'top.json': 2 };
    const before = Date.now();
    for (const [key, size] of Object.entries(sizes)) await a.put(key, randomBytes(size), 'application/octet-stream');
    const after = Date.now();
    const client = s3Client();
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'info/20261127/folder/', Body: new Uint8Array(0) }));
    } finally {
      client.destroy();
    }
    const infos = await a.listInfo('');
    assert.deepEqual(infos.map(({ key, bytes }) => [key, bytes]), Object.entries(sizes));
    for (const info of infos) {
      // LastModified has whole seconds.
      assert.ok(info.modified.getTime() >= before - 2000 && info.modified.getTime() <= after + 2000, `${info.key}: ${info.modified.toISOString()}`);
    }
    assert.deepEqual(await a.list(''), infos.map((info) => info.key));
    assert.deepEqual((await a.listInfo('20261127/')).map((info) => info.key), ['20261127/a.log', '20261127/b.log', '20261127/deep/c.log']);
    assert.deepEqual(await a.listInfo('none/'), []);
  });

  it('read streams the exact bytes of a large object in several chunks', async () => {
    const a = access(conf({ path: 'read/{DATE}' }));
    const content = randomBytes(3 * 1024 * 1024 + 12_345);
    await a.put('20261127/big.log', content, 'application/octet-stream');
    await a.put('20261127/empty.log', new Uint8Array(0), 'application/octet-stream');
    const big = await drain((await a.read('20261127/big.log'))!);
    assert.ok(big.bytes.equals(content), 'same bytes');
    assert.ok(big.count > 1, `${big.count} chunks`);
    assert.equal((await drain((await a.read('20261127/empty.log'))!)).bytes.length, 0);
  });

  it('breaking out of a read releases its connection', async () => {
    const a = access(conf({ path: 'release/{DATE}' }));
    const content = randomBytes(3 * 1024 * 1024);
    await a.put('big', content, 'application/octet-stream');
    // More reads than the client's 64 sockets (sdk-store.ts): a connection held by an abandoned
    // read would leave the last ones waiting for a socket until the request timeout fails them.
    for (let i = 0; i < 70; i++) {
      for await (const chunk of (await a.read('big'))!) {
        assert.ok(chunk.length > 0);
        break;
      }
    }
    assert.ok((await drain((await a.read('big'))!)).bytes.equals(content));
  });

  it('a destination without a path has the bucket root as its root', async () => {
    const own = uniqueBucket('sluice-object-access-root');
    await createBucket(own);
    const a = access(conf({ bucket: own, path: '' }));
    assert.equal(a.root, `s3://${own}/`);
    await a.put('a/b.json', Buffer.from('b'), 'application/json');
    assert.deepEqual(await listKeys(own), ['a/b.json']);
    assert.deepEqual(await a.list(''), ['a/b.json']);
    assert.equal(a.keyOfLocation(`s3://${own}/a/b.json`), 'a/b.json');
  });

  it('keyOfLocation maps an S3Destination receipt to its key, and other locations to null', async () => {
    const confText = conf({ path: 'audit/{DATE}' });
    const destination = new S3Destination(confText, { network: LOOPBACK_ALLOWED });
    opened.push(destination);
    const receipt = await destination.deliver({
      jobId: 7, batchId: 'aaaabbbbccccdddd', startNs: '1795774500000000000', endNs: '1795774559000000000', compression: 'none',
      chunks: ChunkStream.of([Buffer.from('{"a":1}\n')]), contentType: 'application/x-ndjson',
    });
    const a = objectAccessFor(confText, { network: LOOPBACK_ALLOWED })!;
    opened.push(a);
    const key = a.keyOfLocation(receipt.location);
    assert.equal(key, '20261127/20261127T101500Z_20261127T101559Z_aaaabbbbccccdddd.log');
    assert.deepEqual(await a.list(''), [key]);
    assert.equal(text(await a.get(key!)), '{"a":1}\n');

    assert.equal(a.keyOfLocation(`s3://${bucket}/audit/`), null);
    assert.equal(a.keyOfLocation(`s3://${bucket}/logs/20261127/x.log`), null);
    assert.equal(a.keyOfLocation(`s3://${bucket}-other/audit/20261127/x.log`), null);
    assert.equal(a.keyOfLocation(`gs://${bucket}/audit/20261127/x.log`), null);
    assert.equal(a.keyOfLocation(`/audit/20261127/x.log`), null);
  });

  it('wrong credentials: put, get and list fail with a non-retryable DeliveryError that does not show the secret', async () => {
    const wrong = 'definitely-not-the-secret-0123456789';
    const a = access(conf({ secret: wrong }));
    const check = (error: unknown): boolean => {
      assert.ok(error instanceof DeliveryError, String(error));
      assert.equal(error.code, 'ERR_S3_ACCESS_DENIED');
      assert.equal(error.retryable, false);
      assert.ok(!error.message.includes(wrong), error.message);
      assert.ok(!error.message.includes(server.accessKeyId), error.message);
      assert.match(error.message, new RegExp(bucket));
      return true;
    };
    await assert.rejects(a.put('_digests/1/c/000000.json', Buffer.from('x'), 'application/json'), check);
    await assert.rejects(a.get('_digests/1/c/000000.json'), check);
    await assert.rejects(a.list('_digests/'), check);
    await assert.rejects(a.read('_digests/1/c/000000.json'), check);
    await assert.rejects(a.listInfo('_digests/'), check);
    assert.ok(!a.root.includes(wrong));
  });
});
