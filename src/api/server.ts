// The admin HTTP server: route → authenticate → rate limit → authorise → handler → envelope.
// Every failure becomes a Logpush envelope with a stable code; an unexpected exception is a
// 500 with a generic message (logged, never a stack trace in the response). With `tls` the
// same handler is served over HTTPS. No X-Forwarded-* header is read: behind a proxy, the
// address that failed attempts are limited by is the proxy's.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JobStore } from '../jobs/store/job-store.ts';
import type { Tenant } from '../jobs/types.ts';
import { parseWithProblems } from '../jobs/zod-problems.ts';
import type { Problem } from '../jobs/types.ts';
import { Authenticator, authorize, unauthorized } from './auth.ts';
import { parseJsonBody, readBody } from './body.ts';
import { errorEnvelope, okEnvelope } from './envelope.ts';
import { API_ERROR_CODES, apiError, isApiError, problemsError, type ApiErrorItem } from './errors.ts';
import { syntaxDestinationValidator } from './handlers/destinations.ts';
import { buildOpenApi } from './openapi.ts';
import type { DestinationBoundary } from './destination-boundary.ts';
import { DEFAULT_OWNERSHIP_TTL_SECONDS, createFileOwnershipWriter, OwnershipSigner, type OwnershipWriter } from './ownership.ts';
import { TokenBucketLimiter } from './rate-limit.ts';
import { notOfferedRoute } from './not-offered-routes.ts';
import { Router } from './router.ts';
import { expandRoutes, ROUTES } from './routes.ts';
import { JobBodySchema } from './schemas.ts';
import type { ApiTls } from './tls.ts';
import type { TokenStore } from './token-store.ts';
import {
  DEFAULT_API_LIMITS,
  type ApiDeps, type ApiLimits, type ApiLog, type AuditSink, type DestinationValidator, type HealthProvider, type RequestContext, type RouteSpec,
} from './types.ts';

export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 8787;

export interface ApiServerOptions {
  store: JobStore;
  tokens: TokenStore;
  /** SLUICE_OPERATOR_TOKEN (at least 16 characters; shorter disables the operator). */
  operatorToken?: string | undefined;
  /** HMAC key for ownership challenges (see loadOwnershipSecret). */
  ownershipSecret: Buffer;
  ownershipWriter?: OwnershipWriter;
  ownershipTtlSeconds?: number;
  validateDestination?: DestinationValidator;
  /** Required: which destinations a tenant may use (see destination-boundary.ts); no permissive default. */
  destinationBoundary: DestinationBoundary;
  health?: HealthProvider;
  audit?: AuditSink;
  log?: ApiLog;
  limits?: Partial<ApiLimits>;
  /** Clock (ms since the epoch) for rate limits, challenges and audit times; tests inject one. */
  now?: () => number;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Serve HTTPS with this certificate and key (loadApiTls); without it, plain HTTP. */
  tls?: ApiTls;
}

export interface ApiServer {
  readonly server: Server;
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** HTTPS only: new connections get this certificate and key; open ones keep theirs. */
  setTls(tls: ApiTls): void;
  close(): Promise<void>;
}

const SILENT_LOG: ApiLog = { warn() {}, error() {} };

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, errors: readonly ApiErrorItem[], headers: Readonly<Record<string, string>> = {}): void {
  send(res, status, errorEnvelope(errors), headers);
}

function tenantFrom(params: Record<string, string>, param: 'zone_id' | 'account_id' | null): Tenant | null {
  if (param === null) return null;
  const id = params[param] ?? '';
  if (id.length > 256) throw apiError(404, API_ERROR_CODES.notFound, `${param === 'zone_id' ? 'zone' : 'account'} not found`);
  return param === 'zone_id' ? { zone_id: id } : { account_id: id };
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const now = options.now ?? Date.now;
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const deps: ApiDeps = {
    store: options.store,
    tokens: options.tokens,
    signer: new OwnershipSigner(options.ownershipSecret, options.ownershipTtlSeconds ?? DEFAULT_OWNERSHIP_TTL_SECONDS, now),
    ownershipWriter: options.ownershipWriter ?? createFileOwnershipWriter({ roots: [], tenantFolders: true }),
    validateDestination: options.validateDestination ?? syntaxDestinationValidator,
    destinationBoundary: options.destinationBoundary,
    health: options.health ?? (() => undefined),
    audit: options.audit ?? (() => {}),
    log: options.log ?? SILENT_LOG,
    now,
  };
  const routes: readonly RouteSpec[] = ROUTES;
  const router = new Router(expandRoutes(routes));
  const openapi = JSON.stringify(buildOpenApi(routes));
  const authenticator = new Authenticator(options.tokens, options.operatorToken);
  const limiter = new TokenBucketLimiter({ rate: limits.rate_per_second, burst: limits.rate_burst }, now);

  const rateLimited = (key: string): void => {
    const wait = limiter.take(key);
    if (wait > 0) throw apiError(429, API_ERROR_CODES.rateLimited, `rate limit exceeded (${limits.rate_per_second} requests/s, burst ${limits.rate_burst}); retry after ${wait} s`, { 'retry-after': String(wait) });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = router.match(method, path);
    if (match.kind === 'none') throw apiError(404, API_ERROR_CODES.notFound, notOfferedRoute(path) ?? `no route for ${method} ${path.slice(0, 200)}`);
    if (match.kind === 'method') {
      throw apiError(405, API_ERROR_CODES.methodNotAllowed, `method ${method.slice(0, 16)} is not allowed here; allowed: ${match.allow.join(', ')}`, { allow: match.allow.join(', ') });
    }
    const { route, params } = match;
    const spec = route.spec;
    if (spec.scope === 'public') {
      if (spec.operationId === 'openapi') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(openapi), 'cache-control': 'no-store' });
        res.end(openapi);
        return;
      }
      const out = await spec.handler({ params, tenant: null, caller: null, body: async () => undefined, deps });
      send(res, 200, out.result);
      return;
    }

    const caller = authenticator.authenticate(req.headers.authorization);
    if (caller === null) {
      // Failed attempts are limited per address too, which slows down token guessing.
      rateLimited(`addr:${req.socket.remoteAddress ?? ''}`);
      throw unauthorized();
    }
    rateLimited(`token:${caller.id}`);
    if (spec.scope === 'operator' && caller.kind !== 'operator') {
      throw apiError(403, API_ERROR_CODES.forbidden, 'this route needs the operator token (SLUICE_OPERATOR_TOKEN)');
    }
    const tenant = tenantFrom(params, route.tenantParam);
    if (tenant !== null) authorize(caller, tenant, spec.access);

    let body: Promise<unknown> | null = null;
    const ctx: RequestContext = {
      params,
      tenant,
      caller,
      deps,
      body: () => (body ??= readBody(req, limits.max_body_bytes).then((bytes) => {
        const value = parseJsonBody(bytes);
        // Job bodies are validated by the store (catalog- and limits-aware); others here.
        if (spec.requestBody === undefined || spec.requestBody === JobBodySchema) return value;
        const problems: Problem[] = [];
        const parsed = parseWithProblems(spec.requestBody, value, '$', problems);
        if (problems.length > 0) throw problemsError(problems);
        return parsed;
      })),
    };
    const out = await spec.handler(ctx);
    send(res, 200, okEnvelope(out.result, out.messages ?? []));
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (isApiError(error)) {
        sendError(res, error.status, error.errors, error.headers);
        return;
      }
      deps.log.error({ err: error instanceof Error ? error.message : String(error), method: req.method }, 'admin API request failed');
      sendError(res, 500, [{ code: API_ERROR_CODES.internal, message: 'internal error; the server log has details' }]);
    });
  };
  // Bounds slow clients; admin requests are small. A handshake gets as long as the headers do.
  const https = options.tls ? createHttpsServer({ ...options.tls, handshakeTimeout: 10_000 }, onRequest) : null;
  const server: Server = https ?? createServer(onRequest);
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  return {
    server,
    listen: () => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_API_PORT, options.host ?? DEFAULT_API_HOST, () => {
        server.off('error', reject);
        const address = server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve({ host: address.address, port: address.port, url: `${https ? 'https' : 'http'}://${host}:${address.port}` });
      });
    }),
    setTls(next) {
      if (!https) throw new Error('setTls: this admin API serves plain HTTP');
      https.setSecureContext(next);
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
