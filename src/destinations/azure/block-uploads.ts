// Block blob uploads seen as multipart uploads, so that the object storage uploader
// (s3/multipart.ts) drives them: it fills a block while later chunks still compress, stages up
// to blocks-in-flight blocks at once, retries a failed block once, and commits the list in
// order; a small object goes out as one Put Blob.
//
// Block ids are deterministic per blob: a retried or rebuilt batch stages the same ids again,
// overwriting its own earlier blocks. Azure has no "abort": uncommitted blocks stay until the
// blob's next commit, which discards every block it does not name, or until Azure drops them
// after 7 days. So a failed attempt leaves nothing visible, and the retry's commit removes what
// it left; after a successful delivery no uncommitted block of the blob remains.

import { createHash } from 'node:crypto';
import type { ObjectHeaders, ObjectRef, ObjectStore, UploadedPart, UploadListing, UploadRef } from '../s3/store.ts';
import type { BlobStore } from './blob-store.ts';
import { azureDeliveryError, type AzureErrorContext } from './errors.ts';

/** Most blocks in one blob (Azure's limit is 50,000; the uploader never makes more than 10,000). */
export const MAX_BLOCKS = 50_000;

/**
 * The id of block `index` (1-based) of `blob`: base64 of a fixed-length text, so that every id
 * of a blob has the same length (Azure requires it) and the same blob gets the same ids.
 */
export function blockIdFor(blob: string, index: number): string {
  const blobHash = createHash('sha256').update(blob).digest('hex').slice(0, 16);
  return Buffer.from(`sluice-${blobHash}-${String(index).padStart(6, '0')}`).toString('base64');
}

export type AzureScope = Omit<AzureErrorContext, 'operation' | 'blob'>;

export class BlockBlobUploads implements ObjectStore {
  readonly #blobs: BlobStore;
  readonly #scope: AzureScope;
  /** Headers of uploads in progress, set on commit. */
  readonly #headers = new Map<string, ObjectHeaders>();

  constructor(blobs: BlobStore, scope: AzureScope) {
    this.#blobs = blobs;
    this.#scope = scope;
  }

  async putObject(ref: ObjectRef, body: Uint8Array, headers: ObjectHeaders): Promise<void> {
    await this.#call('PutBlob', ref.key, () => this.#blobs.upload(ref.key, body, headers));
  }

  async createMultipartUpload(ref: ObjectRef, headers: ObjectHeaders): Promise<string> {
    // One upload per blob at a time (a batch is delivered by one attempt at a time): the blob
    // name identifies it.
    this.#headers.set(ref.key, headers);
    return ref.key;
  }

  async uploadPart(ref: UploadRef, partNumber: number, body: Uint8Array): Promise<UploadedPart> {
    const blockId = blockIdFor(ref.key, partNumber);
    await this.#call(`StageBlock ${partNumber}`, ref.key, () => this.#blobs.stageBlock(ref.key, blockId, body));
    return { partNumber, etag: blockId };
  }

  async completeMultipartUpload(ref: UploadRef, parts: readonly UploadedPart[]): Promise<void> {
    const headers = this.#headers.get(ref.key);
    if (headers === undefined) throw new Error(`no upload in progress for ${ref.key}`);
    await this.#call('CommitBlockList', ref.key, () => this.#blobs.commitBlockList(ref.key, parts.map((part) => part.etag), headers));
    this.#headers.delete(ref.key);
  }

  async abortMultipartUpload(ref: UploadRef): Promise<void> {
    // Nothing to call: see the head of this file.
    this.#headers.delete(ref.key);
  }

  async listMultipartUploads(): Promise<UploadListing> {
    // Uncommitted blocks expire on their own: there is nothing for a sweep to abort.
    return { uploads: [], next: null };
  }

  async deleteObject(ref: ObjectRef): Promise<void> {
    await this.#call('DeleteBlob', ref.key, () => this.#blobs.deleteBlob(ref.key));
  }

  destroy(): void {
    this.#blobs.destroy();
  }

  async #call(operation: string, blob: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      throw azureDeliveryError(error, { ...this.#scope, operation, blob });
    }
  }
}
