import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { trackedSockets } from '../../../src/sources/kafka/tracked-sockets.ts';

describe('trackedSockets', () => {
  it('closes the sockets still open, so a socket kafkajs lost track of cannot keep the process alive', { timeout: 10_000 }, async () => {
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const sockets = trackedSockets();
      const connect = () => new Promise<Socket>((resolve) => {
        const socket: Socket = sockets.factory({ host: '127.0.0.1', port, ssl: undefined as never, onConnect: () => resolve(socket) });
      });
      const first = await connect();
      const second = await connect();
      first.destroy();
      await once(first, 'close');
      assert.equal(sockets.closeAll(), 1, 'only the socket still open is closed');
      await once(second, 'close');
      // Closed by the peer's answer to our FIN ('end', what kafkajs's own handler waits for), not by the backstop destroy.
      assert.equal(second.readableEnded, true);
      assert.equal(sockets.closeAll(), 0);
    } finally {
      for (const socket of accepted) socket.destroy();
      server.close();
    }
  });
});
