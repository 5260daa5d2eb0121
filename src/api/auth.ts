// Who is calling and what they may touch. Bearer tokens only. The operator token (env
// SLUICE_OPERATOR_TOKEN) manages tokens and may act for every tenant; any other token acts
// only for the zones/accounts in its scopes. A tenant outside a token's scopes is answered
// as if it did not exist (404), so a token cannot probe which zones or job ids exist.

import { timingSafeEqual } from 'node:crypto';
import type { Tenant } from '../jobs/types.ts';
import { API_ERROR_CODES, apiError, type ApiError } from './errors.ts';
import { hashToken, type Access, type TokenScope, type TokenStore } from './token-store.ts';

export type Caller =
  | { kind: 'operator'; id: 'operator' }
  | { kind: 'token'; id: string; scopes: readonly TokenScope[] };

export const OPERATOR_ID = 'operator';

/** Extracts the bearer secret; null when the header is absent or not a bearer token. */
export function bearerSecret(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S{1,1024})[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}

export class Authenticator {
  private readonly tokens: TokenStore;
  private readonly operatorHash: Buffer | null;

  constructor(tokens: TokenStore, operatorToken: string | undefined) {
    this.tokens = tokens;
    // An operator token shorter than 16 characters is refused rather than made guessable.
    this.operatorHash = operatorToken !== undefined && operatorToken.length >= 16 ? hashToken(operatorToken) : null;
  }

  /** The caller, or null for a missing or unknown token. */
  authenticate(header: string | undefined): Caller | null {
    const secret = bearerSecret(header);
    if (secret === null) return null;
    const presented = hashToken(secret);
    const isOperator = this.operatorHash !== null && timingSafeEqual(presented, this.operatorHash);
    const record = this.tokens.authenticate(secret);
    if (isOperator) return { kind: 'operator', id: OPERATOR_ID };
    return record === null ? null : { kind: 'token', id: record.id, scopes: record.scopes };
  }
}

export const unauthorized = (): ApiError =>
  apiError(401, API_ERROR_CODES.unauthorized, 'missing or invalid API token: send "Authorization: Bearer <token>"', { 'www-authenticate': 'Bearer realm="sluice"' });

/** The access the caller has to a tenant: null (none: answer 404), 'read' or 'write'. */
export function accessTo(caller: Caller, tenant: Tenant): Access | null {
  if (caller.kind === 'operator') return 'write';
  let best: Access | null = null;
  for (const scope of caller.scopes) {
    const match = 'zone_id' in scope ? tenant.zone_id === scope.zone_id : tenant.account_id === scope.account_id;
    if (match && (best === null || scope.access === 'write')) best = scope.access;
  }
  return best;
}

/** Throws 404 for a tenant outside the token's scopes, 403 for a write with read access. */
export function authorize(caller: Caller, tenant: Tenant, need: Access): void {
  const access = accessTo(caller, tenant);
  if (access === null) {
    const what = tenant.zone_id !== undefined ? `zone ${JSON.stringify(tenant.zone_id)}` : `account ${JSON.stringify(tenant.account_id)}`;
    throw apiError(404, API_ERROR_CODES.notFound, `${what} not found`);
  }
  if (need === 'write' && access !== 'write') {
    throw apiError(403, API_ERROR_CODES.forbidden, 'this token has read access only to this tenant; a write token is needed');
  }
}
