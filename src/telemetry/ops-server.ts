// The operations HTTP listener (telemetry.listen, default 127.0.0.1:9464), separate from the
// admin API so scrapers and probes need no token and cannot reach job data:
//   GET /metrics  Prometheus text exposition
//   GET /healthz  200 while the process serves HTTP at all
//   GET /readyz   200 when every readiness check passes, else 503 with the failing checks (JSON)

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitListen } from '../config/schema.ts';
import { METRICS_CONTENT_TYPE, type SluiceMetrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';

export interface OpsServerOptions {
  /** host:port; port 0 picks a free one (tests). */
  listen: string;
  metrics: SluiceMetrics;
  readiness: Readiness;
}

export interface OpsServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  close(): Promise<void>;
}

export class OpsServerError extends Error {
  readonly code = 'ERR_TELEMETRY_LISTEN';
  constructor(listen: string, cause: unknown) {
    super(`cannot listen on telemetry.listen ${listen}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
    this.name = 'OpsServerError';
  }
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  // Probes and scrapes are short; do not let an idle keep-alive socket hold up shutdown.
  server.keepAliveTimeout = 5_000;
  const { host, port } = splitListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new OpsServerError(options.listen, error)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}`, close: () => closeServer(server) };
}

async function handle(options: OpsServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  switch (path) {
    case '/metrics': {
      const body = await options.metrics.text();
      response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(body);
      return;
    }
    case '/healthz':
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      return;
    case '/readyz': {
      const report = options.readiness.report();
      response.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(report)}\n`);
      return;
    }
    default:
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics, /healthz or /readyz\n');
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
