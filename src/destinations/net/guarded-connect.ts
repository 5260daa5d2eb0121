// A TCP connection to a destination, made only to addresses the network policy allows:
//   - an IP-literal host (which never goes through DNS) is checked before connecting;
//   - a name goes through guardedLookup, which refuses it if any of its addresses is refused;
//   - and, in case anything above is bypassed, the socket's remote address is checked on
//     'connect', before the caller has it and before any byte (TLS hello, request) is written.
// TLS is layered on the checked socket by the caller (undici-connector.ts, node-agents.ts).

import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { guardedLookup, systemResolver, type Resolver } from './guarded-lookup.ts';
import type { NetworkPolicy } from './network-policy.ts';
import { AddressNotAllowedError } from './unreachable.ts';

export interface ConnectTarget {
  /** A name, an IPv4 literal or an IPv6 literal (brackets allowed). */
  host: string;
  port: number;
  /** DNS and TCP connect together must finish within this. */
  timeoutMs: number;
}

export interface ConnectDeps {
  resolve?: Resolver;
  /** Opens the socket; tests pass a fake that records what it would have connected to. */
  connect?: (options: NetConnectOpts) => Socket;
}

/** Resolves with a connected socket whose remote address the policy allows; rejects otherwise. */
export function connectChecked(policy: NetworkPolicy, target: ConnectTarget, deps: ConnectDeps = {}): Promise<Socket> {
  const host = target.host.startsWith('[') && target.host.endsWith(']') ? target.host.slice(1, -1) : target.host;
  return new Promise((resolve, reject) => {
    // An IP literal never reaches `lookup`: it is checked here, before any socket exists.
    if (/^[0-9.]+$|:/.test(host)) {
      const verdict = policy.verdict(host);
      if (!verdict.allowed) {
        reject(new AddressNotAllowedError(host, host, verdict.class ?? 'refused'));
        return;
      }
    }
    const socket = (deps.connect ?? netConnect)({ host, port: target.port, lookup: guardedLookup(policy, deps.resolve ?? systemResolver) });
    guardRemoteAddress(socket, policy, host);
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error(`connecting to ${host}:${target.port} timed out`), { code: 'ETIMEDOUT' }));
    }, target.timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      if (socket.destroyed) return; // refused by the guard: 'error' follows
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Destroys `socket` on 'connect' unless its remote address is allowed. Registered before any
 * other 'connect' listener, so it runs before anything can write.
 */
export function guardRemoteAddress(socket: Socket, policy: NetworkPolicy, host: string): void {
  socket.prependOnceListener('connect', () => {
    const address = socket.remoteAddress;
    if (address === undefined || !policy.allows(address)) {
      const verdict = address === undefined ? null : policy.verdict(address);
      socket.destroy(new AddressNotAllowedError(host, address ?? 'an unknown address', verdict?.class ?? 'unknown'));
    }
  });
}
