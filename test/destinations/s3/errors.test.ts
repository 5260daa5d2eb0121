import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { retryAfterOf, s3DeliveryError } from '../../../src/destinations/s3/errors.ts';
import { networkError, sdkError } from './fake-store.ts';
import { DESTINATION_UNREACHABLE } from '../../../src/destinations/net/unreachable.ts';

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRET';
const CTX = { operation: 'PutObject', endpoint: 'http://127.0.0.1:9000', bucket: 'logs', key: 'a/b.log.gz', secrets: [SECRET, 'AKIAEXAMPLE'] };

describe('s3DeliveryError', () => {
  it('maps every class of failure to a code and a retry decision', () => {
    const table: Array<[unknown, string, boolean]> = [
      [sdkError('InvalidAccessKeyId', 403), 'ERR_S3_ACCESS_DENIED', false],
      [sdkError('SignatureDoesNotMatch', 403), 'ERR_S3_ACCESS_DENIED', false],
      [sdkError('AccessDenied', 403), 'ERR_S3_ACCESS_DENIED', false],
      [sdkError('ExpiredToken', 400), 'ERR_S3_ACCESS_DENIED', false],
      [sdkError('403', 403), 'ERR_S3_ACCESS_DENIED', false],
      [sdkError('NoSuchBucket', 404), 'ERR_S3_NO_SUCH_BUCKET', false],
      [sdkError('InvalidRequest', 400, 'Content-MD5 mismatch'), 'ERR_S3_REQUEST', false],
      [sdkError('EntityTooLarge', 400), 'ERR_S3_REQUEST', false],
      [sdkError('InvalidArgument', 400), 'ERR_S3_REQUEST', false],
      [sdkError('RequestTimeout', 400), 'ERR_S3_RETRYABLE', true],
      [sdkError('NoSuchUpload', 404), 'ERR_S3_RETRYABLE', true],
      [sdkError('SlowDown', 503), 'ERR_S3_THROTTLED', true],
      [sdkError('ServiceUnavailable', 503), 'ERR_S3_THROTTLED', true],
      [sdkError('TooManyRequests', 429), 'ERR_S3_THROTTLED', true],
      [sdkError('InternalError', 500), 'ERR_S3_SERVER', true],
      [sdkError('BadGateway', 502), 'ERR_S3_SERVER', true],
      [networkError('ECONNREFUSED'), DESTINATION_UNREACHABLE, true],
      [networkError('ECONNRESET'), DESTINATION_UNREACHABLE, true],
      [networkError('ETIMEDOUT'), DESTINATION_UNREACHABLE, true],
      [Object.assign(new Error('socket hang up'), { cause: { code: 'ECONNRESET' } }), DESTINATION_UNREACHABLE, true],
      [Object.assign(new Error('request timed out'), { name: 'TimeoutError' }), DESTINATION_UNREACHABLE, true],
      [new Error('Unexpected token < in XML'), 'ERR_S3_UNEXPECTED', true],
      ['a string', 'ERR_S3_UNEXPECTED', true],
    ];
    for (const [error, code, retryable] of table) {
      const mapped = s3DeliveryError(error, CTX);
      assert.ok(mapped instanceof DeliveryError);
      assert.equal(mapped.code, code, String((error as Error).name ?? error));
      assert.equal(mapped.retryable, retryable, code);
      assert.equal(mapped.cause, error);
    }
  });

  it('writes messages that say what to fix', () => {
    assert.match(
      s3DeliveryError(sdkError('SignatureDoesNotMatch', 403), CTX).message,
      /the access key was rejected by http:\/\/127\.0\.0\.1:9000 \(SignatureDoesNotMatch\): check access-key-id\/secret-access-key in destination_conf/,
    );
    assert.match(s3DeliveryError(sdkError('NoSuchBucket', 404), CTX).message, /bucket "logs" does not exist at http:\/\/127\.0\.0\.1:9000/);
    assert.match(s3DeliveryError(sdkError('InvalidRequest', 400, 'Content-MD5 mismatch'), CTX).message, /PutObject s3:\/\/logs\/a\/b\.log\.gz .*400 InvalidRequest.*Content-MD5 mismatch/);
  });

  it('scrubs secrets a server echoes back', () => {
    const echoed = sdkError('InvalidArgument', 400, `bad header x-amz-security-token: ${SECRET} for AKIAEXAMPLE`);
    const message = s3DeliveryError(echoed, CTX).message;
    assert.ok(!message.includes(SECRET) && !message.includes('AKIAEXAMPLE'), message);
  });

  it('passes DeliveryErrors through', () => {
    const original = new DeliveryError('ERR_CHUNK_STREAM', 'x', false);
    assert.equal(s3DeliveryError(original, CTX), original);
  });

  it('honours Retry-After (seconds or a date); SlowDown without it leaves the delay to the backoff', () => {
    assert.equal(s3DeliveryError(sdkError('SlowDown', 503, 'slow', { 'retry-after': '7' }), CTX).retryAfterMs, 7000);
    assert.equal(s3DeliveryError(sdkError('TooManyRequests', 429, 'slow', { 'Retry-After': '2' }), CTX).retryAfterMs, 2000);
    assert.equal(s3DeliveryError(sdkError('SlowDown', 503), CTX).retryAfterMs, null);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterOf({ $response: { headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' } } }, now), 5000);
    assert.equal(retryAfterOf({ $response: { headers: { 'retry-after': 'soon' } } }, now), null);
  });
});
