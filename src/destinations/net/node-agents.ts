// http.Agent / https.Agent for the AWS SDK's NodeHttpHandler (object storage destinations):
// every new connection is a checked socket (guarded-connect.ts); https wraps it in TLS only
// after the address passed, keeping the Agent's TLS session cache. Node's http client does not
// follow redirects, and the SDK turns a 3xx into an error, so no other host is reached.

import { Agent as HttpAgent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connectChecked, type ConnectDeps } from './guarded-connect.ts';
import type { NetworkPolicy } from './network-policy.ts';

type CreateCallback = (error: Error | null, socket: Duplex) => void;
interface ConnectionOptions {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
}

export interface GuardedAgents {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
}

/** Agents whose sockets go to allowed addresses only. `timeoutMs` bounds DNS + TCP connect. */
export function guardedAgents(policy: NetworkPolicy, options: AgentOptions & { timeoutMs: number }, deps: ConnectDeps = {}): GuardedAgents {
  const { timeoutMs, ...agentOptions } = options;
  const open = (connection: ConnectionOptions, defaultPort: number): Promise<Socket> =>
    connectChecked(policy, { host: connection.host ?? connection.hostname ?? 'localhost', port: Number(connection.port ?? defaultPort), timeoutMs }, deps);

  class GuardedHttpAgent extends HttpAgent {
    override createConnection(connection: ConnectionOptions, callback: CreateCallback): undefined {
      open(connection, 80).then((socket) => callback(null, socket), (error: Error) => callback(error, undefined as unknown as Duplex));
      return undefined;
    }
  }
  class GuardedHttpsAgent extends HttpsAgent {
    override createConnection(connection: ConnectionOptions, callback: CreateCallback): undefined {
      open(connection, 443).then(
        // https.Agent's own createConnection adds the cached TLS session; `socket` makes
        // tls.connect use the checked socket instead of dialling again.
        (socket) => callback(null, super.createConnection({ ...connection, socket } as never) as unknown as Duplex),
        (error: Error) => callback(error, undefined as unknown as Duplex),
      );
      return undefined;
    }
  }
  return { httpAgent: new GuardedHttpAgent(agentOptions), httpsAgent: new GuardedHttpsAgent(agentOptions) };
}
