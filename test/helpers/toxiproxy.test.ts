// Toxiproxy between a client and the real S3 server: requests through an intact proxy work,
// a reset_peer toxic or a disabled proxy makes them fail, and healing it makes them work again.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createBucket, ensureS3, getObjectBytes, s3Client, S3_HOST_PORT, uniqueBucket } from './s3.ts';
import { addToxic, createProxy, deleteProxy, disableProxy, enableProxy, ensureToxiproxy, getProxy, removeToxic, uniqueProxyName, ToxiproxyError } from './toxiproxy.ts';
import type { ToxiProxy } from './toxiproxy.ts';

before(async () => {
  await Promise.all([ensureS3(), ensureToxiproxy()]);
});

/** One request through the proxy on a fresh client (no pooled connection, no SDK retry). */
async function listThrough(proxy: ToxiProxy, bucket: string): Promise<{ ok: true; keys: number } | { ok: false; error: string }> {
  const client = s3Client({ endpoint: `http://${proxy.listen}`, maxAttempts: 1, requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 } });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return { ok: true, keys: page.KeyCount ?? 0 };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  } finally {
    client.destroy();
  }
}

test('createProxy picks a free loopback port for 127.0.0.1:0 and refuses non-loopback addresses', async () => {
  const proxy = await createProxy(uniqueProxyName('port0'), '127.0.0.1:0', S3_HOST_PORT);
  try {
    assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(proxy.listen, '127.0.0.1:0');
    assert.equal(proxy.enabled, true);
    assert.deepEqual(await getProxy(proxy), proxy);
  } finally {
    await deleteProxy(proxy);
  }
  await assert.rejects(createProxy(uniqueProxyName('far'), '0.0.0.0:0', S3_HOST_PORT), ToxiproxyError);
  await assert.rejects(getProxy(proxy), (error: unknown) => error instanceof ToxiproxyError && error.status === 404);
});

test('S3 requests through the proxy work, fail under reset_peer or when disabled, and work again when healed', async () => {
  const bucket = uniqueBucket('toxic');
  await createBucket(bucket);
  const direct = s3Client();
  await direct.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'through the proxy' }));
  direct.destroy();
  const proxy = await createProxy(uniqueProxyName('s3'), '127.0.0.1:0', S3_HOST_PORT);
  try {
    assert.deepEqual(await listThrough(proxy, bucket), { ok: true, keys: 1 });

    const toxic = await addToxic(proxy, { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
    const reset = await listThrough(proxy, bucket);
    assert.equal(reset.ok, false, 'a request through a reset_peer proxy succeeded');
    await removeToxic(proxy, toxic);
    assert.deepEqual(await listThrough(proxy, bucket), { ok: true, keys: 1 });

    await disableProxy(proxy);
    const refused = await listThrough(proxy, bucket);
    assert.equal(refused.ok, false, 'a request through a disabled proxy succeeded');
    await enableProxy(proxy);
    assert.deepEqual(await listThrough(proxy, bucket), { ok: true, keys: 1 });
  } finally {
    await deleteProxy(proxy);
  }
  // The proxy only ever sat in front of the server: the object is intact.
  assert.deepEqual(await getObjectBytes(bucket, 'k'), Buffer.from('through the proxy'));
});
