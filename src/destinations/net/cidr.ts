// CIDR notation for the operator's network allow-list (`destinations.allow_networks`).

import { isIP } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** "10.0.0.0/8", "::1/128" or a bare address (= /32 or /128) → its parts; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A sentence for the config validator, or null when `text` is a usable CIDR. */
export function cidrProblem(text: string): string | null {
  return parseCidr(text) === null
    ? `must be an IPv4 or IPv6 network in CIDR form, such as "127.0.0.0/8" or "::1/128"; got ${JSON.stringify(text.slice(0, 64))}`
    : null;
}
