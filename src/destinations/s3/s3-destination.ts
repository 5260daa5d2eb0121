// The object storage destination (s3://, r2://, gs://, and S3-compatible stores via endpoint=):
// each batch becomes one object at `<path with {DATE}>/<objectName>`.

import { DeliveryError, type DeliveryObject, type DeliveryReceipt, type Destination } from '../destination.ts';
import { credentialSecrets, s3ConfigFrom, type S3DestinationConfig } from './config.ts';
import { s3DeliveryError } from './errors.ts';
import { objectHeadersFor } from './headers.ts';
import { keyMatcher, listingPrefix, objectKey } from './keys.ts';
import { uploadObject, type ErrorScope, type UploadPlan } from './multipart.ts';
import { SdkObjectStore, DEFAULT_TIMEOUTS, type SdkStoreTimeouts } from './sdk-store.ts';
import type { ObjectStore, StoreSource } from './store.ts';
import { sweepUploads, type SweepResult } from './sweep.ts';

/** `store`: the store to talk to (tests pass a fake); otherwise the SDK client built from the conf, guarded by `network`. */
export type S3DestinationOptions = StoreSource & {
  timeouts?: SdkStoreTimeouts;
  /** Tries per part before the object fails (default 2: one quick retry of a reset part). */
  partAttempts?: number;
};

export class S3Destination implements Destination {
  readonly kind = 's3';
  readonly config: S3DestinationConfig;
  readonly #store: ObjectStore;
  readonly #plan: UploadPlan;
  readonly #scope: ErrorScope;
  readonly #liveUploads = new Set<string>();

  constructor(conf: string, options: S3DestinationOptions) {
    this.config = s3ConfigFrom(conf);
    this.#store = options.store ?? new SdkObjectStore(this.config, options.network, options.timeouts ?? DEFAULT_TIMEOUTS);
    this.#plan = { partSize: this.config.partSize, partsInFlight: this.config.partsInFlight, partAttempts: options.partAttempts ?? 2 };
    this.#scope = { endpoint: this.config.endpointLabel, secrets: credentialSecrets(this.config) };
  }

  async deliver(object: DeliveryObject): Promise<DeliveryReceipt> {
    const key = objectKey(this.config.pathTemplate, object);
    const headers = objectHeadersFor(object.compression, object.contentType, this.config.contentEncoding, this.config.sse);
    const live = this.#liveUploads;
    await uploadObject(this.#store, { bucket: this.config.bucket, key }, headers, object.chunks, this.#plan, this.#scope, {
      onUploadStarted: (id) => live.add(id),
      onUploadEnded: (id) => live.delete(id),
    });
    return { location: `${this.config.scheme}://${this.config.bucket}/${key}` };
  }

  /**
   * Aborts multipart uploads under this job's path that are older than `olderThanMs` and not in
   * progress here (left behind by a crash). Call on start and then periodically; failures to
   * list throw a DeliveryError (same codes as deliver), failures to abort are counted.
   */
  async sweepAbandonedUploads(olderThanMs: number): Promise<SweepResult> {
    const prefix = listingPrefix(this.config.pathTemplate);
    try {
      return await sweepUploads(
        this.#store,
        { bucket: this.config.bucket, prefix, matcher: keyMatcher(this.config.pathTemplate), live: this.#liveUploads },
        olderThanMs,
      );
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      throw s3DeliveryError(error, { ...this.#scope, operation: 'ListMultipartUploads', bucket: this.config.bucket, key: prefix });
    }
  }

  async close(): Promise<void> {
    this.#store.destroy();
  }
}
