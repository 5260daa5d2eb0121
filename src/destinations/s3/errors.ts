// Object storage failures → DeliveryError. The code decides what the pipeline does: retryable
// errors back off with jitter (honouring Retry-After), non-retryable ones wait the longest
// interval and become the job's error_message — so each message says what to fix.
// Messages carry the endpoint, bucket and key (never credentials) and are scrubbed of the
// destination's secret values in case a server echoes one back. A store that cannot be reached
// (refused address, closed port, DNS, timeout, reset) gets the one generic message of
// net/unreachable.ts, so failures cannot map what listens where; the operator's log has the
// detail.

import { DeliveryError } from '../destination.ts';
import { REDACTED } from '../destination-conf.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { ADDRESS_NOT_ALLOWED, unreachableError } from '../net/unreachable.ts';

export interface S3ErrorContext {
  /** 'PutObject', 'UploadPart 3', … */
  operation: string;
  endpoint: string;
  bucket: string;
  key: string;
  /** Values that must never appear in a message (access key id, secret, session token). */
  secrets: readonly string[];
}

const ACCESS_KEY_REJECTED = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidClientTokenId', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'AuthorizationHeaderMalformed']);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'TooManyRequestsException', 'RequestLimitExceeded']);
// S3 answers these with 4xx, yet trying again can succeed.
const RETRYABLE_4XX = new Set(['RequestTimeout', 'RequestTimeoutException', 'NoSuchUpload', 'OperationAborted']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
  'EADDRNOTAVAIL', 'ERR_SOCKET_CLOSED', ADDRESS_NOT_ALLOWED,
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'NetworkingError']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown; headers?: Record<string, unknown> };
  cause?: unknown;
}

/** Maps anything an ObjectStore call threw to a DeliveryError (a DeliveryError passes through). */
export function s3DeliveryError(error: unknown, ctx: S3ErrorContext): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const status = statusOf(e);
  const name = errorName(e);
  const where = `${ctx.operation} s3://${ctx.bucket}/${ctx.key} at ${ctx.endpoint}`;
  const serverSaid = scrub(String(e.message ?? error).slice(0, 300), ctx.secrets);
  const make = (code: string, text: string, retryable: boolean, retryAfterMs: number | null = null): DeliveryError =>
    new DeliveryError(code, scrub(text, ctx.secrets), retryable, { cause: error, retryAfterMs });

  const networkCode = networkCodeOf(error);
  if (status === null && networkCode !== null) return unreachable(error, where, networkCode);
  if (ACCESS_KEY_REJECTED.has(name)) {
    return make('ERR_S3_ACCESS_DENIED', `${where}: the access key was rejected by ${ctx.endpoint} (${name}): check access-key-id/secret-access-key in destination_conf`, false);
  }
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || status === 403) {
    return make(
      'ERR_S3_ACCESS_DENIED',
      `${where}: access denied by ${ctx.endpoint} (${name || 403}): check access-key-id/secret-access-key in destination_conf and that the key may write to bucket "${ctx.bucket}"`,
      false,
    );
  }
  if (name === 'NoSuchBucket') {
    return make('ERR_S3_NO_SUCH_BUCKET', `${where}: bucket "${ctx.bucket}" does not exist at ${ctx.endpoint}: create it or fix the bucket in destination_conf`, false);
  }
  const retryAfterMs = retryAfterOf(e);
  if (THROTTLED.has(name) || status === 429 || status === 503) {
    return make('ERR_S3_THROTTLED', `${where}: the store asked to slow down (${name || status}); will retry`, true, retryAfterMs);
  }
  if (RETRYABLE_4XX.has(name)) return make('ERR_S3_RETRYABLE', `${where}: ${name}: ${serverSaid}; will retry`, true, retryAfterMs);
  if (status !== null && status >= 500) {
    return make('ERR_S3_SERVER', `${where}: the store failed (${status}${name ? ' ' + name : ''}: ${serverSaid}); will retry`, true, retryAfterMs);
  }
  if (status !== null && status >= 400) {
    return make('ERR_S3_REQUEST', `${where}: the store refused the request (${status}${name ? ' ' + name : ''}): ${serverSaid}`, false);
  }
  if (networkCode !== null) return unreachable(error, where, networkCode);
  // Unknown (a proxy's HTML page, a truncated response): retrying is harmless, since keys are
  // deterministic and a retry overwrites; giving up would lose the batch.
  return make('ERR_S3_UNEXPECTED', `${where}: unexpected failure: ${serverSaid}; will retry`, true, retryAfterMs);
}

function unreachable(error: unknown, where: string, networkCode: string): DeliveryError {
  // A refused address's own message names it (for the operator's log only).
  const why = networkCode === ADDRESS_NOT_ALLOWED ? (networkError(error)?.message ?? networkCode) : networkCode;
  return unreachableError(`${where}: cannot reach the endpoint (${why})`, error);
}

function networkError(error: unknown): Error | null {
  for (let e: unknown = error, depth = 0; depth < 5 && typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === ADDRESS_NOT_ALLOWED) return e as Error;
  }
  return null;
}

function statusOf(e: SdkErrorShape): number | null {
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  return typeof status === 'number' && status > 0 ? status : null;
}

function errorName(e: SdkErrorShape): string {
  for (const candidate of [e.Code, e.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error' && candidate !== 'UnknownError' && candidate !== 'S3ServiceException') return candidate;
  }
  return '';
}

/** A Node/undici network error code or timeout name, looked for along the cause chain. */
export function networkCodeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (typeof name === 'string' && NETWORK_NAMES.has(name) && !('$metadata' in current && statusOf(current as SdkErrorShape) !== null)) return name;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Retry-After in ms (delta-seconds or an HTTP date), or null. */
export function retryAfterOf(e: { $response?: { headers?: Record<string, unknown> } }, now = Date.now()): number | null {
  const headers = e.$response?.headers;
  if (!headers) return null;
  let value: unknown;
  for (const [name, v] of Object.entries(headers)) if (name.toLowerCase() === 'retry-after') value = v;
  return typeof value === 'string' ? parseRetryAfter(value, now) : null;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.replaceAll(secret, REDACTED);
  return out;
}
