// The fixed root account of the test S3 server. scripts/s3.sh starts versitygw with the same
// two values (keep them in step); tests sign with them, and a wrong secret must get a 403.
// These guard a throwaway server on loopback, not anything real.

export const S3_TEST_ACCESS_KEY_ID = 'sluice-test';
export const S3_TEST_SECRET_ACCESS_KEY = 'sluice-test-secret';
export const S3_TEST_REGION = 'us-east-1';

// Azurite's development account (scripts/azurite.sh): its name and key are fixed and published
// by Microsoft for the emulator; tests sign SAS tokens with them. Loopback only.
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
