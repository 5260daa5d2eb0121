// A receiving end for HTTP destinations in tests: a node:http (or node:https) server on
// 127.0.0.1 that records every request with its body decoded (gunzipped when Content-Encoding
// is gzip) and answers what `reply` says: a status, a Retry-After, or never (a slow receiver).
// With it, the pieces every HTTP destination suite uses: hooks, batches, failure checks.

import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ChunkStream } from '../../src/destinations/chunk-stream.ts';
import { DeliveryError, type DeliveryObject } from '../../src/destinations/destination.ts';
import { HttpDestination, type HttpDestinationOptions } from '../../src/destinations/http/http-destination.ts';
import { LOOPBACK_ALLOWED } from './network.ts';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Decoded body (gunzipped when Content-Encoding: gzip). */
  text: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (until the server closes): a slow destination. */
  hang?: boolean;
}

export class HttpReceiver {
  readonly requests: Received[] = [];
  connections = 0;
  reply: (request: Received, index: number) => Reply = () => ({ status: 200 });
  readonly #server: Server;

  /** With `tls`, an HTTPS server presenting that certificate. */
  constructor(tls?: { cert: string | Buffer; key: string | Buffer }) {
    const handler: Parameters<typeof createHttpServer>[1] = (req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        const raw = Buffer.concat(parts);
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, text };
        const reply = this.reply(received, this.requests.length);
        this.requests.push(received);
        if (reply.hang) return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      });
    };
    this.#server = tls ? (createHttpsServer(tls, handler) as unknown as Server) : createHttpServer(handler);
    this.#server.on(tls ? 'secureConnection' : 'connection', () => this.connections++);
  }

  async start(host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, host, resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.connections = 0;
    this.reply = () => ({ status: 200 });
  }
}

/**
 * Registers node:test hooks for a suite of HTTP destinations against one receiver: started
 * before the suite, reset after each test (closing the destinations made with `destination`),
 * stopped after it. Destinations send plain http to it (plainHttpOnLoopback).
 */
export function receiverSuite(): { receiver: HttpReceiver; port: () => number; destination: (conf: string, options?: Partial<HttpDestinationOptions>) => HttpDestination } {
  const receiver = new HttpReceiver();
  let port = 0;
  const open: HttpDestination[] = [];
  before(async () => {
    port = await receiver.start();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((d) => d.close()));
    receiver.reset();
  });
  after(() => receiver.stop());
  return {
    receiver,
    port: () => port,
    destination: (conf, options = {}) => {
      const created = new HttpDestination(conf, { network: LOOPBACK_ALLOWED, plainHttpOnLoopback: true, ...options });
      open.push(created);
      return created;
    },
  };
}

/** `n` NDJSON records with distinct RayIDs. */
export function records(n: number, prefix = 'r'): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ RayID: `${prefix}${i}`, EdgeResponseStatus: 200 + (i % 3) }));
}

/** A batch of job 7 holding `lines`, gzipped in chunks of `chunkLines` lines. */
export function gzipBatch(lines: string[], batchId = 'b0001', chunkLines = lines.length): DeliveryObject {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < lines.length; i += chunkLines) chunks.push(gzipSync(`${lines.slice(i, i + chunkLines).join('\n')}\n`));
  return { jobId: 7, batchId, startNs: '1764000000000000000', endNs: '1764000001000000000', compression: 'gzip', contentType: 'application/x-ndjson', chunks: ChunkStream.of(chunks), records: lines.length };
}

/** The DeliveryError `promise` rejects with; fails if it resolves or if a secret shows in the message or detail. */
export async function rejection(promise: Promise<unknown>, secrets: readonly string[]): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `expected a DeliveryError, got ${String(error)}`);
    for (const secret of secrets) {
      assert.ok(!error.message.includes(secret), error.message);
      assert.ok(!(error.detail ?? '').includes(secret), error.detail ?? '');
    }
    return error;
  }
  assert.fail('expected the delivery to fail');
}
