// Writes the ownership challenge file into an Azure container (Logpush's ownership step):
// whoever can read ownership-challenge.txt from the container controls it, and the job is
// created only with the token it holds. The file goes into the destination's folder above its
// {DATE} folders, and its name is answered as Logpush does: a path, <container>/<blob>.

import { listingPrefix } from '../s3/keys.ts';
import { API_REQUEST_TIMEOUTS } from '../s3/sdk-store.ts';
import type { BlobStoreSource } from './blob-store.ts';
import { azureConfigFrom } from './config.ts';
import { azureDeliveryError } from './errors.ts';
import { SdkBlobStore } from './sdk-blob-store.ts';

/** Puts `file` under the destination's path (the part before {DATE}); resolves with its path. Throws a redacted DeliveryError. */
export async function writeAzureOwnershipChallenge(
  conf: string, file: { name: string; content: string }, options: BlobStoreSource,
): Promise<{ filename: string }> {
  const config = azureConfigFrom(conf);
  const store = options.store ?? new SdkBlobStore(config, options.network, API_REQUEST_TIMEOUTS);
  const blob = `${listingPrefix(config.pathTemplate)}${file.name}`;
  try {
    await store.upload(blob, new TextEncoder().encode(file.content), { contentType: 'text/plain; charset=utf-8', contentEncoding: null, serverSideEncryption: null });
  } catch (error) {
    throw azureDeliveryError(error, { operation: 'PutBlob', serviceUrl: config.serviceUrl, container: config.container, blob, secrets: config.secrets });
  } finally {
    if (!options.store) store.destroy();
  }
  return { filename: `${config.container}/${blob}` };
}
