// ObjectAccess for Azure Blob Storage (audit digests, `sluice verify`): keys are relative to
// listingPrefix(pathTemplate) in the container, as for object storage (s3/object-access.ts).
// Reads and listings need the SAS to grant read (r) and list (l) as well as write.

import { DeliveryError } from '../destination.ts';
import { bodyChunks } from '../object-chunks.ts';
import type { ObjectAccess, ObjectInfo } from '../object-access.ts';
import type { NetworkPolicy } from '../net/network-policy.ts';
import { listingPrefix } from '../s3/keys.ts';
import { byKey, keyUnderRoot } from '../s3/object-access.ts';
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
      return await (await this.#store.container()).getBlockBlobClient(blob).downloadToBuffer();
    } catch (error) {
      if (isBlobNotFound(error)) return null;
      throw this.#error(error, 'GetBlob', blob);
    }
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    const blob = this.#blobName(key);
    let body: unknown;
    try {
      body = (await (await this.#store.container()).getBlockBlobClient(blob).download(0)).readableStreamBody;
    } catch (error) {
      if (isBlobNotFound(error)) return null;
      throw this.#error(error, 'GetBlob', blob);
    }
    // On Node the SDK's body is a Readable over the HTTP response (resuming it after a reset).
    return bodyChunks(body, (error) => this.#error(error, 'GetBlob', blob));
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listInfo(prefix)).map((info) => info.key);
  }

  async listInfo(prefix: string): Promise<ObjectInfo[]> {
    const full = this.#prefix + prefix;
    const infos: ObjectInfo[] = [];
    try {
      for await (const item of (await this.#store.container()).listBlobsFlat({ prefix: full })) {
        if (item.name.length > this.#prefix.length && !item.name.endsWith('/')) {
          infos.push({ key: item.name.slice(this.#prefix.length), bytes: item.properties.contentLength ?? 0, modified: item.properties.lastModified });
        }
      }
    } catch (error) {
      throw this.#error(error, 'ListBlobs', full);
    }
    return infos.sort(byKey);
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

function isBlobNotFound(error: unknown): boolean {
  return (error as { statusCode?: unknown }).statusCode === 404 && azureErrorCode(error) === 'BlobNotFound';
}
