// Builds the running destination for a job's destination_conf.

import type { Destination } from './destination.ts';
import { parseDestinationConf } from './destination-conf.ts';
import { FileDestination } from './file.ts';
import { S3Destination } from './s3/s3-destination.ts';
import { AzureDestination } from './azure/azure-destination.ts';
import { HttpDestination } from './http/http-destination.ts';
import type { NetworkPolicy } from './net/network-policy.ts';

/**
 * file: → FileDestination; s3:, r2:, gs: → S3Destination; https:, splunk:, datadog:, sumo:,
 * sentinelone:, ibmcl: (and http: on loopback, for tests) → HttpDestination. A malformed conf, an unsupported scheme or a bad
 * destination parameter throws a non-retryable DeliveryError ERR_DESTINATION_CONF. Messages
 * are redacted. Network destinations connect only where `options.network` allows (there is no
 * permissive default: the service passes the config's destinations.allow_networks).
 */
export function createDestination(conf: string, options: { network: NetworkPolicy }): Destination {
  const parsed = parseDestinationConf(conf);
  switch (parsed.scheme) {
    case 'file':
      return new FileDestination(conf);
    case 's3':
    case 'r2':
    case 'gs':
      return new S3Destination(conf, { network: options.network });
    case 'azure':
      return new AzureDestination(conf, { network: options.network });
    case 'https':
    case 'http':
    case 'splunk':
    case 'datadog':
    case 'sumo':
    case 'sentinelone':
    case 'ibmcl':
      return new HttpDestination(conf, { network: options.network });
  }
}
