// Writes the ownership challenge file into an object storage destination (Logpush's
// ownership step): whoever can read ownership-challenge.txt from the bucket controls it, and
// the job is created only with the token it holds.

import { undatedFolder } from '../object-name.ts';
import { credentialSecrets, s3ConfigFrom } from './config.ts';
import { s3DeliveryError } from './errors.ts';
import { API_REQUEST_TIMEOUTS, SdkObjectStore } from './sdk-store.ts';
import type { StoreSource } from './store.ts';

/**
 * Puts `file` in the destination's folder (above its {DATE} folders); resolves with its bucket
 * path, `<bucket>/<path>/<name>`, the form Logpush answers. Throws a redacted DeliveryError.
 */
export async function writeS3OwnershipChallenge(conf: string, file: { name: string; content: string }, options: StoreSource): Promise<{ filename: string }> {
  const config = s3ConfigFrom(conf);
  const store = options.store ?? new SdkObjectStore(config, options.network, API_REQUEST_TIMEOUTS);
  const prefix = undatedFolder(config.pathTemplate);
  const key = `${prefix === '' ? '' : `${prefix}/`}${file.name}`;
  try {
    await store.putObject({ bucket: config.bucket, key }, new TextEncoder().encode(file.content), { contentType: 'text/plain; charset=utf-8', contentEncoding: null, serverSideEncryption: config.sse });
  } catch (error) {
    throw s3DeliveryError(error, {
      endpoint: config.endpointLabel,
      bucket: config.bucket,
      key,
      secrets: credentialSecrets(config),
      operation: 'PutObject',
    });
  } finally {
    if (!options.store) store.destroy();
  }
  return { filename: `${config.bucket}/${key}` };
}
