// The Kafka consumer's sockets, so that none outlives its disconnect. kafkajs 2.2.4 keeps the
// consumer group's coordinator Broker object across a broker restart that the consumer rides
// out (kafka-client.ts CONSUMER_RETRY); that object's next heartbeat reconnects outside the
// cluster's broker pool, so consumer.disconnect() never closes that socket and the process
// cannot exit. Measured with bench/broker-restart.ts: a SIGTERM stop after a broker restart
// hung until the SIGKILL 60 s later, with one open socket whose stack was Broker.heartbeat.
// Same sockets as kafkajs's own factory (src/network/socketFactory.js), plus a registry; the
// consumer's disconnect ends those still open.

import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** kafkajs's keep-alive delay. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/** A socket the peer has not closed after `end()` is destroyed this much later. */
const CLOSE_GRACE_MS = 1000;

export interface TrackedSockets {
  readonly factory: ISocketFactory;
  /**
   * Ends every socket still open and returns how many there were. end(), not destroy(): the
   * broker's answering FIN fires kafkajs's own 'end' handler, which stops the connection's
   * request-timeout interval (a destroyed socket would leave that interval holding the process).
   */
  closeAll(): number;
}

export function trackedSockets(): TrackedSockets {
  const open = new Set<net.Socket>();
  const factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(net.isIP(host) === 0 ? { servername: host } : {}), ...(ssl as tls.ConnectionOptions) }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    return socket;
  };
  return {
    factory,
    closeAll() {
      const count = open.size;
      for (const socket of open) {
        socket.end();
        socket.unref();
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      }
      open.clear();
      return count;
    },
  };
}
