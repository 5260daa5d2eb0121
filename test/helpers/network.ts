// The network policy of tests and benchmarks that deliver to servers on this machine
// (versitygw, local HTTP receivers, Toxiproxy): loopback is refused by default and allowed
// here explicitly, as an operator would with destinations.allow_networks.

import { NetworkPolicy } from '../../src/destinations/net/network-policy.ts';

export const LOOPBACK_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/** For config objects and YAML: `destinations: LOOPBACK_DESTINATIONS`. */
export const LOOPBACK_DESTINATIONS = { allow_networks: [...LOOPBACK_NETWORKS] };

export const LOOPBACK_ALLOWED = new NetworkPolicy(LOOPBACK_NETWORKS);
