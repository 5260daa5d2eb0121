// HTTP responses and transport failures → DeliveryError. The pipeline's retry loop is the only
// retry loop (src/core/delivery.ts): this file only decides retryable or not, and how long the
// destination asked to wait. Messages name the destination by its redacted conf and quote at
// most a short, scrubbed snippet of the response body: a server may echo the request's headers;
// and none at all from a server on a network the operator opened (ErrorContext.quoteBody).
// Every failure to reach the destination (refused address, closed port, DNS, timeout, reset)
// is one message (net/unreachable.ts), so failures cannot map what listens where; the code
// goes to the operator's log as DeliveryError.detail.

import { DeliveryError } from '../destination.ts';
import { REDACTED } from '../destination-conf.ts';
import { ADDRESS_NOT_ALLOWED, unreachableError } from '../net/unreachable.ts';
import type { HttpKind } from './http-conf.ts';
import { parseRetryAfter } from './retry-after.ts';
import { splunkHecError } from './splunk-hec.ts';

/** What a failure message needs to know about the destination. */
export interface ErrorContext {
  kind: HttpKind;
  redacted: string;
  secrets: readonly string[];
  /** false once a connection went to a loopback/private/… address the operator allowed: its bodies are not quoted. */
  quoteBody: boolean;
}

export interface ResponseSummary {
  status: number;
  retryAfter: string | string[] | undefined;
  /** The start of the response body (a few KB at most), decoded as text. */
  body: string;
}

export const SNIPPET_CHARS = 200;

/** Where each kind of destination keeps its credential, for a 401/403 message. */
const CREDENTIAL_HINTS: Readonly<Record<HttpKind, string>> = {
  generic: 'header_Authorization',
  splunk: 'header_Authorization',
  sentinelone: 'header_Authorization',
  datadog: 'header_DD-API-KEY',
  newrelic: 'Api-Key (the New Relic license key)',
  sumo: 'the HTTP source address (a regenerated Sumo Logic URL invalidates the old one)',
  ibmcl: 'ibm_api_key (its service ID needs the Sender role on the instance)',
};

/** null when the response means the data was accepted. */
export function errorForResponse(ctx: ErrorContext, response: ResponseSummary, nowMs: number = Date.now()): DeliveryError | null {
  const { status } = response;
  const where = `POST to ${ctx.redacted}`;
  if (ctx.kind === 'splunk') {
    const hec = splunkHecError(response.body);
    if (hec) {
      const retryAfterMs = parseRetryAfter(response.retryAfter, nowMs);
      const hint = hec.code === 'ERR_HTTP_UNAUTHORIZED' ? '; check header_Authorization=Splunk%20<token>' : '';
      return new DeliveryError(hec.code, `${where}: HTTP ${status}, Splunk HEC code ${hec.hecCode}: ${hec.text}${hint}`, hec.retryable, { retryAfterMs });
    }
  }
  if (status >= 200 && status < 300) return null;

  const snippet = ctx.quoteBody ? sanitiseSnippet(response.body, ctx.secrets) : '';
  const quoted = snippet === '' ? '' : `: ${JSON.stringify(snippet)}`;
  const retryAfterMs = parseRetryAfter(response.retryAfter, nowMs);
  if (status === 401 || status === 403) {
    return new DeliveryError('ERR_HTTP_UNAUTHORIZED', `${where}: HTTP ${status}: the destination rejected the credentials; check ${CREDENTIAL_HINTS[ctx.kind]}`, false);
  }
  if (status === 429) return new DeliveryError('ERR_HTTP_RATE_LIMITED', `${where}: HTTP 429 Too Many Requests${waitText(retryAfterMs)}`, true, { retryAfterMs });
  if (status === 503) return new DeliveryError('ERR_HTTP_UNAVAILABLE', `${where}: HTTP 503 Service Unavailable${waitText(retryAfterMs)}`, true, { retryAfterMs });
  if (status === 408) return new DeliveryError('ERR_HTTP_TIMEOUT', `${where}: HTTP 408: the destination timed out reading the request`, true, { retryAfterMs });
  if (status >= 500) return new DeliveryError('ERR_HTTP_SERVER', `${where}: HTTP ${status}${quoted}`, true, { retryAfterMs });
  if (status === 413) return new DeliveryError('ERR_HTTP_PAYLOAD_TOO_LARGE', `${where}: HTTP 413: the destination rejected the request as too large${quoted}`, false);
  if (status === 404) return new DeliveryError('ERR_HTTP_NOT_FOUND', `${where}: HTTP 404: no such endpoint; check the path${quoted}`, false);
  if (status >= 300 && status < 400) {
    // Not followed: a redirect would carry the header_* credentials to another URL.
    return new DeliveryError('ERR_HTTP_REDIRECT', `${where}: HTTP ${status} redirect; set destination_conf to the final URL (redirects are not followed)`, false);
  }
  return new DeliveryError('ERR_HTTP_REJECTED', `${where}: HTTP ${status}${quoted}`, false);
}

const TLS_CODES = /^(?:ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(?:VERIFY|GET)_|HOSTNAME_MISMATCH)/;

/** A failure before a complete response arrived (connect, TLS, reset, timeout). */
export function errorForTransport(ctx: ErrorContext, error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const code = errorCode(error);
  const where = `POST to ${ctx.redacted}`;
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
    return new DeliveryError('ERR_HTTP_ABORTED', `${where}: the request was aborted`, true, { cause: error });
  }
  // A certificate problem is the tenant's to fix, and only an allowed address gets this far.
  if (code !== null && TLS_CODES.test(code)) {
    return new DeliveryError('ERR_HTTP_TLS', `${where}: TLS certificate check failed (${code})`, false, { cause: error });
  }
  // Only the code goes into the detail: a message could carry anything. A refused address's
  // message names it, for the operator.
  const detail = code === ADDRESS_NOT_ALLOWED ? (error as Error).message : (TRANSPORT_DETAILS[code ?? ''] ?? `network error (${code ?? 'unknown'})`);
  return unreachableError(`${where}: ${detail}`, error);
}

const TRANSPORT_DETAILS: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response in time (headers timeout)',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled (body timeout)',
  ECONNREFUSED: 'connection refused (ECONNREFUSED)',
  ENOTFOUND: 'host name not found (ENOTFOUND)',
  EAI_AGAIN: 'host name not found (EAI_AGAIN)',
};

/** The first SNIPPET_CHARS of a body, secrets replaced, control characters and runs of space collapsed. */
export function sanitiseSnippet(body: string, secrets: readonly string[]): string {
  let text = body;
  for (const secret of secrets) if (secret !== '') text = text.replaceAll(secret, REDACTED);
  text = text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text;
}

function waitText(retryAfterMs: number | null): string {
  return retryAfterMs === null ? '' : `; asked to retry after ${Math.ceil(retryAfterMs / 1000)} s`;
}

function errorCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,64}$/.test(code)) return code;
    if ((e as { name?: unknown }).name === 'AbortError') return 'ABORT_ERR';
  }
  return null;
}
