import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import type { DeliveryObject } from '../../../src/destinations/destination.ts';
import { objectHeadersFor } from '../../../src/destinations/s3/headers.ts';
import { keyMatcher, listingPrefix, objectKey } from '../../../src/destinations/s3/keys.ts';

const OBJECT: DeliveryObject = {
  jobId: 7,
  batchId: '0123456789abcdef',
  startNs: '1767225600123456789', // 2026-01-01T00:00:00Z
  endNs: '1767225665000000000',
  compression: 'gzip',
  chunks: ChunkStream.of([]),
};

describe('object keys', () => {
  it('joins the date-expanded path and the object name', () => {
    assert.equal(objectKey('logs/{DATE}', OBJECT), 'logs/20260101/20260101T000000Z_20260101T000105Z_0123456789abcdef.log.gz');
    assert.equal(objectKey('', OBJECT), '20260101T000000Z_20260101T000105Z_0123456789abcdef.log.gz');
    assert.equal(objectKey('a/{DATE}/b', { ...OBJECT, compression: 'none' }), 'a/20260101/b/20260101T000000Z_20260101T000105Z_0123456789abcdef.log');
  });

  it('is the same for the same batch (a retry overwrites the key)', () => {
    assert.equal(objectKey('logs/{DATE}', { ...OBJECT, chunks: ChunkStream.of([new Uint8Array(3)]) }), objectKey('logs/{DATE}', OBJECT));
    assert.notEqual(objectKey('logs/{DATE}', { ...OBJECT, batchId: 'fedcba9876543210' }), objectKey('logs/{DATE}', OBJECT));
  });

  it('lists from the fixed prefix and matches exactly the keys the template produces', () => {
    assert.equal(listingPrefix('logs/{DATE}'), 'logs/');
    assert.equal(listingPrefix('logs'), 'logs/');
    assert.equal(listingPrefix(''), '');
    const matcher = keyMatcher('logs.v1/{DATE}');
    assert.ok(matcher.test(objectKey('logs.v1/{DATE}', OBJECT)));
    assert.ok(matcher.test(objectKey('logs.v1/{DATE}', { ...OBJECT, compression: 'zstd' })));
    assert.ok(!matcher.test('logs.v1/20260101/ownership-challenge.txt'));
    assert.ok(!matcher.test('logsXv1/20260101/20260101T000000Z_20260101T000105Z_0123456789abcdef.log.gz'), '. is literal');
    assert.ok(!matcher.test('logs.v1/2026/20260101T000000Z_20260101T000105Z_0123456789abcdef.log.gz'));
    assert.ok(keyMatcher('').test(objectKey('', OBJECT)));
  });
});

describe('object headers', () => {
  it('sets the decoded type with a content coding for gzip and zstd', () => {
    assert.deepEqual(objectHeadersFor('gzip', 'application/x-ndjson', true, 'AES256'), { contentType: 'application/x-ndjson', contentEncoding: 'gzip', serverSideEncryption: 'AES256' });
    assert.deepEqual(objectHeadersFor('zstd', 'text/csv', true, null), { contentType: 'text/csv', contentEncoding: 'zstd', serverSideEncryption: null });
  });

  it('stores snappy and none without a coding, and the stored type when content-encoding=none', () => {
    assert.deepEqual(objectHeadersFor('snappy', 'application/x-ndjson', true, null), { contentType: 'application/x-snappy-framed', contentEncoding: null, serverSideEncryption: null });
    assert.deepEqual(objectHeadersFor('none', 'application/x-ndjson', true, null), { contentType: 'application/x-ndjson', contentEncoding: null, serverSideEncryption: null });
    assert.deepEqual(objectHeadersFor('gzip', 'application/x-ndjson', false, null), { contentType: 'application/gzip', contentEncoding: null, serverSideEncryption: null });
    assert.equal(objectHeadersFor('none', undefined, true, null).contentType, 'text/plain; charset=utf-8');
  });
});
