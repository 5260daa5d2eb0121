// Builds the running destination for a job's destination_conf.

import { DeliveryError, type Destination } from './destination.ts';
import { parseDestinationConf, redactDestinationConf } from './destination-conf.ts';
import { FileDestination } from './file.ts';

/**
 * file: → FileDestination. Other schemes parse but are not built yet: they throw a
 * non-retryable DeliveryError ERR_DESTINATION_UNSUPPORTED (object storage and HTTP come later).
 * A malformed conf throws ERR_DESTINATION_CONF. Messages are redacted.
 */
export function createDestination(conf: string): Destination {
  const parsed = parseDestinationConf(conf);
  if (parsed.scheme === 'file') return new FileDestination(conf);
  throw new DeliveryError(
    'ERR_DESTINATION_UNSUPPORTED',
    `destination ${redactDestinationConf(conf)}: ${parsed.scheme}:// destinations are not available in this build yet; use a file:///dir/{DATE} destination for now`,
    false,
  );
}
