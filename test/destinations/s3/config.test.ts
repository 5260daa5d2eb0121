import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { redactDestinationConf } from '../../../src/destinations/destination-conf.ts';
import { DEFAULT_PART_SIZE, s3ConfigFrom } from '../../../src/destinations/s3/config.ts';

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRET';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const CREDS = `access-key-id=${KEY_ID}&secret-access-key=${SECRET}`;

function problem(conf: string): DeliveryError {
  try {
    s3ConfigFrom(conf);
  } catch (error) {
    assert.ok(error instanceof DeliveryError, String(error));
    assert.equal(error.code, 'ERR_DESTINATION_CONF');
    assert.equal(error.retryable, false);
    assert.ok(!error.message.includes(SECRET), error.message);
    assert.ok(!error.message.includes(KEY_ID), error.message);
    return error;
  }
  assert.fail(`accepted ${conf}`);
}

describe('s3ConfigFrom', () => {
  it('parses an AWS s3: conf with defaults (virtual-hosted, crc32, 8 MiB parts, 4 in flight)', () => {
    const config = s3ConfigFrom(`s3://my-bucket/logs/{DATE}/?region=eu-west-1&${CREDS}&sse=AES256`);
    assert.equal(config.scheme, 's3');
    assert.equal(config.bucket, 'my-bucket');
    assert.equal(config.pathTemplate, 'logs/{DATE}');
    assert.equal(config.region, 'eu-west-1');
    assert.equal(config.endpoint, null);
    assert.equal(config.endpointLabel, 'https://s3.eu-west-1.amazonaws.com');
    assert.deepEqual(config.credentials, { accessKeyId: KEY_ID, secretAccessKey: SECRET });
    assert.equal(config.sse, 'AES256');
    assert.equal(config.partSize, DEFAULT_PART_SIZE);
    assert.equal(config.partsInFlight, 4);
    assert.equal(config.checksum, 'crc32');
    assert.equal(config.contentEncoding, true);
    assert.ok(!config.redactedConf.includes(SECRET));
  });

  it('takes an S3-compatible endpoint and the sluice settings', () => {
    const config = s3ConfigFrom(
      `s3://logs/a/b?region=us-east-1&endpoint=http://127.0.0.1:9000/&${CREDS}&part-size=16777216&parts-in-flight=8&checksum=when-required&content-encoding=none`,
    );
    assert.equal(config.endpoint, 'http://127.0.0.1:9000');
    assert.equal(config.partSize, 16 * 1024 * 1024);
    assert.equal(config.partsInFlight, 8);
    assert.equal(config.checksum, 'when-required');
    assert.equal(config.contentEncoding, false);
  });

  it('reads an endpoint without a scheme as https, as Cloudflare\'s docs write it', () => {
    assert.equal(s3ConfigFrom(`s3://logs/a?region=us-east-1&endpoint=sfo2.digitaloceanspaces.com&${CREDS}`).endpoint, 'https://sfo2.digitaloceanspaces.com');
    assert.equal(s3ConfigFrom(`s3://logs/a?endpoint=minio.internal:9000&${CREDS}`).endpoint, 'https://minio.internal:9000');
    assert.equal(s3ConfigFrom(`r2://logs/a?account-id=abc&endpoint=127.0.0.1:9000&${CREDS}`).endpoint, 'https://127.0.0.1:9000');
    assert.equal(s3ConfigFrom(`gs://logs/a?endpoint=%5B%3A%3A1%5D:9000&${CREDS}`).endpoint, 'https://[::1]:9000');
  });

  it('uses the default credential chain for s3: without keys', () => {
    assert.equal(s3ConfigFrom('s3://bucket/p?region=us-east-1').credentials, null);
    assert.equal(s3ConfigFrom('s3://bucket').pathTemplate, '');
  });

  it('builds R2 and GCS endpoints', () => {
    const r2 = s3ConfigFrom(`r2://bucket/p/{DATE}?account-id=0123abcd&${CREDS}`);
    assert.equal(r2.endpoint, 'https://0123abcd.r2.cloudflarestorage.com');
    assert.equal(r2.region, 'auto');
    assert.equal(r2.checksum, 'crc32');
    const gs = s3ConfigFrom(`gs://bucket_with_underscore/p?${CREDS}`);
    assert.equal(gs.endpoint, 'https://storage.googleapis.com');
    assert.equal(gs.checksum, 'when-required', 'GCS rejects the SDK default checksum headers');
  });

  it('names the part that is wrong, never echoing a secret', () => {
    const cases: Array<[string, RegExp]> = [
      [`s3://bucket/p?region=us-east-1&secret-access-key=${SECRET}`, /access-key-id is missing/],
      [`s3://bucket/p?access-key-id=${KEY_ID}`, /secret-access-key is missing/],
      [`s3://bucket/p?${CREDS}&region=US_EAST`, /region/],
      [`s3://bucket/p?${CREDS}&endpoint=ftp://h`, /endpoint must start with https:\/\/ or http:\/\//],
      [`s3://bucket/p?${CREDS}&endpoint=not%20a%20url`, /endpoint must be a URL/],
      [`s3://bucket/p?${CREDS}&endpoint=https://u:${SECRET}@h:9000`, /endpoint must not carry credentials/],
      [`s3://bucket/p?${CREDS}&endpoint=https://h:9000/bucket`, /endpoint must be just \[scheme:\/\/\]host/],
      [`s3://bucket/p?${CREDS}&endpoint=h:9000/bucket`, /endpoint must be just \[scheme:\/\/\]host/],
      [`s3://bucket/p?${CREDS}&endpoint=u:${SECRET}@h:9000`, /endpoint must not carry credentials/],
      [`s3://bucket/p?${CREDS}&endpoint=h:port`, /endpoint must be a URL/],
      [`s3://bucket/p?${CREDS}&sse=DES`, /sse must be AES256 or aws:kms/],
      [`s3://bucket/p?${CREDS}&part-size=1024`, /part-size must be a whole number from 5242880/],
      [`s3://bucket/p?${CREDS}&part-size=8MiB`, /part-size/],
      [`s3://bucket/p?${CREDS}&parts-in-flight=0`, /parts-in-flight/],
      [`s3://bucket/p?${CREDS}&checksum=md5`, /checksum must be crc32 or when-required/],
      [`s3://bucket/p?${CREDS}&content-encoding=br`, /content-encoding must be auto or none/],
      [`s3://bucket/p?${CREDS}&part_size=1`, /unknown query parameter "part_size"/],
      [`s3://bucket/p?${CREDS}&${SECRET}`, /unknown query parameter \(name not shown/],
      [`s3://bucket/p?${CREDS}&X-Amz-Security-Token=${SECRET}`, /unknown query parameter \(name not shown/],
      [`s3://Bad_Bucket!/p?${CREDS}`, /not a valid bucket name/],
      [`s3://${KEY_ID}:${SECRET}@bucket/p`, /credentials as access-key-id and secret-access-key/],
      [`r2://bucket/p?${CREDS}`, /needs the account-id parameter/],
      ['r2://bucket/p?account-id=abc', /needs access-key-id and secret-access-key/],
      ['gs://bucket/p', /GCS HMAC key/],
      [`r2://bucket/p?account-id=abc&${CREDS}&region=us-east-1`, /unknown query parameter "region"/],
    ];
    for (const [conf, pattern] of cases) assert.match(problem(conf).message, pattern, conf);
  });

  it('redacts credentials inside an endpoint URL in the redacted conf', () => {
    const redacted = redactDestinationConf(`s3://bucket/p?endpoint=https://u:${SECRET}@h:9000&${CREDS}`);
    assert.ok(!redacted.includes(SECRET), redacted);
    assert.match(redacted, /endpoint=https:\/\/REDACTED@h:9000/);
  });

  it('refuses other schemes', () => {
    assert.match(problem('https://h/p').message, /needs s3:\/\/, r2:\/\/ or gs:\/\//);
  });
});
