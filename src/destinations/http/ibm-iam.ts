// IBM Cloud Logs takes a bearer IAM token, not the API key that destination_conf carries
// (`ibmcl://…?ibm_api_key=…`): the key is traded for a token at IBM's IAM endpoint, which is
// valid for an hour. The token is kept until five minutes before it expires and fetched again
// after the ingress refused it. The IAM endpoint is reached through the same network guard as
// every destination (its own Pool, the same guarded connector).

import { Pool } from 'undici';
import { DeliveryError } from '../destination.ts';
import type { NetworkPolicy } from '../net/network-policy.ts';
import { guardedConnector } from '../net/undici-connector.ts';
import { errorForResponse, errorForTransport, type ErrorContext } from './response-errors.ts';

export const IBM_IAM_TOKEN_URL = 'https://iam.cloud.ibm.com/identity/token';
/** A token is renewed this long before IBM says it expires. */
const RENEW_BEFORE_MS = 5 * 60_000;
const RESPONSE_LIMIT = 64 * 1024;

export interface IbmIamOptions {
  network: NetworkPolicy;
  /** The token endpoint (tests point it at a local server). */
  tokenUrl?: string;
  connectTimeoutMs?: number;
  now?: () => number;
}

export class IbmIamTokens {
  readonly #apiKey: string;
  readonly #url: URL;
  readonly #pool: Pool;
  readonly #now: () => number;
  readonly #errors: ErrorContext;
  /** Secrets of the destination: each token fetched is added, so no message can quote it. */
  readonly #secrets: string[];
  #token: { value: string; renewAtMs: number } | null = null;
  #lastToken = '';

  constructor(apiKey: string, secrets: string[], options: IbmIamOptions) {
    this.#apiKey = apiKey;
    this.#secrets = secrets;
    this.#url = new URL(options.tokenUrl ?? IBM_IAM_TOKEN_URL);
    this.#now = options.now ?? Date.now;
    this.#errors = { kind: 'ibmcl', redacted: `IBM IAM ${this.#url.origin}${this.#url.pathname}`, secrets, quoteBody: false };
    this.#pool = new Pool(this.#url.origin, {
      connections: 1,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      connect: guardedConnector(options.network, { timeoutMs: options.connectTimeoutMs ?? 10_000, rejectUnauthorized: true }),
    });
  }

  /** A valid token, fetched when there is none or it is about to expire. Throws a redacted DeliveryError. */
  async token(signal?: AbortSignal): Promise<string> {
    if (this.#token !== null && this.#now() < this.#token.renewAtMs) return this.#token.value;
    this.#token = null;
    const body = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.#apiKey }).toString();
    let status: number;
    let retryAfter: string | string[] | undefined;
    let text: string;
    try {
      const response = await this.#pool.request({
        method: 'POST',
        path: this.#url.pathname + this.#url.search,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        ...(signal ? { signal } : {}),
      });
      status = response.statusCode;
      retryAfter = response.headers['retry-after'];
      text = (await response.body.text()).slice(0, RESPONSE_LIMIT);
    } catch (error) {
      throw errorForTransport(this.#errors, error);
    }
    // IAM answers 400 for an unknown or deleted key: the key is wrong, not the request.
    if (status === 400 || status === 401 || status === 403) {
      throw new DeliveryError('ERR_HTTP_UNAUTHORIZED', `${this.#errors.redacted}: HTTP ${status}: IBM IAM refused the API key; check ibm_api_key`, false);
    }
    const failure = errorForResponse(this.#errors, { status, retryAfter, body: '' });
    if (failure) throw failure;
    const parsed = parseToken(text);
    if (parsed === null) throw new DeliveryError('ERR_HTTP_SERVER', `${this.#errors.redacted}: the answer holds no access_token`, true);
    // The expired token is no longer worth scrubbing; the new one is.
    const old = this.#secrets.indexOf(this.#lastToken);
    if (old >= 0) this.#secrets.splice(old, 1);
    this.#secrets.push(parsed.value);
    this.#lastToken = parsed.value;
    this.#token = { value: parsed.value, renewAtMs: this.#now() + Math.max(0, parsed.expiresInMs - RENEW_BEFORE_MS) };
    return parsed.value;
  }

  /** Forget the token (the ingress refused it): the next delivery fetches a new one. */
  invalidate(): void {
    this.#token = null;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function parseToken(text: string): { value: string; expiresInMs: number } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const { access_token: value, expires_in: expiresIn } = (parsed ?? {}) as { access_token?: unknown; expires_in?: unknown };
  if (typeof value !== 'string' || value === '' || /[\r\n\0]/.test(value)) return null;
  const seconds = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600;
  return { value, expiresInMs: seconds * 1000 };
}
