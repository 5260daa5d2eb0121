// The host a destination_conf connects to, and the API-time network check of it: a job, a
// destination check or an ownership challenge pointing at a refused address is answered at
// once with the generic refusal. Delivery checks again at every connect (guarded-connect.ts):
// DNS answers change, and a name that does not resolve now may later.

import { azureServiceHost } from '../azure/config.ts';
import { hostOfAuthority, parseDestinationConf } from '../destination-conf.ts';
import { parseEndpoint } from '../s3/endpoint.ts';
import { checkedAddresses, systemResolver, type Resolver } from './guarded-lookup.ts';
import type { NetworkPolicy } from './network-policy.ts';
import { ADDRESS_NOT_ALLOWED, DESTINATION_UNREACHABLE_MESSAGE } from './unreachable.ts';

/** How long the API waits for DNS before leaving the check to delivery. */
const API_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The host (name or IP literal, without brackets or port) a destination_conf sends to; null for
 * file:// and for a conf that does not parse (the syntax check reports those).
 */
export function destinationHost(conf: string): string | null {
  let parsed;
  try {
    parsed = parseDestinationConf(conf);
  } catch {
    return null;
  }
  switch (parsed.scheme) {
    case 'file':
      return null;
    case 'https':
    case 'http':
    case 'splunk':
    case 'datadog':
    case 'sumo':
    case 'sentinelone':
    case 'ibmcl':
      return unbracket(hostOfAuthority(parsed.host));
    case 'azure':
      return azureServiceHost(conf);
    case 's3':
    case 'r2':
    case 'gs': {
      const endpoint = parsed.params['endpoint'];
      if (endpoint !== undefined) return endpointHost(endpoint);
      if (parsed.scheme === 'r2') return `${(parsed.params['account-id'] ?? '').toLowerCase()}.r2.cloudflarestorage.com`;
      if (parsed.scheme === 'gs') return 'storage.googleapis.com';
      return `s3.${(parsed.params['region'] ?? 'us-east-1').toLowerCase()}.amazonaws.com`;
    }
  }
}

/**
 * DESTINATION_UNREACHABLE_MESSAGE when the destination's host is, or resolves to, an address
 * the policy refuses; null otherwise — including when DNS fails now (delivery enforces the
 * policy at connect time, with the same message).
 */
export async function destinationNetworkProblem(conf: string, policy: NetworkPolicy, resolve: Resolver = systemResolver): Promise<string | null> {
  const host = destinationHost(conf);
  if (host === null || host === '') return null;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<null>((done) => {
    timer = setTimeout(() => done(null), API_LOOKUP_TIMEOUT_MS);
  });
  try {
    const checked = checkedAddresses(host, policy, resolve).then(
      () => null,
      (error: { code?: unknown }) => (error?.code === ADDRESS_NOT_ALLOWED ? DESTINATION_UNREACHABLE_MESSAGE : null),
    );
    return await Promise.race([checked, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** The host of endpoint=[https://]host[:port], read as the destination reads it; null if refused there. */
function endpointHost(endpoint: string): string | null {
  const parsed = parseEndpoint(endpoint);
  return parsed.ok ? unbracket(parsed.url.hostname.toLowerCase()) : null;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
