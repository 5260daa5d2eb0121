// The few Blob Storage calls the destination needs, as an interface: the SDK implements it
// (sdk-blob-store.ts) and unit tests implement it with a fake. Errors are thrown as the SDK
// throws them (RestError: statusCode, code, response headers); errors.ts maps them.

import type { NetworkPolicy } from '../net/network-policy.ts';
import type { ObjectHeaders } from '../s3/store.ts';

/** Where a call gets its store: a given one (tests' fakes), or the SDK client built from the conf, guarded by the policy. */
export type BlobStoreSource = { store: BlobStore; network?: NetworkPolicy } | { network: NetworkPolicy; store?: undefined };

export interface BlobStore {
  /** Put Blob: the whole blob in one request (small objects). */
  upload(blob: string, body: Uint8Array, headers: ObjectHeaders): Promise<void>;
  /** Put Block: stages one uncommitted block under `blockId` (base64, equal length for every block of a blob). */
  stageBlock(blob: string, blockId: string, body: Uint8Array): Promise<void>;
  /** Put Block List: the blob becomes these blocks in order; uncommitted blocks not named are discarded. */
  commitBlockList(blob: string, blockIds: readonly string[], headers: ObjectHeaders): Promise<void>;
  deleteBlob(blob: string): Promise<void>;
  /** Closes pooled connections. */
  destroy(): void;
}
