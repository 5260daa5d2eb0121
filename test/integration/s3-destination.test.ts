// The object storage destination against a real S3 server (versitygw via scripts/s3.sh), and
// through Toxiproxy for faults. This file stops and restarts its server, so it always runs its
// own instance on a port of its own: other test files running in parallel keep theirs.

process.env['SLUICE_S3_PORT'] = '39117';

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ChunkStream } from '../../src/destinations/chunk-stream.ts';
import { DeliveryError, type DeliveryObject } from '../../src/destinations/destination.ts';
import { s3ConfigFrom } from '../../src/destinations/s3/config.ts';
import { S3Destination } from '../../src/destinations/s3/s3-destination.ts';
import { SdkObjectStore } from '../../src/destinations/s3/sdk-store.ts';
import { validateS3Destination } from '../../src/destinations/s3/validate.ts';
import { waitUntil } from './support/wait.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

const s3 = await import('../helpers/s3.ts');
const toxiproxy = await import('../helpers/toxiproxy.ts');

const MiB = 1024 * 1024;
let server: Awaited<ReturnType<typeof s3.ensureS3>>;
let bucket: string;
const destinations: S3Destination[] = [];

function conf(options: { bucket?: string; endpoint?: string; secret?: string; extra?: string } = {}): string {
  return (
    `s3://${options.bucket ?? bucket}/logs/{DATE}?region=${server.region}&endpoint=${options.endpoint ?? server.endpoint}` +
    `&access-key-id=${server.accessKeyId}&secret-access-key=${options.secret ?? server.secretAccessKey}&part-size=${5 * MiB}${options.extra ?? ''}`
  );
}

/** A destination whose SDK requests (every attempt, after the SDK's retry layer) are counted. */
function destination(confText: string): { destination: S3Destination; requests: string[] } {
  const store = new SdkObjectStore(s3ConfigFrom(confText), LOOPBACK_ALLOWED, { connectionTimeoutMs: 2000, socketTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
  const requests: string[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(String(context.commandName));
      return next(args);
    },
    { step: 'deserialize', name: 'countRequests' },
  );
  const built = new S3Destination(confText, { network: LOOPBACK_ALLOWED, store });
  destinations.push(built);
  return { destination: built, requests };
}

let batchCounter = 0;
function object(chunks: AsyncIterable<Uint8Array>, overrides: Partial<DeliveryObject> = {}): DeliveryObject {
  return {
    jobId: 7,
    batchId: (++batchCounter).toString(16).padStart(16, '0'),
    startNs: '1767225600000000000',
    endNs: '1767225660000000000',
    compression: 'none',
    chunks,
    contentType: 'application/x-ndjson',
    ...overrides,
  };
}

function keyOf(location: string): string {
  return location.slice(`s3://${bucket}/`.length);
}

/** The delivery's error (or null), with a handler attached at once: it may fail while the test is still stopping the server. */
function settle(delivery: Promise<unknown>): Promise<DeliveryError | null> {
  return delivery.then(() => null, (error: unknown) => error as DeliveryError);
}

function waitFor(check: () => boolean, what: string): Promise<void> {
  return waitUntil(check, what, { timeoutMs: 20_000, intervalMs: 5 });
}

before(async () => {
  server = await s3.ensureS3();
  bucket = s3.uniqueBucket('s3-destination');
  await s3.createBucket(bucket);
});

after(async () => {
  for (const built of destinations) await built.close();
  await s3.stopS3('kill');
});

describe('S3Destination against a real S3 server', () => {
  it('streams a batch of more than 3 parts into one object with exactly the chunk bytes', async () => {
    const { destination: dest, requests } = destination(conf({ extra: '&parts-in-flight=4' }));
    const chunks = Array.from({ length: 20 }, () => randomBytes(MiB));
    const receipt = await dest.deliver(object(ChunkStream.of(chunks)));
    assert.deepEqual(await s3.getObjectBytes(bucket, keyOf(receipt.location)), Buffer.concat(chunks));
    assert.equal(requests.filter((r) => r === 'UploadPartCommand').length, 4);
    assert.equal(requests.filter((r) => r === 'CompleteMultipartUploadCommand').length, 1);
    assert.deepEqual(await s3.listMultipartUploads(bucket), []);
  });

  it('stores a gzip object whose bytes decompress to the lines, with Content-Encoding gzip', async () => {
    const { destination: dest } = destination(conf());
    const lines: string[] = [];
    const members: Buffer[] = [];
    // Hex text compresses about 2:1, so four members of ~2 MiB make a multipart object.
    for (let m = 0; m < 4; m++) {
      const block: string[] = [];
      for (let i = 0; i < 4000; i++) block.push(JSON.stringify({ m, i, v: randomBytes(500).toString('hex') }));
      lines.push(...block);
      members.push(gzipSync(block.join('\n') + '\n', { level: 1 }));
    }
    const receipt = await dest.deliver(object(ChunkStream.of(members), { compression: 'gzip' }));
    assert.match(receipt.location, /\.log\.gz$/);
    const stored = await s3.getObjectBytes(bucket, keyOf(receipt.location));
    assert.ok(stored.length > 5 * MiB, 'large enough to have gone multipart');
    assert.equal(gunzipSync(stored).toString(), lines.join('\n') + '\n');
    const client = s3.s3Client();
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(receipt.location) }));
      assert.equal(head.ContentEncoding, 'gzip');
      assert.equal(head.ContentType, 'application/x-ndjson');
    } finally {
      client.destroy();
    }
  });

  it('uploads with checksum=when-required too (stores that reject CRC32 checksums)', async () => {
    const { destination: dest } = destination(conf({ extra: '&checksum=when-required' }));
    for (const chunks of [[randomBytes(1000)], Array.from({ length: 11 }, () => randomBytes(MiB))]) {
      const receipt = await dest.deliver(object(ChunkStream.of(chunks)));
      assert.deepEqual(await s3.getObjectBytes(bucket, keyOf(receipt.location)), Buffer.concat(chunks));
    }
  });

  it('sends a small object as one PutObject', async () => {
    const { destination: dest, requests } = destination(conf());
    const chunks = [Buffer.from('{"a":1}\n'), Buffer.from('{"a":2}\n')];
    const receipt = await dest.deliver(object(ChunkStream.of(chunks)));
    assert.deepEqual(requests, ['PutObjectCommand']);
    assert.deepEqual(await s3.getObjectBytes(bucket, keyOf(receipt.location)), Buffer.concat(chunks));
  });

  it('delivers two concurrent uploads to one bucket', async () => {
    const { destination: a } = destination(conf());
    const { destination: b } = destination(conf({ extra: '&parts-in-flight=2' }));
    const chunksA = Array.from({ length: 12 }, () => randomBytes(MiB));
    const chunksB = Array.from({ length: 11 }, () => randomBytes(MiB));
    const [ra, rb] = await Promise.all([a.deliver(object(ChunkStream.of(chunksA))), b.deliver(object(ChunkStream.of(chunksB)))]);
    assert.notEqual(ra.location, rb.location);
    assert.deepEqual(await s3.getObjectBytes(bucket, keyOf(ra.location)), Buffer.concat(chunksA));
    assert.deepEqual(await s3.getObjectBytes(bucket, keyOf(rb.location)), Buffer.concat(chunksB));
  });

  it('reports a wrong secret as ERR_S3_ACCESS_DENIED after exactly one request', async () => {
    const secret = 'not-the-secret-at-all';
    for (const chunks of [[randomBytes(100)], Array.from({ length: 6 }, () => randomBytes(MiB))]) {
      const { destination: dest, requests } = destination(conf({ secret }));
      await assert.rejects(dest.deliver(object(ChunkStream.of(chunks))), (error: DeliveryError) => {
        assert.equal(error.code, 'ERR_S3_ACCESS_DENIED');
        assert.equal(error.retryable, false);
        assert.match(error.message, /check access-key-id\/secret-access-key in destination_conf/);
        assert.ok(!error.message.includes(secret) && !error.message.includes(server.secretAccessKey), error.message);
        return true;
      });
      assert.equal(requests.length, 1, `no retry storm: ${requests}`);
    }
  });

  it('reports a missing bucket as ERR_S3_NO_SUCH_BUCKET', async () => {
    const { destination: dest } = destination(conf({ bucket: s3.uniqueBucket('missing') }));
    await assert.rejects(dest.deliver(object(ChunkStream.of([randomBytes(10)]))), { code: 'ERR_S3_NO_SUCH_BUCKET', retryable: false });
    const validation = await validateS3Destination(conf({ bucket: s3.uniqueBucket('missing') }), { network: LOOPBACK_ALLOWED });
    assert.equal(validation.code, 'ERR_S3_NO_SUCH_BUCKET');
    assert.equal((await validateS3Destination(conf(), { network: LOOPBACK_ALLOWED })).ok, true);
  });

  it('leaves no multipart upload and no object behind when the chunk stream fails mid-upload', async () => {
    const { destination: dest, requests } = destination(conf());
    const stream = new ChunkStream();
    const delivery = settle(dest.deliver(object(stream)));
    for (let i = 0; i < 11; i++) stream.push(randomBytes(MiB));
    await waitFor(() => requests.includes('UploadPartCommand'), 'a part to be sent');
    stream.fail(new Error('worker crashed'));
    assert.equal((await delivery)?.code, 'ERR_CHUNK_STREAM');
    assert.ok(requests.includes('AbortMultipartUploadCommand'));
    assert.deepEqual(await s3.listMultipartUploads(bucket), []);
  });

  it('fails retryably while the server is down mid-upload, and a later retry completes', async () => {
    const { destination: dest, requests } = destination(conf({ extra: '&parts-in-flight=1' }));
    const stream = new ChunkStream();
    const chunks = Array.from({ length: 16 }, () => randomBytes(MiB));
    const first = object(stream);
    const attempt = settle(dest.deliver(first));
    // Chunks arrive slowly: the server dies after part 1 was sent, while the rest is compressing.
    for (const chunk of chunks.slice(0, 6)) stream.push(chunk);
    await waitFor(() => requests.includes('UploadPartCommand'), 'part 1 to be sent');
    await s3.stopS3('kill');
    for (const chunk of chunks.slice(6)) stream.push(chunk);
    stream.end();
    const failure = await attempt;
    assert.ok(failure instanceof DeliveryError, 'the attempt fails while the server is down');
    assert.equal(failure.retryable, true, `${failure.code}: ${failure.message}`);

    await s3.startS3();
    // The pipeline retries with backoff; a few immediate tries stand in for it here.
    let receipt: { location: string } | null = null;
    for (let i = 0; i < 5 && receipt === null; i++) {
      try {
        receipt = await dest.deliver(first);
      } catch (error) {
        assert.equal((error as DeliveryError).retryable, true, (error as Error).message);
      }
    }
    assert.ok(receipt, 'a retry after the restart completes');
    assert.deepEqual(await s3.getObjectBytes(bucket, keyOf(receipt.location)), Buffer.concat(chunks));
    // The first attempt's abort could not reach the server; the sweep removes that upload.
    await dest.sweepAbandonedUploads(0);
    assert.deepEqual(await s3.listMultipartUploads(bucket), []);
  });

  it('through Toxiproxy: latency then reset mid-upload fails retryably, shows no half object, leaves no upload', async () => {
    const port = new URL(server.endpoint).port;
    const proxy = await toxiproxy.createProxy(toxiproxy.uniqueProxyName('s3-destination'), '127.0.0.1:0', `127.0.0.1:${port}`);
    try {
      const { destination: dest, requests } = destination(conf({ endpoint: `http://${proxy.listen}`, extra: '&parts-in-flight=2' }));
      await toxiproxy.addToxic(proxy, { type: 'latency', attributes: { latency: 50, jitter: 10 } });
      const stream = new ChunkStream();
      const chunks = Array.from({ length: 16 }, () => randomBytes(MiB));
      const batch = object(stream);
      const attempt = settle(dest.deliver(batch));
      for (const chunk of chunks.slice(0, 6)) stream.push(chunk);
      await waitFor(() => requests.includes('UploadPartCommand'), 'part 1 to be sent');
      const reset = await toxiproxy.addToxic(proxy, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
      for (const chunk of chunks.slice(6)) stream.push(chunk);
      stream.end();
      const failure = await attempt;
      assert.ok(failure instanceof DeliveryError, 'the attempt fails while connections are reset');
      assert.equal(failure.retryable, true, `${failure.code}: ${failure.message}`);
      assert.deepEqual((await s3.listKeys(bucket)).filter((k) => k.includes(batch.batchId)), [], 'no half-written object');

      await toxiproxy.removeToxic(proxy, reset);
      await dest.sweepAbandonedUploads(0);
      assert.deepEqual(await s3.listMultipartUploads(bucket), []);
      const receipt = await dest.deliver(batch);
      assert.deepEqual(await s3.getObjectBytes(bucket, keyOf(receipt.location)), Buffer.concat(chunks));
      assert.deepEqual(await s3.listMultipartUploads(bucket), []);
    } finally {
      await toxiproxy.deleteProxy(proxy);
    }
  });
});
