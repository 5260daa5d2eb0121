// Are the test S3 server, Azurite and Toxiproxy usable — not merely listening? S3: a signed
// ListBuckets with the test account succeeds (so a foreign S3 server with other credentials does
// not pass for ours). Azurite: a signed Get Blob Service Properties with the development account
// succeeds. Toxiproxy: GET /version answers 200. Used by scripts/services/wait-ready.ts (the
// shell scripts' readiness wait) and by the test helpers' "is it up already?" check.

import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY, S3_TEST_ACCESS_KEY_ID, S3_TEST_REGION, S3_TEST_SECRET_ACCESS_KEY } from './test-account.ts';
import { portOpen } from './wait-for-service.ts';
import type { ServiceCheck } from './wait-for-service.ts';

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`;
}

export const checkS3Once: ServiceCheck = async (hostPort) => {
  const closed = await portOpen(hostPort);
  if (closed !== undefined) return { ready: false, reason: closed };
  // maxAttempts 1: the caller's loop is the retry policy.
  const client = new S3Client({
    endpoint: `http://${hostPort}`,
    region: S3_TEST_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_TEST_ACCESS_KEY_ID, secretAccessKey: S3_TEST_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  try {
    await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(5000) });
    return { ready: true, elapsedMs: 0 };
  } catch (error) {
    return { ready: false, reason: `ListBuckets with the test account failed: ${describe(error)}` };
  } finally {
    client.destroy();
  }
};

export const checkToxiproxyOnce: ServiceCheck = async (hostPort) => {
  const closed = await portOpen(hostPort);
  if (closed !== undefined) return { ready: false, reason: closed };
  try {
    const response = await fetch(`http://${hostPort}/version`, { signal: AbortSignal.timeout(5000) });
    const body = await response.text();
    if (response.status !== 200) return { ready: false, reason: `GET /version answered ${response.status}` };
    return body.includes('version') || /^v?\d/.test(body.trim()) ? { ready: true, elapsedMs: 0 } : { ready: false, reason: `GET /version answered something else: ${body.slice(0, 100)}` };
  } catch (error) {
    return { ready: false, reason: `GET /version failed: ${describe(error)}` };
  }
};

export const checkAzuriteOnce: ServiceCheck = async (hostPort) => {
  const closed = await portOpen(hostPort);
  if (closed !== undefined) return { ready: false, reason: closed };
  // Loaded here: the other checks should not load the Azure SDK.
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const client = new BlobServiceClient(`http://${hostPort}/${AZURITE_ACCOUNT}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY), {
    retryOptions: { maxTries: 1 },
  });
  try {
    await client.getProperties({ abortSignal: AbortSignal.timeout(5000) });
    return { ready: true, elapsedMs: 0 };
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    return { ready: false, reason: `Get Blob Service Properties with the development account failed: ${error instanceof Error ? error.name : 'error'}${status === undefined ? '' : ` (HTTP ${status})`}: ${String((error as Error).message ?? error).split('\n')[0]}` };
  }
};
