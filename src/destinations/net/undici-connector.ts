// The connector of an HTTP destination's undici Pool: every connection is a checked socket
// (guarded-connect.ts), with TLS layered on it by undici's own connector (session cache,
// ALPN, handshake timeout) through its `httpSocket` option, only once the address passed.
// undici never follows redirects on its own (there is no redirect interceptor on the Pool), so
// every host a destination reaches comes through here.

import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import { connectChecked, type ConnectDeps } from './guarded-connect.ts';
import type { NetworkPolicy } from './network-policy.ts';

export interface GuardedConnectorOptions {
  /** DNS + TCP, and then the TLS handshake, each within this. */
  timeoutMs: number;
  rejectUnauthorized: boolean;
  /** Called with each connection's checked socket, before it is used. */
  onConnect?: (socket: Socket) => void;
}

export function guardedConnector(policy: NetworkPolicy, options: GuardedConnectorOptions, deps: ConnectDeps = {}): buildConnector.connector {
  const tls = buildConnector({ timeout: options.timeoutMs, rejectUnauthorized: options.rejectUnauthorized });
  return (opts, callback) => {
    const https = opts.protocol === 'https:';
    const port = opts.port === '' ? (https ? 443 : 80) : Number(opts.port);
    connectChecked(policy, { host: opts.hostname, port, timeoutMs: options.timeoutMs }, deps).then(
      (socket) => {
        options.onConnect?.(socket);
        if (https) {
          // servername: SNI and the certificate check use the name from the URL, not the address.
          tls({ ...opts, httpSocket: socket }, callback);
          return;
        }
        socket.setNoDelay(true).setKeepAlive(true, 60_000);
        callback(null, socket);
      },
      (error: Error) => callback(error, null),
    );
  };
}
