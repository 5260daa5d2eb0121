// Destination validation (Logpush's validate/destination step) for object storage: write a
// small test object under the job's prefix and delete it again, and say precisely what failed.

import { randomBytes } from 'node:crypto';
import { DeliveryError } from '../destination.ts';
import { credentialSecrets, s3ConfigFrom } from './config.ts';
import { s3DeliveryError } from './errors.ts';
import { expandDate } from '../object-name.ts';
import { API_REQUEST_TIMEOUTS, SdkObjectStore } from './sdk-store.ts';
import type { StoreSource } from './store.ts';
import { DESTINATION_UNREACHABLE } from '../net/unreachable.ts';

export interface S3ValidationResult {
  ok: boolean;
  /** Where the test object went (no secrets), once the conf parsed. */
  location: string | null;
  /** On failure: ERR_DESTINATION_CONF, ERR_S3_ACCESS_DENIED, ERR_S3_NO_SUCH_BUCKET, ERR_DESTINATION_UNREACHABLE (the one generic message), … */
  code: string | null;
  /** On failure: what went wrong and what to fix (secret-free). */
  message: string | null;
  /** Problems that do not stop delivery (e.g. the test object could not be deleted). */
  warnings: string[];
}

export async function validateS3Destination(conf: string, options: StoreSource & { now?: Date }): Promise<S3ValidationResult> {
  let config;
  try {
    config = s3ConfigFrom(conf);
  } catch (error) {
    const failure = error as DeliveryError;
    return { ok: false, location: null, code: failure.code ?? 'ERR_DESTINATION_CONF', message: failure.message, warnings: [] };
  }
  const store = options.store ?? new SdkObjectStore(config, options.network, API_REQUEST_TIMEOUTS);
  const nowNs = `${(options.now ?? new Date()).getTime()}000000`;
  const prefix = expandDate(config.pathTemplate, nowNs);
  const key = `${prefix === '' ? '' : prefix + '/'}sluice-validation-${randomBytes(6).toString('hex')}.txt`;
  const location = `${config.scheme}://${config.bucket}/${key}`;
  const scope = { endpoint: config.endpointLabel, bucket: config.bucket, key, secrets: credentialSecrets(config) };
  try {
    try {
      const body = new TextEncoder().encode('sluice destination validation: this object may be deleted\n');
      await store.putObject({ bucket: config.bucket, key }, body, { contentType: 'text/plain; charset=utf-8', contentEncoding: null, serverSideEncryption: config.sse });
    } catch (error) {
      const failure = s3DeliveryError(error, { ...scope, operation: 'PutObject' });
      // An unreachable destination reads the same as every other (net/unreachable.ts).
      const message = failure.code === DESTINATION_UNREACHABLE ? failure.message : `cannot write a test object: ${failure.message}`;
      return { ok: false, location, code: failure.code, message, warnings: [] };
    }
    const warnings: string[] = [];
    try {
      await store.deleteObject({ bucket: config.bucket, key });
    } catch (error) {
      const failure = s3DeliveryError(error, { ...scope, operation: 'DeleteObject' });
      warnings.push(`the test object was written but could not be deleted (delete it by hand): ${failure.message}`);
    }
    return { ok: true, location, code: null, message: null, warnings };
  } finally {
    if (!options.store) store.destroy();
  }
}
