// ObjectStore over @aws-sdk/client-s3.
//
// Retries: the SDK's own retries are off (maxAttempts 1). The pipeline's delivery loop is the
// one retry loop (full jitter, Retry-After, per-job accounting and last_error); SDK retries of
// 5xx/throttling/resets inside it would multiply attempts (3 × the pipeline's) against a store
// that is already struggling, and hide the failure from last_error while they run. The one
// exception is cheap and bounded: the multipart uploader retries a single failed part once
// (multipart.ts), rather than re-sending a whole 40-part object after one connection reset.
//
// Timeouts: a hung server must not hold a job forever. connectionTimeout bounds the TCP/TLS
// connect, socketTimeout bounds silence on an open socket (a stalled upload or a server that
// never answers), requestTimeout bounds a whole request (generous: a 64 MiB part on a slow link).
//
// Network: the handler's agents open only checked sockets (src/destinations/net/node-agents.ts),
// so neither the endpoint nor a redirect (which the SDK does not follow) reaches an address the
// operator has not allowed.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { guardedAgents } from '../net/node-agents.ts';
import type { NetworkPolicy } from '../net/network-policy.ts';
import type { S3DestinationConfig } from './config.ts';
import type { ObjectHeaders, ObjectRef, ObjectStore, UploadedPart, UploadListing, UploadRef } from './store.ts';

export interface SdkStoreTimeouts {
  connectionTimeoutMs: number;
  socketTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: SdkStoreTimeouts = { connectionTimeoutMs: 10_000, socketTimeoutMs: 60_000, requestTimeoutMs: 300_000 };
/** For the one small object an admin API request writes (validation, ownership challenge): a caller is waiting. */
export const API_REQUEST_TIMEOUTS: SdkStoreTimeouts = { connectionTimeoutMs: 5_000, socketTimeoutMs: 15_000, requestTimeoutMs: 30_000 };

const SILENT_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export class SdkObjectStore implements ObjectStore {
  /** The SDK client, exposed for tests that count requests with a middleware. */
  readonly client: S3Client;
  readonly #crc32: boolean;

  constructor(config: S3DestinationConfig, network: NetworkPolicy, timeouts: SdkStoreTimeouts = DEFAULT_TIMEOUTS) {
    this.#crc32 = config.checksum === 'crc32';
    const agents = guardedAgents(network, { keepAlive: true, maxSockets: 64, timeoutMs: timeouts.connectionTimeoutMs });
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint !== null ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
      ...(config.credentials !== null ? { credentials: config.credentials } : {}),
      maxAttempts: 1,
      requestChecksumCalculation: this.#crc32 ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
      responseChecksumValidation: this.#crc32 ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
      // The SDK logs nothing secret, but its warnings would bypass sluice's rate-limited logger.
      logger: SILENT_LOGGER,
      requestHandler: {
        connectionTimeout: timeouts.connectionTimeoutMs,
        socketTimeout: timeouts.socketTimeoutMs,
        requestTimeout: timeouts.requestTimeoutMs,
        throwOnRequestTimeout: true,
        logger: SILENT_LOGGER,
        httpAgent: agents.httpAgent,
        httpsAgent: agents.httpsAgent,
      },
    });
  }

  async putObject(ref: ObjectRef, body: Uint8Array, headers: ObjectHeaders): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: body, ContentLength: body.length, ...objectHeaders(headers) }));
  }

  async createMultipartUpload(ref: ObjectRef, headers: ObjectHeaders): Promise<string> {
    const out = await this.client.send(new CreateMultipartUploadCommand({
      Bucket: ref.bucket,
      Key: ref.key,
      ...objectHeaders(headers),
      // Declared up front so that every part's CRC32 is checked and the completed object carries a
      // composite checksum; stores that reject it are configured with checksum=when-required.
      ...(this.#crc32 ? { ChecksumAlgorithm: 'CRC32' as const } : {}),
    }));
    if (!out.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    return out.UploadId;
  }

  async uploadPart(ref: UploadRef, partNumber: number, body: Uint8Array): Promise<UploadedPart> {
    const out = await this.client.send(new UploadPartCommand({
      Bucket: ref.bucket,
      Key: ref.key,
      UploadId: ref.uploadId,
      PartNumber: partNumber,
      Body: body,
      ContentLength: body.length,
      ...(this.#crc32 ? { ChecksumAlgorithm: 'CRC32' as const } : {}),
    }));
    if (!out.ETag) throw new Error(`UploadPart ${partNumber} returned no ETag`);
    return out.ChecksumCRC32 ? { partNumber, etag: out.ETag, checksumCrc32: out.ChecksumCRC32 } : { partNumber, etag: out.ETag };
  }

  async completeMultipartUpload(ref: UploadRef, parts: readonly UploadedPart[]): Promise<void> {
    const completed: CompletedPart[] = parts.map((part) => ({
      PartNumber: part.partNumber,
      ETag: part.etag,
      ...(part.checksumCrc32 !== undefined ? { ChecksumCRC32: part.checksumCrc32 } : {}),
    }));
    await this.client.send(new CompleteMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: ref.uploadId, MultipartUpload: { Parts: completed } }));
  }

  async abortMultipartUpload(ref: UploadRef): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: ref.uploadId }));
  }

  async listMultipartUploads(bucket: string, prefix: string, after: UploadListing['next']): Promise<UploadListing> {
    const out = await this.client.send(new ListMultipartUploadsCommand({
      Bucket: bucket,
      Prefix: prefix,
      ...(after !== null ? { KeyMarker: after.keyMarker, UploadIdMarker: after.uploadIdMarker } : {}),
    }));
    const uploads = (out.Uploads ?? []).flatMap((u) => (u.Key && u.UploadId ? [{ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? null }] : []));
    const next = out.IsTruncated && out.NextKeyMarker ? { keyMarker: out.NextKeyMarker, uploadIdMarker: out.NextUploadIdMarker ?? '' } : null;
    return { uploads, next };
  }

  async deleteObject(ref: ObjectRef): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  }

  destroy(): void {
    this.client.destroy();
  }
}

function objectHeaders(headers: ObjectHeaders): { ContentType: string; ContentEncoding?: string; ServerSideEncryption?: 'AES256' | 'aws:kms' } {
  return {
    ContentType: headers.contentType,
    ...(headers.contentEncoding !== null ? { ContentEncoding: headers.contentEncoding } : {}),
    ...(headers.serverSideEncryption !== null ? { ServerSideEncryption: headers.serverSideEncryption } : {}),
  };
}
