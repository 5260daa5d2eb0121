// The few object storage calls the uploader needs, as an interface: the SDK implements it
// (sdk-store.ts) and unit tests implement it with a fake. Errors are thrown as the SDK throws
// them (name, $metadata.httpStatusCode, $response headers, Node network codes); errors.ts
// turns them into DeliveryErrors.

import type { NetworkPolicy } from '../net/network-policy.ts';
import type { ServerSideEncryption } from './config.ts';

/**
 * Where an object storage call gets its store: a given one (tests' fakes), or the SDK client
 * built from the conf, whose connections the network policy guards. There is no default policy.
 */
export type StoreSource = { store: ObjectStore; network?: NetworkPolicy } | { network: NetworkPolicy; store?: undefined };

export interface ObjectHeaders {
  contentType: string;
  /** Content-Encoding, or null for none. */
  contentEncoding: string | null;
  serverSideEncryption: ServerSideEncryption | null;
}

export interface ObjectRef {
  bucket: string;
  key: string;
}

export interface UploadRef extends ObjectRef {
  uploadId: string;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  /** Returned by stores that computed a CRC32 for the part (checksum=crc32); sent back on completion. */
  checksumCrc32?: string;
}

export interface PendingUpload {
  key: string;
  uploadId: string;
  initiated: Date | null;
}

export interface UploadListing {
  uploads: PendingUpload[];
  /** Markers for the next page, or null when this was the last one. */
  next: { keyMarker: string; uploadIdMarker: string } | null;
}

export interface ObjectStore {
  putObject(ref: ObjectRef, body: Uint8Array, headers: ObjectHeaders): Promise<void>;
  createMultipartUpload(ref: ObjectRef, headers: ObjectHeaders): Promise<string>;
  uploadPart(ref: UploadRef, partNumber: number, body: Uint8Array): Promise<UploadedPart>;
  /** `parts` in part-number order. */
  completeMultipartUpload(ref: UploadRef, parts: readonly UploadedPart[]): Promise<void>;
  abortMultipartUpload(ref: UploadRef): Promise<void>;
  listMultipartUploads(bucket: string, prefix: string, after: UploadListing['next']): Promise<UploadListing>;
  deleteObject(ref: ObjectRef): Promise<void>;
  /** Closes pooled connections. */
  destroy(): void;
}
