// DNS for destination connections: a name is resolved to all its addresses and refused when
// any of them is one the policy forbids. Refusing the whole name (rather than dropping the bad
// addresses) keeps a name that mixes a public and a loopback address from reaching loopback on
// a retry, and the connection goes to an address that was checked — the name is not resolved
// again in between, so a DNS answer that changes (rebinding) cannot slip through.

import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { NetworkPolicy } from './network-policy.ts';
import { AddressNotAllowedError } from './unreachable.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (tests substitute a fake). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dns.lookup(hostname, { all: true, order: 'verbatim' })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * The addresses of `host` (a name or an IP literal, brackets allowed), all of them allowed by
 * the policy; rejects with AddressNotAllowedError when one is not, or with the resolver's error
 * (ENOTFOUND, …).
 */
export async function checkedAddresses(host: string, policy: NetworkPolicy, resolve: Resolver = systemResolver): Promise<ResolvedAddress[]> {
  const name = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literal = isIP(name);
  const addresses = literal !== 0 ? [{ address: name, family: literal as 4 | 6 }] : await resolve(name);
  if (addresses.length === 0) throw Object.assign(new Error(`${name} has no address`), { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const verdict = policy.verdict(address);
    if (!verdict.allowed) throw new AddressNotAllowedError(name, address, verdict.class ?? 'refused');
  }
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect / tls.connect that answers only with checked addresses (see checkedAddresses). */
export function guardedLookup(policy: NetworkPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    checkedAddresses(hostname, policy, resolve).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const wanted = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const first = wanted[0];
        if (first === undefined) {
          callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
        } else if (options.all) {
          callback(null, wanted);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
