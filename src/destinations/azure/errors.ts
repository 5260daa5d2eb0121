// Azure Blob Storage failures → DeliveryError, with the same meaning as object storage's
// (s3/errors.ts): retryable ones back off (honouring Retry-After), non-retryable ones become the
// job's error_message, so each says what to fix. Messages name the service URL, container and
// blob, never the SAS token, and are scrubbed of its signature in case a server echoes it. An
// unreachable store gets the one generic message of net/unreachable.ts.

import { DeliveryError } from '../destination.ts';
import { REDACTED } from '../destination-conf.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { networkCodeOf } from '../s3/errors.ts';
import { ADDRESS_NOT_ALLOWED, unreachableError } from '../net/unreachable.ts';

export interface AzureErrorContext {
  /** 'PutBlob', 'StageBlock 3', 'CommitBlockList', … */
  operation: string;
  serviceUrl: string;
  container: string;
  blob: string;
  /** Values that must never appear in a message (the SAS signature). */
  secrets: readonly string[];
}

/** The shape of the SDK's RestError (and of the tests' fakes). */
interface RestErrorShape {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } };
  details?: { errorCode?: unknown };
}

// The SAS was refused: wrong signature, expired, missing a permission, wrong resource type.
const SAS_REFUSED = new Set([
  'AuthenticationFailed', 'AuthorizationFailure', 'AuthorizationPermissionMismatch', 'AuthorizationResourceTypeMismatch',
  'AuthorizationServiceMismatch', 'AuthorizationProtocolMismatch', 'AuthorizationSourceIPMismatch', 'InsufficientAccountPermissions',
]);
const THROTTLED = new Set(['ServerBusy', 'OperationTimedOut', 'TooManyRequests']);
// 4xx answers that another attempt can fix: a commit naming blocks a crash or the 7-day
// clean-up lost is fixed by staging them again.
const RETRYABLE_4XX = new Set(['InvalidBlockList', 'BlockListTooLong', 'RequestTimeout', 'ConditionNotMet', 'LeaseIdMissing']);
// The SDK's own code for a request that never got an answer.
const REQUEST_SEND_ERROR = 'REQUEST_SEND_ERROR';

/** Maps anything a BlobStore call threw to a DeliveryError (a DeliveryError passes through). */
export function azureDeliveryError(error: unknown, ctx: AzureErrorContext): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as RestErrorShape;
  const status = typeof e.statusCode === 'number' && e.statusCode > 0 ? e.statusCode : null;
  const code = azureErrorCode(e);
  const where = `${ctx.operation} ${ctx.serviceUrl}/${ctx.container}/${ctx.blob}`;
  const serverSaid = scrub(String(e.message ?? error).split('\n')[0]!.slice(0, 300), ctx.secrets);
  const make = (errorCodeName: string, text: string, retryable: boolean, retryAfterMs: number | null = null): DeliveryError =>
    new DeliveryError(errorCodeName, scrub(text, ctx.secrets), retryable, { cause: error, retryAfterMs });

  const network = networkCodeOf(error) ?? (status === null && code === REQUEST_SEND_ERROR ? REQUEST_SEND_ERROR : null);
  if (status === null && network !== null) {
    const why = network === ADDRESS_NOT_ALLOWED ? scrub(String(e.message ?? network), ctx.secrets) : network;
    return unreachableError(`${where}: cannot reach the blob service (${why})`, error);
  }
  if (SAS_REFUSED.has(code) || status === 403) {
    return make(
      'ERR_AZURE_ACCESS_DENIED',
      `${where}: the SAS token was refused (${code || 403}): check the SAS in destination_conf (not expired, write permission on container "${ctx.container}", ss=b and srt=o for an account SAS)`,
      false,
    );
  }
  if (code === 'ContainerNotFound' || code === 'ResourceNotFound' || (status === 404 && code !== 'BlobNotFound')) {
    return make('ERR_AZURE_NO_SUCH_CONTAINER', `${where}: container "${ctx.container}" does not exist at ${ctx.serviceUrl}: create it or fix destination_conf`, false);
  }
  const retryAfterMs = retryAfterOf(e);
  if (THROTTLED.has(code) || status === 429 || status === 503) {
    return make('ERR_AZURE_THROTTLED', `${where}: the service asked to slow down (${code || status}); will retry`, true, retryAfterMs);
  }
  if (RETRYABLE_4XX.has(code) || status === 408) return make('ERR_AZURE_RETRYABLE', `${where}: ${code || status}: ${serverSaid}; will retry`, true, retryAfterMs);
  if (status !== null && status >= 500) {
    return make('ERR_AZURE_SERVER', `${where}: the service failed (${status}${code ? ' ' + code : ''}: ${serverSaid}); will retry`, true, retryAfterMs);
  }
  if (status !== null && status >= 400) {
    return make('ERR_AZURE_REQUEST', `${where}: the service refused the request (${status}${code ? ' ' + code : ''}): ${serverSaid}`, false);
  }
  if (network !== null) return unreachableError(`${where}: cannot reach the blob service (${network})`, error);
  // Unknown (a proxy's page, a cut response): blob names and block ids are deterministic, so a
  // retry overwrites; giving up would lose the batch.
  return make('ERR_AZURE_UNEXPECTED', `${where}: unexpected failure: ${serverSaid}; will retry`, true, retryAfterMs);
}

/** The service's error code (x-ms-error-code), or ''. */
export function azureErrorCode(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as RestErrorShape;
  for (const candidate of [e.details?.errorCode, e.code]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return '';
}

function retryAfterOf(e: RestErrorShape, now = Date.now()): number | null {
  const value = e.response?.headers?.get?.('retry-after');
  return typeof value === 'string' ? parseRetryAfter(value, now) : null;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.replaceAll(secret, REDACTED);
  // A SAS URL in a message loses its signature even when it is encoded differently.
  return out.replace(/([?&]sig=)[^&\s"']+/gi, `$1${REDACTED}`);
}
