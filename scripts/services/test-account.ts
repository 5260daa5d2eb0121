// The fixed root account of the test S3 server. scripts/s3.sh starts versitygw with the same
// two values (keep them in step); tests sign with them, and a wrong secret must get a 403.
// These guard a throwaway server on loopback, not anything real.

export const S3_TEST_ACCESS_KEY_ID = 'sluice-test';
export const S3_TEST_SECRET_ACCESS_KEY = 'sluice-test-secret';
export const S3_TEST_REGION = 'us-east-1';
