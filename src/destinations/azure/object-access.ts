// ObjectAccess for Azure Blob Storage (audit digests, `sluice verify`): keys are relative to
// listingPrefix(pathTemplate) in the container, as for object storage (s3/object-access.ts).
// Reads and listings need the SAS to grant read (r) and list (l) as well as write.

import { DeliveryError } from '../destination.ts';
import type { ObjectAccess } from '../object-access.ts';
import type { NetworkPolicy } from '../net/network-policy.ts';
import { listingPrefix } from '../s3/keys.ts';
import { keyUnderRoot } from '../s3/object-access.ts';
import { DEFAULT_TIMEOUTS, type SdkStoreTimeouts } from '../s3/sdk-store.ts';
import { azureConfigFrom, type AzureDestinationConfig } from './config.ts';
import { azureDeliveryError, azureErrorCode } from './errors.ts';
import { SdkBlobStore } from './sdk-blob-store.ts';

export class AzureObjectAccess implements ObjectAccess {
  readonly root: string;
  readonly config: AzureDestinationConfig;
  readonly #prefix: string;
  readonly #store: SdkBlobStore;

  constructor(conf: string, options: { network: NetworkPolicy; timeouts?: SdkStoreTimeouts }) {
    this.config = azureConfigFrom(conf);
    this.#prefix = listingPrefix(this.config.pathTemplate);
    this.root = `azure://${this.config.container}/${this.#prefix}`;
    this.#store = new SdkBlobStore(this.config, options.network, options.timeouts ?? DEFAULT_TIMEOUTS);
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const blob = this.#blobName(key);
    try {
      await this.#store.upload(blob, bytes, { contentType, contentEncoding: null, serverSideEncryption: null });
    } catch (error) {
      throw this.#error(error, 'PutBlob', blob);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const blob = this.#blobName(key);
    try {
      return await this.#store.container.getBlockBlobClient(blob).downloadToBuffer();
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404 && azureErrorCode(error) === 'BlobNotFound') return null;
      throw this.#error(error, 'GetBlob', blob);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const full = this.#prefix + prefix;
    const keys: string[] = [];
    try {
      for await (const item of this.#store.container.listBlobsFlat({ prefix: full })) {
        if (item.name.length > this.#prefix.length && !item.name.endsWith('/')) keys.push(item.name.slice(this.#prefix.length));
      }
    } catch (error) {
      throw this.#error(error, 'ListBlobs', full);
    }
    return keys.sort();
  }

  keyOfLocation(location: string): string | null {
    return keyUnderRoot(this.root, location);
  }

  close(): void {
    this.#store.destroy();
  }

  #blobName(key: string): string {
    if (key === '') throw new DeliveryError('ERR_OBJECT_KEY', `Azure destination ${this.config.redactedConf}: an object key must not be empty`, false);
    return this.#prefix + key;
  }

  #error(error: unknown, operation: string, blob: string): DeliveryError {
    return azureDeliveryError(error, { operation, serviceUrl: this.config.serviceUrl, container: this.config.container, blob, secrets: this.config.secrets });
  }
}
