// ObjectAccess for object storage (s3://, r2://, gs://, S3-compatible via endpoint=): keys are
// relative to listingPrefix(pathTemplate), the fixed part of the key template before `{DATE}`.
//
// It talks through the same SDK client the destination builds (SdkObjectStore: same endpoint,
// credentials, checksum mode and timeouts, SDK retries off), adding the two reads the uploader
// never needs — GetObject and ListObjectsV2 — here rather than in the ObjectStore interface,
// which the delivery path's test fakes implement. Failures become DeliveryErrors through
// errors.ts, so messages name endpoint, bucket and key and never a credential.

import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeliveryError } from '../destination.ts';
import { bodyChunks } from '../object-chunks.ts';
import type { ObjectAccess, ObjectInfo } from '../object-access.ts';
import { credentialSecrets, s3ConfigFrom, type S3DestinationConfig } from './config.ts';
import { s3DeliveryError } from './errors.ts';
import { listingPrefix } from './keys.ts';
import type { NetworkPolicy } from '../net/network-policy.ts';
import { DEFAULT_TIMEOUTS, SdkObjectStore, type SdkStoreTimeouts } from './sdk-store.ts';

export interface S3ObjectAccessOptions {
  /** Which addresses the SDK client may connect to. Required: no permissive default. */
  network: NetworkPolicy;
  timeouts?: SdkStoreTimeouts;
  /** ListObjectsV2 MaxKeys (default: the store's own, 1000 on S3); tests make it small to page. */
  pageSize?: number;
}

export class S3ObjectAccess implements ObjectAccess {
  readonly root: string;
  readonly config: S3DestinationConfig;
  /** The key prefix of the root: '' or ending where listingPrefix ends (usually '/'). */
  readonly #prefix: string;
  readonly #store: SdkObjectStore;
  readonly #pageSize: number | undefined;
  readonly #secrets: readonly string[];

  constructor(conf: string, options: S3ObjectAccessOptions) {
    this.config = s3ConfigFrom(conf);
    this.#prefix = listingPrefix(this.config.pathTemplate);
    this.root = `${this.config.scheme}://${this.config.bucket}/${this.#prefix}`;
    this.#store = new SdkObjectStore(this.config, options.network, options.timeouts ?? DEFAULT_TIMEOUTS);
    this.#pageSize = options.pageSize;
    this.#secrets = credentialSecrets(this.config);
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const full = this.#fullKey(key);
    try {
      // Server-side encryption as configured: a bucket policy that demands it refuses a put without.
      await this.#store.putObject({ bucket: this.config.bucket, key: full }, bytes, {
        contentType,
        contentEncoding: null,
        serverSideEncryption: this.config.sse,
      });
    } catch (error) {
      throw this.#error(error, 'PutObject', full);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const full = this.#fullKey(key);
    try {
      const out = await this.#store.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: full }));
      if (out.Body === undefined) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw this.#error(error, 'GetObject', full);
    }
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    const full = this.#fullKey(key);
    let body: unknown;
    try {
      body = (await this.#store.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: full }))).Body;
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw this.#error(error, 'GetObject', full);
    }
    // On Node the SDK's body is the HTTP response (or a checksum-checking stream over it).
    return bodyChunks(body, (error) => this.#error(error, 'GetObject', full));
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listInfo(prefix)).map((info) => info.key);
  }

  async listInfo(prefix: string): Promise<ObjectInfo[]> {
    const full = this.#prefix + prefix;
    const infos: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#store.client.send(new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: full,
          ...(token !== undefined ? { ContinuationToken: token } : {}),
          ...(this.#pageSize !== undefined ? { MaxKeys: this.#pageSize } : {}),
        }));
        for (const object of page.Contents ?? []) {
          const key = object.Key;
          // A key ending in '/' is a console's "folder" placeholder, not an object.
          if (key !== undefined && key.startsWith(full) && key.length > this.#prefix.length && !key.endsWith('/')) {
            infos.push({ key: key.slice(this.#prefix.length), bytes: object.Size ?? 0, modified: object.LastModified ?? new Date(0) });
          }
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw this.#error(error, 'ListObjectsV2', full);
    }
    // The store's order is by UTF-8 bytes; sorted again so every ObjectAccess orders alike.
    return infos.sort(byKey);
  }

  keyOfLocation(location: string): string | null {
    return keyUnderRoot(this.root, location);
  }

  close(): void {
    this.#store.destroy();
  }

  #fullKey(key: string): string {
    if (key === '') throw new DeliveryError('ERR_OBJECT_KEY', `object storage destination ${this.config.redactedConf}: an object key must not be empty`, false);
    return this.#prefix + key;
  }

  #error(error: unknown, operation: string, key: string): DeliveryError {
    return s3DeliveryError(error, { operation, endpoint: this.config.endpointLabel, bucket: this.config.bucket, key, secrets: this.#secrets });
  }
}

/** ObjectInfo order: by key, in UTF-16 code units (plain `<`) like Array.prototype.sort of the keys. */
export function byKey(a: ObjectInfo, b: ObjectInfo): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The key of a `<root><key>` location (object storage and Azure), or null when it is not under the root. */
export function keyUnderRoot(root: string, location: string): string | null {
  if (!location.startsWith(root)) return null;
  const key = location.slice(root.length);
  return key === '' ? null : key;
}

function isNoSuchKey(error: unknown): boolean {
  const e = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  if (e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey') return true;
  // Some stores answer a missing key with a bare 404 (no error body to name it).
  return e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket' && e.Code !== 'NoSuchBucket';
}
