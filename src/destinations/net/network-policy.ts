// The operator's network policy for destinations: an address that addressClass() marks
// (loopback, private, link-local, metadata, …) is refused unless it lies in one of the
// networks of `destinations.allow_networks`. Ordinary public addresses are always allowed.
//
// There is no permissive default: every code path that opens a connection for a job or an API
// call is handed a policy built from the config (tests build one that allows loopback).

import { BlockList } from 'node:net';
import { addressClass, embeddedIpv4, type AddressClass } from './address-class.ts';
import { parseCidr } from './cidr.ts';

export interface NetworkVerdict {
  allowed: boolean;
  /** The address's class, or null for a public address. */
  class: AddressClass | null;
}

export class NetworkPolicy {
  readonly #allowed = new BlockList();
  readonly #unrestricted: boolean;
  /** The networks as configured, for logs. */
  readonly allowNetworks: readonly string[];

  /** `allowNetworks`: CIDR strings (validated by the config schema); a malformed one throws. */
  constructor(allowNetworks: readonly string[], options: { unrestricted?: boolean } = {}) {
    this.allowNetworks = [...allowNetworks];
    this.#unrestricted = options.unrestricted === true;
    for (const text of allowNetworks) {
      const cidr = parseCidr(text);
      if (cidr === null) throw new Error(`not a network in CIDR form: ${JSON.stringify(text.slice(0, 64))}`);
      this.#allowed.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
  }

  /** From the config's `destinations:` section. */
  static fromConfig(destinations: { allow_networks: readonly string[] }): NetworkPolicy {
    return new NetworkPolicy(destinations.allow_networks);
  }

  /**
   * Every address allowed. Only for what the operator runs by hand on a destination they name
   * (`sluice verify`); never for a job or an API call.
   */
  static unrestricted(): NetworkPolicy {
    return new NetworkPolicy([], { unrestricted: true });
  }

  /** Whether a connection to `address` (an IP literal, no brackets) may be made. */
  allows(address: string): boolean {
    return this.verdict(address).allowed;
  }

  verdict(address: string): NetworkVerdict {
    const klass = addressClass(address);
    if (klass === null || this.#unrestricted) return { allowed: true, class: klass };
    const plain = stripZone(address);
    const family = plain.includes(':') ? 'ipv6' : 'ipv4';
    let allowed = this.#allowed.check(plain, family);
    if (!allowed && family === 'ipv6') {
      // ::ffff:127.0.0.1 is 127.0.0.1: an operator who allows 127.0.0.0/8 allows it too.
      const v4 = embeddedIpv4(plain);
      allowed = v4 !== null && this.#allowed.check(v4, 'ipv4');
    }
    return { allowed, class: klass };
  }
}

function stripZone(address: string): string {
  const percent = address.indexOf('%');
  return percent < 0 ? address : address.slice(0, percent);
}
