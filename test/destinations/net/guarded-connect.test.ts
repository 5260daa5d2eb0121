// The guarded lookup and connect with a fake resolver and a fake connector: a refused address
// must be refused before any socket exists, so a regression fails here instead of sending
// packets to 10.0.0.1 or the metadata service. Real sockets are opened only on loopback.

import assert from 'node:assert/strict';
import { connect as netConnect, createServer, Socket, type AddressInfo, type NetConnectOpts, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { guardedAgents } from '../../../src/destinations/net/node-agents.ts';
import { connectChecked, guardRemoteAddress } from '../../../src/destinations/net/guarded-connect.ts';
import { checkedAddresses, guardedLookup, type Resolver } from '../../../src/destinations/net/guarded-lookup.ts';
import { NetworkPolicy } from '../../../src/destinations/net/network-policy.ts';
import { guardedConnector } from '../../../src/destinations/net/undici-connector.ts';
import { ADDRESS_NOT_ALLOWED } from '../../../src/destinations/net/unreachable.ts';

const DENY = new NetworkPolicy([]);
const LOOPBACK = new NetworkPolicy(['127.0.0.0/8', '::1/128']);

/** A resolver that answers from a table and never touches DNS. */
function fakeResolver(table: Record<string, string[]>): Resolver {
  return async (name) => {
    const addresses = table[name];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/**
 * A connector that never connects: it records the call, runs the lookup it was given the way
 * net.connect would, records where it would have connected, and fails.
 */
function fakeConnector() {
  const calls: string[] = [];
  const dialled: string[] = [];
  const connect = (options: NetConnectOpts): Socket => {
    const socket = new Socket();
    const { host, lookup } = options as { host: string; lookup: (h: string, o: object, cb: (e: Error | null, a: unknown) => void) => void };
    calls.push(host);
    lookup(host, { all: true }, (error, addresses) => {
      if (!error) dialled.push(...(addresses as Array<{ address: string }>).map((a) => a.address));
      socket.destroy(error ?? Object.assign(new Error('fake connector does not connect'), { code: 'EFAKE' }));
    });
    return socket;
  };
  return { connect, calls, dialled };
}

const resolver = fakeResolver({
  'public.example': ['93.184.215.14'],
  'internal.example': ['10.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'mixed.example': ['93.184.215.14', '127.0.0.1'],
  'mapped.example': ['::ffff:7f00:1'],
});

describe('checkedAddresses and guardedLookup', () => {
  it('refuses a name if any of its addresses is refused, and passes public names', async () => {
    assert.deepEqual(await checkedAddresses('public.example', DENY, resolver), [{ address: '93.184.215.14', family: 4 }]);
    for (const name of ['internal.example', 'metadata.example', 'mixed.example', 'mapped.example', '127.0.0.1', '[::1]', '[::ffff:127.0.0.1]']) {
      await assert.rejects(checkedAddresses(name, DENY, resolver), { code: ADDRESS_NOT_ALLOWED }, name);
    }
    await assert.rejects(checkedAddresses('nowhere.example', DENY, resolver), { code: 'ENOTFOUND' });
  });

  it('answers net.connect in both of its shapes, filtered by family', async () => {
    const lookup = guardedLookup(LOOPBACK, fakeResolver({ 'two.example': ['127.0.0.1', '::1'] }));
    const all = await new Promise((resolve) => lookup('two.example', { all: true }, (e, a) => resolve([e, a])));
    assert.deepEqual(all, [null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]]);
    const six = await new Promise((resolve) => lookup('two.example', { family: 6 }, (e, a, f) => resolve([e, a, f])));
    assert.deepEqual(six, [null, '::1', 6]);
    const refused = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup(DENY, resolver)('internal.example', {}, (e) => resolve(e)));
    assert.equal(refused?.code, ADDRESS_NOT_ALLOWED);
  });
});

describe('connectChecked with a fake connector', () => {
  it('never opens a socket to a refused IP literal', async () => {
    const fake = fakeConnector();
    for (const host of ['10.0.0.1', '169.254.169.254', '100.100.100.200', '127.0.0.1', '[::1]', '::ffff:127.0.0.1', '[fd00:ec2::254]', '0.0.0.0']) {
      await assert.rejects(connectChecked(DENY, { host, port: 80, timeoutMs: 1000 }, { resolve: resolver, connect: fake.connect }), { code: ADDRESS_NOT_ALLOWED }, host);
    }
    assert.deepEqual(fake.calls, []);
  });

  it('never dials a name whose addresses are refused', async () => {
    const fake = fakeConnector();
    for (const host of ['internal.example', 'metadata.example', 'mixed.example', 'mapped.example']) {
      await assert.rejects(connectChecked(DENY, { host, port: 443, timeoutMs: 1000 }, { resolve: resolver, connect: fake.connect }), { code: ADDRESS_NOT_ALLOWED }, host);
    }
    assert.deepEqual(fake.dialled, []);
    // The fake does dial what is allowed: the test would see a regression.
    await assert.rejects(connectChecked(DENY, { host: 'public.example', port: 443, timeoutMs: 1000 }, { resolve: resolver, connect: fake.connect }), { code: 'EFAKE' });
    assert.deepEqual(fake.dialled, ['93.184.215.14']);
  });

  it('refuses through the undici connector and the SDK agents without dialling', async () => {
    const fake = fakeConnector();
    const connector = guardedConnector(DENY, { timeoutMs: 1000, rejectUnauthorized: true }, { resolve: resolver, connect: fake.connect });
    for (const [hostname, protocol] of [['10.0.0.1', 'https:'], ['metadata.example', 'http:'], ['169.254.169.254', 'http:']] as const) {
      const error = await new Promise<Error | null>((resolve) => connector({ hostname, protocol, port: '' }, (...args) => resolve(args[0])));
      assert.equal((error as NodeJS.ErrnoException | null)?.code, ADDRESS_NOT_ALLOWED, hostname);
    }
    const agents = guardedAgents(DENY, { timeoutMs: 1000 }, { resolve: resolver, connect: fake.connect });
    for (const [agent, host] of [[agents.httpsAgent, '169.254.169.254'], [agents.httpAgent, 'internal.example']] as const) {
      const error = await new Promise<Error | null>((resolve) => {
        (agent as unknown as { createConnection(o: object, cb: (e: Error | null) => void): void }).createConnection({ host, port: 80 }, (e) => resolve(e));
      });
      assert.equal((error as NodeJS.ErrnoException | null)?.code, ADDRESS_NOT_ALLOWED, host);
    }
    assert.deepEqual([fake.calls.filter((h) => h !== 'metadata.example' && h !== 'internal.example'), fake.dialled], [[], []]);
    agents.httpAgent.destroy();
    agents.httpsAgent.destroy();
  });
});

describe('connectChecked on loopback', { timeout: 10_000 }, () => {
  let server: Server;
  let port = 0;
  const received: Buffer[] = [];
  let connections = 0;
  /** Resolves when a server-side socket has closed. */
  let closed: () => void = () => {};
  before(async () => {
    server = createServer((socket) => {
      connections++;
      socket.on('data', (data) => received.push(data));
      socket.on('error', () => {});
      socket.on('close', () => closed());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects where the policy allows, to a checked address', async () => {
    const socket = await connectChecked(LOOPBACK, { host: 'localhost.test', port, timeoutMs: 2000 }, { resolve: fakeResolver({ 'localhost.test': ['127.0.0.1'] }) });
    assert.equal(socket.remoteAddress, '127.0.0.1');
    socket.destroy();
  });

  it('refuses loopback, named or literal, before connecting', async () => {
    const before = connections;
    await assert.rejects(connectChecked(DENY, { host: '127.0.0.1', port, timeoutMs: 2000 }), { code: ADDRESS_NOT_ALLOWED });
    await assert.rejects(connectChecked(DENY, { host: 'localhost', port, timeoutMs: 2000 }), { code: ADDRESS_NOT_ALLOWED });
    assert.equal(connections, before);
  });

  it('destroys a socket whose remote address is refused before anything written reaches the peer', async () => {
    // A socket that bypassed every other check (connected by address, no lookup): the guard
    // on 'connect' is the last line, and runs before the queued write is flushed.
    const peerClosed = new Promise<void>((resolve) => (closed = resolve));
    const socket = netConnect({ host: '127.0.0.1', port });
    guardRemoteAddress(socket, DENY, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\n\r\n');
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    assert.equal(error.code, ADDRESS_NOT_ALLOWED);
    // The peer sees a connection open and close, never a byte.
    await peerClosed;
    assert.equal(Buffer.concat(received).length, 0);
  });

  it('fails a connection that does not complete within its deadline', async () => {
    const hung = new NetworkPolicy(['0.0.0.0/0', '::/0']);
    const neverAnswers: Resolver = () => new Promise(() => {});
    // A resolver that never answers: only the deadline can end the attempt (no timing assertion).
    await assert.rejects(connectChecked(hung, { host: 'slow.example', port, timeoutMs: 200 }, { resolve: neverAnswers }), { code: 'ETIMEDOUT' });
  });
});
