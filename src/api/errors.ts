// API errors: an HTTP status plus Logpush-style `errors: [{code, message}]`. The numeric codes
// are stable (clients and scripts match on them) and documented in the README:
//
//   1000 internal error (500)            1007 rate limited (429, Retry-After)
//   1001 missing or invalid token (401)  1008 method not allowed (405, Allow)
//   1002 forbidden: read-only token (403) 1009 job limit reached (400)
//   1003 not found (404)                 1010 ownership challenge missing or invalid (400)
//   1004 invalid field (400; one error per problem, "$.path: message")
//   1005 malformed JSON body (400, with line/column/position)
//   1006 request body too large (413)    1011 job store unavailable (503)
//   1012 the job store refused a change to one of the answer's jobs and runs its last good
//        version (a warning in `messages`, only on list/get answers holding that job)

import type { Problem } from '../jobs/types.ts';

export const API_ERROR_CODES = {
  internal: 1000,
  unauthorized: 1001,
  forbidden: 1002,
  notFound: 1003,
  invalidField: 1004,
  malformedJson: 1005,
  bodyTooLarge: 1006,
  rateLimited: 1007,
  methodNotAllowed: 1008,
  jobLimit: 1009,
  ownershipChallenge: 1010,
  storeUnavailable: 1011,
  storeRefusedLoad: 1012,
} as const;

export interface ApiErrorItem {
  code: number;
  message: string;
}

export class ApiError extends Error {
  readonly code = 'ERR_API';
  readonly status: number;
  readonly errors: readonly ApiErrorItem[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, errors: readonly ApiErrorItem[], headers: Record<string, string> = {}) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}

export function apiError(status: number, code: number, message: string, headers: Record<string, string> = {}): ApiError {
  return new ApiError(status, [{ code, message }], headers);
}

/** Validation problems as 400 errors, one per problem: `$.output_options.field_names[0]: unknown field …`. */
export function problemsError(problems: readonly Problem[]): ApiError {
  const items = problems.length > 0 ? problems : [{ path: '$', message: 'is not valid' }];
  return new ApiError(400, items.map((p) => ({ code: API_ERROR_CODES.invalidField, message: `${p.path}: ${p.message}` })));
}

export const notFound = (what: string): ApiError => apiError(404, API_ERROR_CODES.notFound, `${what} not found`);

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
