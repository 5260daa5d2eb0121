// Which addresses a destination must not reach unless the operator allows them (docs/architecture.md
// invariant 8): this machine, the networks it sits on, and the cloud metadata services.
//
// IPv6 addresses that carry an IPv4 address (mapped ::ffff:a.b.c.d, also written in hex as
// ::ffff:7f00:1; IPv4-compatible ::a.b.c.d; NAT64 64:ff9b::/96; 6to4 2002::/16) are classified
// by the IPv4 address inside: the kernel or a translator delivers them there.

import { isIPv4, isIPv6 } from 'node:net';

export type AddressClass =
  | 'metadata'
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'unique-local'
  | 'site-local';

/** An IPv4 network as [first address as uint32, prefix length, class]. Metadata first: it lies inside link-local and CGNAT. */
const IPV4_RANGES: ReadonlyArray<readonly [number, number, AddressClass]> = [
  [v4('169.254.169.254'), 32, 'metadata'], // AWS, GCP, Azure, OpenStack …
  [v4('100.100.100.200'), 32, 'metadata'], // Alibaba Cloud
  [v4('255.255.255.255'), 32, 'broadcast'],
  [v4('0.0.0.0'), 8, 'unspecified'],
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('10.0.0.0'), 8, 'private'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.168.0.0'), 16, 'private'],
  [v4('100.64.0.0'), 10, 'cgnat'],
  [v4('169.254.0.0'), 16, 'link-local'],
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('240.0.0.0'), 4, 'reserved'],
  [v4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [v4('198.18.0.0'), 15, 'reserved'], // benchmarking, often routed to lab networks
];

/**
 * The class of an IP address that destinations may not reach by default, or null for an
 * ordinary public address. `address` is an IPv4 or IPv6 literal (no brackets; a zone such as
 * %eth0 is ignored); anything else is 'reserved' (refused: never guess).
 */
export function addressClass(address: string): AddressClass | null {
  if (isIPv4(address)) return ipv4Class(v4(address));
  const groups = ipv6Groups(address);
  return groups === null ? 'reserved' : ipv6Class(groups);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), dotted; null when none. */
export function embeddedIpv4(address: string): string | null {
  const groups = isIPv4(address) ? null : ipv6Groups(address);
  const embedded = groups === null ? null : embeddedV4(groups);
  return embedded === null ? null : dotted(embedded);
}

function ipv4Class(value: number): AddressClass | null {
  for (const [first, prefix, klass] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if (((value & mask) >>> 0) === first) return klass;
  }
  return null;
}

function ipv6Class(g: readonly number[]): AddressClass | null {
  const embedded = embeddedV4(g);
  if (embedded !== null) return ipv4Class(embedded);
  const zeroTo6 = g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0 && g[6] === 0;
  if (zeroTo6 && g[7] === 0) return 'unspecified';
  if (zeroTo6 && g[7] === 1) return 'loopback';
  // fd00:ec2::254, AWS's IPv6 instance metadata address.
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0 && g[6] === 0 && g[7] === 0x254) return 'metadata';
  const first = g[0]!;
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'site-local';
  if ((first & 0xfe00) === 0xfc00) return 'unique-local';
  // Everything else under ::/8 (IPv4-compatible handled above), 100::/64 discard-only,
  // 2001:db8::/32 documentation.
  if (first === 0 || (first === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) || (first === 0x2001 && g[1] === 0x0db8)) return 'reserved';
  return null;
}

/** The embedded IPv4 address as uint32, or null. */
function embeddedV4(g: readonly number[]): number | null {
  const low = ((g[6]! << 16) | g[7]!) >>> 0;
  const zero4 = g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0;
  if (zero4 && g[4] === 0 && g[5] === 0xffff) return low; // ::ffff:a.b.c.d (mapped)
  if (zero4 && g[4] === 0xffff && g[5] === 0) return low; // ::ffff:0:a.b.c.d (SIIT translated)
  if (zero4 && g[4] === 0 && g[5] === 0 && (g[6] !== 0 || g[7]! > 1)) return low; // ::a.b.c.d (compatible)
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) return low; // 64:ff9b::/96 (NAT64)
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return low; // 64:ff9b:1::/48 (local NAT64)
  if (g[0] === 0x2002) return ((g[1]! << 16) | g[2]!) >>> 0; // 2002:aabb:ccdd::/48 (6to4)
  return null;
}

/** The eight 16-bit groups of an IPv6 literal, or null when it is not one. */
function ipv6Groups(text: string): number[] | null {
  const percent = text.indexOf('%');
  const address = percent < 0 ? text : text.slice(0, percent);
  if (!isIPv6(address)) return null;
  let head = address;
  let tail: number[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    const value = v4(address.slice(lastColon + 1));
    tail = [value >>> 16, value & 0xffff];
    head = address.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const split = head.split('::');
  const left = split[0] === '' ? [] : split[0]!.split(':').map((part) => parseInt(part, 16));
  const right = split.length < 2 || split[1] === '' ? [] : split[1]!.split(':').map((part) => parseInt(part, 16));
  const fill = 8 - left.length - right.length - tail.length;
  if (fill < 0 || (split.length < 2 && fill !== 0)) return null;
  return [...left, ...new Array<number>(fill).fill(0), ...right, ...tail];
}

function v4(text: string): number {
  const parts = text.split('.');
  return ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0;
}

function dotted(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}
