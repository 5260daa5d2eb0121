// The Azure Blob Storage destination (azure://): each batch becomes one block blob at
// `<path with {DATE}>/<objectName>` in the container, the same names as object storage.

import type { DeliveryObject, DeliveryReceipt, Destination } from '../destination.ts';
import { objectHeadersFor } from '../s3/headers.ts';
import { objectKey } from '../s3/keys.ts';
import { uploadObject, type UploadPlan } from '../s3/multipart.ts';
import { DEFAULT_TIMEOUTS, type SdkStoreTimeouts } from '../s3/sdk-store.ts';
import type { BlobStoreSource } from './blob-store.ts';
import { BlockBlobUploads } from './block-uploads.ts';
import { azureConfigFrom, type AzureDestinationConfig } from './config.ts';
import { SdkBlobStore } from './sdk-blob-store.ts';

export type AzureDestinationOptions = BlobStoreSource & {
  timeouts?: SdkStoreTimeouts;
  /** Tries per block before the object fails (default 2: one quick retry of a reset block). */
  blockAttempts?: number;
};

export class AzureDestination implements Destination {
  readonly kind = 'azure';
  readonly config: AzureDestinationConfig;
  readonly #uploads: BlockBlobUploads;
  readonly #plan: UploadPlan;

  constructor(conf: string, options: AzureDestinationOptions) {
    this.config = azureConfigFrom(conf);
    const blobs = options.store ?? new SdkBlobStore(this.config, options.network, options.timeouts ?? DEFAULT_TIMEOUTS);
    this.#uploads = new BlockBlobUploads(blobs, { serviceUrl: this.config.serviceUrl, container: this.config.container, secrets: this.config.secrets });
    this.#plan = { partSize: this.config.blockSize, partsInFlight: this.config.blocksInFlight, partAttempts: options.blockAttempts ?? 2 };
  }

  async deliver(object: DeliveryObject): Promise<DeliveryReceipt> {
    const blob = objectKey(this.config.pathTemplate, object);
    const headers = objectHeadersFor(object.compression, object.contentType, this.config.contentEncoding, null);
    // The scope's endpoint only labels errors the uploader makes itself (a failed chunk stream).
    await uploadObject(this.#uploads, { bucket: this.config.container, key: blob }, headers, object.chunks, this.#plan, {
      endpoint: this.config.serviceUrl,
      secrets: this.config.secrets,
    });
    return { location: `azure://${this.config.container}/${blob}` };
  }

  async close(): Promise<void> {
    this.#uploads.destroy();
  }
}
