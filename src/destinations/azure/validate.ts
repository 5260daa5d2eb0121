// Destination validation (Logpush's validate/destination step) for Azure: write a small test
// blob under the job's prefix and delete it again, and say precisely what failed. A SAS with
// write but no delete permission (what Logpush asks for) passes with a warning.

import { randomBytes } from 'node:crypto';
import type { DeliveryError } from '../destination.ts';
import { DESTINATION_UNREACHABLE } from '../net/unreachable.ts';
import { expandDate } from '../object-name.ts';
import { API_REQUEST_TIMEOUTS } from '../s3/sdk-store.ts';
import type { S3ValidationResult } from '../s3/validate.ts';
import type { BlobStoreSource } from './blob-store.ts';
import { azureConfigFrom } from './config.ts';
import { azureDeliveryError } from './errors.ts';
import { SdkBlobStore } from './sdk-blob-store.ts';

export type AzureValidationResult = S3ValidationResult;

export async function validateAzureDestination(conf: string, options: BlobStoreSource & { now?: Date }): Promise<AzureValidationResult> {
  let config;
  try {
    config = azureConfigFrom(conf);
  } catch (error) {
    const failure = error as DeliveryError;
    return { ok: false, location: null, code: failure.code ?? 'ERR_DESTINATION_CONF', message: failure.message, warnings: [] };
  }
  const store = options.store ?? new SdkBlobStore(config, options.network, API_REQUEST_TIMEOUTS);
  const prefix = expandDate(config.pathTemplate, `${(options.now ?? new Date()).getTime()}000000`);
  const blob = `${prefix === '' ? '' : prefix + '/'}sluice-validation-${randomBytes(6).toString('hex')}.txt`;
  const location = `azure://${config.container}/${blob}`;
  const scope = { serviceUrl: config.serviceUrl, container: config.container, blob, secrets: config.secrets };
  try {
    try {
      const body = new TextEncoder().encode('sluice destination validation: this blob may be deleted\n');
      await store.upload(blob, body, { contentType: 'text/plain; charset=utf-8', contentEncoding: null, serverSideEncryption: null });
    } catch (error) {
      const failure = azureDeliveryError(error, { ...scope, operation: 'PutBlob' });
      const message = failure.code === DESTINATION_UNREACHABLE ? failure.message : `cannot write a test blob: ${failure.message}`;
      return { ok: false, location, code: failure.code, message, warnings: [] };
    }
    const warnings: string[] = [];
    try {
      await store.deleteBlob(blob);
    } catch (error) {
      const failure = azureDeliveryError(error, { ...scope, operation: 'DeleteBlob' });
      warnings.push(`the test blob was written but could not be deleted (the SAS may lack delete permission; delete it by hand): ${failure.message}`);
    }
    return { ok: true, location, code: null, message: null, warnings };
  } finally {
    if (!options.store) store.destroy();
  }
}
