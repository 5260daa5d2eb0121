// HTTP destinations: generic HTTPS (one gzip POST per batch, or per size-bounded group of
// chunks), Splunk HEC's raw endpoint (and SentinelOne's), the Datadog logs intake, and the
// Sumo Logic and New Relic log intakes (gzip POSTs of at most 1 MB of whole lines), and IBM
// Cloud Logs (the whole batch, a JSON array, with an IAM bearer token).
//
// Each destination owns one undici Pool bound to its origin: connections are kept alive and
// reused across batches (a TLS handshake costs more than a small batch's POST), and their
// number is bounded so a slow endpoint cannot make sluice open sockets without limit.
//
// A batch may need several requests. Each carries `Idempotency-Key: <job>-<batch>-<index>`;
// the requests of a batch are deterministic, so a retry sends the same keys. Requests that
// already succeeded are remembered per batch and skipped when the pipeline retries the batch,
// so a failure in request 7 of 8 does not resend the first 6.
//
// Retries are not done here: the pipeline's loop (src/core/delivery.ts) is the only one.
//
// Connections go only to addresses the network policy allows (src/destinations/net/): the
// Pool's connector checks every address before a byte is sent, and undici follows no redirect.

import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { DeliveryError, type DeliveryObject, type DeliveryReceipt, type Destination } from '../destination.ts';
import { DEFAULT_CONTENT_TYPE } from '../content-type.ts';
import { addressClass } from '../net/address-class.ts';
import type { NetworkPolicy } from '../net/network-policy.ts';
import { guardedConnector } from '../net/undici-connector.ts';
import { DATADOG_LIMITS, datadogPayloads, type DatadogLimits } from './datadog-payload.ts';
import { IbmIamTokens } from './ibm-iam.ts';
import { findHeader, resolveHttpTarget, type HttpTarget, type ResolveOptions } from './http-conf.ts';
import { linePayloads } from './line-payloads.ts';
import { requestBodies } from './request-plan.ts';
import { errorForResponse, errorForTransport, type ErrorContext } from './response-errors.ts';

const gzip = promisify(gzipCallback);

export interface HttpDestinationOptions extends ResolveOptions {
  /** Which addresses connections may go to (from the config's destinations.allow_networks). Required: no permissive default. */
  network: NetworkPolicy;
  /** Connections per destination (default 4). */
  connections?: number;
  connectTimeoutMs?: number;
  /** Time from sending the request to the response headers (default 60 s: receivers may index before answering). */
  headersTimeoutMs?: number;
  /** Longest pause while reading a response body (default 30 s). */
  bodyTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this (default 30 s; a server's shorter hint wins). */
  keepAliveTimeoutMs?: number;
  /** Uncompressed bytes per generic/Splunk request (default 8 MiB); a single larger chunk goes alone. */
  maxRequestBytes?: number;
  datadogLimits?: DatadogLimits;
  /** Uncompressed bytes per Sumo Logic / New Relic request (default: the vendor's documented 1 MB). */
  lineRequestBytes?: number;
  /** IBM's IAM token endpoint for ibmcl:// (tests point it at a local server). */
  ibmIamUrl?: string;
}

export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;
/** Sumo Logic: "up to but not exceeding 1MB of uncompressed data"; New Relic: 10^6 bytes per POST. */
export const VENDOR_LINE_REQUEST_BYTES = 1_000_000;
/** Response bodies are read this far at most (for error snippets and Splunk status codes). */
const RESPONSE_READ_BYTES = 4096;
/** Batches with some requests delivered, remembered for a retry; bounded so a stuck batch cannot grow it. */
const MAX_REMEMBERED_BATCHES = 1024;
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const USER_AGENT = 'sluice/0.1';

/** Compressions an HTTP destination can send: receivers understand gzip (Content-Encoding) or plain bytes. */
export const HTTP_COMPRESSIONS: ReadonlySet<string> = new Set(['gzip', 'none']);

interface PreparedRequest {
  body: Uint8Array;
  contentType: string;
  contentEncoding: 'gzip' | null;
}

export class HttpDestination implements Destination {
  readonly kind = 'http';
  readonly #target: HttpTarget;
  readonly #pool: Pool;
  readonly #errors: ErrorContext;
  readonly #maxRequestBytes: number;
  readonly #datadogLimits: DatadogLimits;
  readonly #lineRequestBytes: number;
  readonly #iam: IbmIamTokens | null;
  /** batchId → requests of that batch already accepted by the destination. */
  readonly #delivered = new Map<string, number>();

  /** Throws a non-retryable DeliveryError ERR_DESTINATION_CONF for a bad conf (redacted). */
  constructor(conf: string, options: HttpDestinationOptions) {
    this.#target = resolveHttpTarget(conf, options);
    const errors: ErrorContext = { kind: this.#target.kind, redacted: this.#target.redacted, secrets: this.#target.secrets, quoteBody: true };
    this.#errors = errors;
    this.#maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.#datadogLimits = options.datadogLimits ?? DATADOG_LIMITS;
    this.#lineRequestBytes = options.lineRequestBytes ?? VENDOR_LINE_REQUEST_BYTES;
    const iamOptions = { network: options.network, ...(options.ibmIamUrl ? { tokenUrl: options.ibmIamUrl } : {}), ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}) };
    this.#iam = this.#target.ibmApiKey === null ? null : new IbmIamTokens(this.#target.ibmApiKey, this.#target.secrets, iamOptions);
    this.#pool = new Pool(this.#target.origin, {
      connections: options.connections ?? 4,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      headersTimeout: options.headersTimeoutMs ?? 60_000,
      bodyTimeout: options.bodyTimeoutMs ?? 30_000,
      connect: guardedConnector(options.network, {
        timeoutMs: options.connectTimeoutMs ?? 10_000,
        rejectUnauthorized: this.#target.rejectUnauthorized,
        // A server on a network the operator opened (loopback, a private range) may be anything,
        // not the tenant's receiver: its answers are not quoted back to the tenant.
        onConnect: (socket) => {
          if (errors.quoteBody && addressClass(socket.remoteAddress ?? '') !== null) errors.quoteBody = false;
        },
      }),
    });
  }

  async deliver(object: DeliveryObject): Promise<DeliveryReceipt> {
    if (!HTTP_COMPRESSIONS.has(object.compression)) {
      throw new DeliveryError(
        'ERR_HTTP_COMPRESSION',
        `destination ${this.#target.redacted}: HTTP destinations send gzip or uncompressed bodies; set the job's compression to gzip (or none), not ${object.compression}`,
        false,
      );
    }
    const done = this.#delivered.get(object.batchId) ?? 0;
    let index = 0;
    for await (const request of this.#requests(object)) {
      if (index >= done) {
        await this.#post(request, `${object.jobId}-${object.batchId}-${index}`, object.signal);
        this.#remember(object.batchId, index + 1);
      }
      index++;
    }
    this.#delivered.delete(object.batchId);
    return { location: `${this.#target.origin}${this.#target.path.split('?')[0]} (${index} request${index === 1 ? '' : 's'})` };
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#iam?.close()]);
  }

  /** The request bodies of one batch, in order; each is ready to send. */
  async *#requests(object: DeliveryObject): AsyncGenerator<PreparedRequest> {
    const target = this.#target;
    if (target.kind === 'datadog') {
      for await (const payload of datadogPayloads(object.chunks, object.compression, target.datadog!, this.#datadogLimits)) {
        yield { body: await gzip(payload), contentType: 'application/json', contentEncoding: 'gzip' };
      }
      return;
    }
    if (target.kind === 'sumo' || target.kind === 'newrelic') {
      // New Relic reads JSON (format=cloudflare: one record per line); a Sumo source takes
      // text as logs (some other Content-Types would make it parse metrics).
      const contentType = target.kind === 'newrelic' ? 'application/json' : 'text/plain; charset=utf-8';
      for await (const payload of linePayloads(object.chunks, object.compression, this.#lineRequestBytes)) {
        yield { body: await gzip(payload), contentType, contentEncoding: 'gzip' };
      }
      return;
    }
    // HEC raw endpoints take the lines as they are; generic endpoints get the job's output.
    const contentType = target.kind === 'splunk' || target.kind === 'sentinelone' ? 'text/plain; charset=utf-8'
      : target.kind === 'ibmcl' ? 'application/json' : (object.contentType ?? DEFAULT_CONTENT_TYPE);
    const contentEncoding = object.compression === 'gzip' ? 'gzip' : null;
    // IBM Cloud Logs reads one JSON array per request: a batch cannot be cut between chunks.
    const maxRequestBytes = target.kind === 'ibmcl' ? Number.POSITIVE_INFINITY : this.#maxRequestBytes;
    for await (const body of requestBodies(object.chunks, object.compression, maxRequestBytes)) {
      // One chunk (the common case with the default 8 MiB chunks) is sent without a copy.
      const bytes = body.chunks.length === 1 ? body.chunks[0]! : Buffer.concat(body.chunks, body.bytes);
      yield { body: bytes, contentType, contentEncoding };
    }
  }

  async #post(request: PreparedRequest, idempotencyKey: string, signal: AbortSignal | undefined): Promise<void> {
    const target = this.#target;
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      'content-type': request.contentType,
      [IDEMPOTENCY_HEADER]: idempotencyKey,
    };
    if (request.contentEncoding) headers['content-encoding'] = request.contentEncoding;
    // header_* parameters come last: a conf may override Content-Type, not the framing headers.
    for (const [name, value] of Object.entries(target.headers)) {
      if (name.toLowerCase() === 'content-type') delete headers['content-type'];
      headers[name] = value;
    }
    // Datadog's and New Relic's intakes only read JSON: their Content-Type is not the conf's to change.
    if ((target.kind === 'datadog' || target.kind === 'newrelic') && findHeader(target.headers, 'content-type') !== undefined) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
      headers['content-type'] = 'application/json';
    }
    // The bearer token is sluice's to set: after header_*, so a conf cannot replace it.
    if (this.#iam) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
      headers.authorization = `Bearer ${await this.#iam.token(signal)}`;
    }

    let statusCode: number;
    let responseHeaders: IncomingHttpHeaders;
    let text: string;
    try {
      // The signal ends a request in flight at the shutdown deadline, which also frees its
      // connection so that close() does not wait for it.
      const response = await this.#pool.request({ method: 'POST', path: target.path, headers, body: request.body, ...(signal ? { signal } : {}) });
      statusCode = response.statusCode;
      responseHeaders = response.headers;
      // Success bodies are only read for Splunk (its status code is in the body); others are
      // drained so the connection goes back to the pool.
      text = statusCode >= 200 && statusCode < 300 && target.kind !== 'splunk'
        ? (await response.body.dump({ limit: 64 * 1024 }), '')
        : await readStart(response.body, RESPONSE_READ_BYTES);
    } catch (error) {
      throw errorForTransport(this.#errors, error);
    }
    const failure = errorForResponse(this.#errors, { status: statusCode, retryAfter: responseHeaders['retry-after'], body: text });
    if (failure && (statusCode === 401 || statusCode === 403)) this.#iam?.invalidate();
    if (failure) throw failure;
  }

  #remember(batchId: string, requests: number): void {
    this.#delivered.delete(batchId); // re-insert: Map order is then least recently updated first
    this.#delivered.set(batchId, requests);
    if (this.#delivered.size > MAX_REMEMBERED_BATCHES) this.#delivered.delete(this.#delivered.keys().next().value!);
  }
}

/** Up to `limit` bytes of a response body as text; the rest is discarded (the connection closes if it was not all read). */
async function readStart(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of body) {
    parts.push(part);
    length += part.length;
    if (length >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}
