// The ownership challenge written into a real S3 bucket: the file holds exactly the token, in
// the destination's folder (above its {DATE} folders); a wrong secret fails with a redacted,
// non-retryable error.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DeliveryError } from '../../src/destinations/destination.ts';
import { writeS3OwnershipChallenge } from '../../src/destinations/s3/ownership.ts';
import { createBucket, ensureS3, getObjectBytes, uniqueBucket } from '../helpers/s3.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

it('writes ownership-challenge.txt under the destination path', async () => {
  const s3 = await ensureS3();
  const bucket = uniqueBucket('sluice-ownership');
  await createBucket(bucket);
  const conf = (secret: string) => `s3://${bucket}/team-a/{DATE}?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}&access-key-id=${s3.accessKeyId}&secret-access-key=${secret}`;
  const written = await writeS3OwnershipChallenge(conf(s3.secretAccessKey), { name: 'ownership-challenge.txt', content: 'token-123' }, { network: LOOPBACK_ALLOWED });
  // The bucket path, as Logpush answers it: no scheme, and above the {DATE} folders.
  assert.equal(written.filename, `${bucket}/team-a/ownership-challenge.txt`);
  assert.equal((await getObjectBytes(bucket, 'team-a/ownership-challenge.txt')).toString(), 'token-123');

  const wrong = 'definitely-not-the-secret-0123456789';
  await assert.rejects(writeS3OwnershipChallenge(conf(wrong), { name: 'ownership-challenge.txt', content: 'x' }, { network: LOOPBACK_ALLOWED }), (error: unknown) => {
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.code, 'ERR_S3_ACCESS_DENIED');
    assert.equal(error.retryable, false);
    assert.ok(!error.message.includes(wrong), error.message);
    return true;
  });
});
