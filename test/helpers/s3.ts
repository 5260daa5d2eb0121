// Test helpers for the real S3-compatible server (versitygw) that scripts/s3.sh runs on
// loopback. Integration tests call ensureS3() first (it starts — and on first use builds — the
// server when nothing answers), then make their own buckets with uniqueBucket() +
// createBucket(), so tests never share data and can run in parallel against one server.
//
// Every helper opens and destroys its own client: one cached at module level would hold
// sockets (and state) across tests that stop and restart the server.
//
// Checksums: versitygw accepts the SDK's default request checksums (CRC32 on PutObject and
// UploadPart, checked in s3.test.ts), so s3Client() keeps the SDK defaults; a test that wants
// the "only when required" behaviour passes { requestChecksumCalculation: 'WHEN_REQUIRED' }.

import {
  S3Client,
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { checkS3Once } from '../../scripts/services/ready-check.ts';
import { S3_TEST_ACCESS_KEY_ID, S3_TEST_REGION, S3_TEST_SECRET_ACCESS_KEY } from '../../scripts/services/test-account.ts';
import { runServiceScript, ServiceStarter } from './service-script.ts';

/** S3 API port; scripts/s3.sh reads the same variable. */
export const S3_PORT = Number(process.env['SLUICE_S3_PORT'] ?? 39000);
export const S3_HOST_PORT = `127.0.0.1:${S3_PORT}`;
export const S3_ENDPOINT = `http://${S3_HOST_PORT}`;

export type S3TestServer = { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };

const server: S3TestServer = { endpoint: S3_ENDPOINT, accessKeyId: S3_TEST_ACCESS_KEY_ID, secretAccessKey: S3_TEST_SECRET_ACCESS_KEY, region: S3_TEST_REGION };

const starter = new ServiceStarter('s3.sh', () => checkS3Once(S3_HOST_PORT));

/**
 * Resolves once the server answers a signed request with the test account, starting it with
 * `scripts/s3.sh start` if not. Memoised per process (stopS3() forgets it); s3.sh serialises
 * starts across processes, so parallel test files may all call this.
 */
export async function ensureS3(): Promise<S3TestServer> {
  await starter.ensure();
  return { ...server };
}

/**
 * Stops the server; its data dir is kept. 'graceful' (SIGTERM) lets in-flight requests finish —
 * versitygw waits for them, up to 10 s, before s3.sh sends SIGKILL; 'kill' is a crash (SIGKILL
 * at once, open connections reset), the quick way to stop it mid-upload. Only a server that
 * scripts/s3.sh started from this checkout is stopped.
 */
export async function stopS3(mode: 'graceful' | 'kill' = 'graceful'): Promise<void> {
  starter.forget();
  await runServiceScript('s3.sh', mode === 'kill' ? 'kill' : 'stop');
}

/** Starts the server again (same data dir: buckets, objects and open uploads are still there). */
export async function startS3(): Promise<void> {
  starter.forget();
  await runServiceScript('s3.sh', 'start');
}

/**
 * An S3Client for the test server: path-style addressing (no per-bucket DNS names on
 * loopback), the test account, us-east-1. `overrides` replaces any of these (e.g. a wrong
 * secret, maxAttempts, or an endpoint through Toxiproxy).
 */
export function s3Client(overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...overrides,
  });
}

async function withClient<T>(use: (client: S3Client) => Promise<T>): Promise<T> {
  const client = s3Client();
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

let bucketCounter = 0;

/**
 * A bucket name no other test (or earlier run) uses, valid under S3's rules (3–63 characters,
 * lowercase letters, digits and hyphens): prefix, pid, time, counter.
 */
export function uniqueBucket(prefix: string): string {
  const suffix = `-${process.pid.toString(36)}-${Date.now().toString(36)}-${(++bucketCounter).toString(36)}`;
  const safe = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '').slice(0, 63 - suffix.length);
  return `${safe.length > 0 ? safe : 'b'}${suffix}`;
}

/** Creates a fresh bucket. Throws (BucketAlreadyOwnedByYou) if it already exists. */
export async function createBucket(name: string): Promise<void> {
  await withClient((client) => client.send(new CreateBucketCommand({ Bucket: name })));
}

/** Every key under `prefix` (all pages), in the server's (lexicographic) order. */
export async function listKeys(bucket: string, prefix = ''): Promise<string[]> {
  return withClient(async (client) => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  });
}

/** The whole object as bytes (tests compare exact content; objects here are test-sized). */
export async function getObjectBytes(bucket: string, key: string): Promise<Buffer> {
  return withClient(async (client) => {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (response.Body === undefined) throw new Error(`GetObject ${bucket}/${key} returned no body`);
    return Buffer.from(await response.Body.transformToByteArray());
  });
}

export type OpenUpload = { key: string; uploadId: string };

/** Multipart uploads started and neither completed nor aborted (all pages). */
export async function listMultipartUploads(bucket: string, prefix = ''): Promise<OpenUpload[]> {
  return withClient(async (client) => {
    const uploads: OpenUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== undefined && upload.UploadId !== undefined) uploads.push({ key: upload.Key, uploadId: upload.UploadId });
      }
      if (page.IsTruncated !== true) return uploads;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  });
}
