// The route table: the one place routes are declared. The router matches requests against
// it and the OpenAPI document is generated from it, so the two cannot drift apart.

import { z } from 'zod';
import { createJob, deleteJob, getJob, listDatasetJobs, listJobs, updateJob } from './handlers/jobs.ts';
import { datasetDefaultFields, datasetFields } from './handlers/datasets.ts';
import { createOwnershipChallenge, validateDestination, validateOwnershipChallenge } from './handlers/destinations.ts';
import { createToken, deleteToken, listTokens } from './handlers/tokens.ts';
import { validateDestinationExists, validateOrigin } from './handlers/validate.ts';
import {
  DeletedSchema, DestinationBodySchema, ExistsResultSchema, FieldsMapSchema, JobBodySchema, JobViewSchema, OriginBodySchema, OwnershipResultSchema,
  OwnershipValidateBodySchema, TokenCreateBodySchema, TokenCreatedSchema, TokenInfoSchema, ValidResultSchema,
} from './schemas.ts';
import type { RouteSpec } from './types.ts';

/** Tenant route prefixes: every `scope: 'tenant'` route exists under both. */
export const TENANT_PREFIXES = [
  { prefix: '/zones/{zone_id}', param: 'zone_id' },
  { prefix: '/accounts/{account_id}', param: 'account_id' },
] as const;

/** Accepted in front of every route, so Cloudflare API base URLs work unchanged. */
export const API_PREFIX = '/client/v4';

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/healthz', scope: 'public', access: 'read', operationId: 'healthz', summary: 'Liveness: 200 while the process serves requests.', raw: true,
    response: z.object({ status: z.literal('ok') }), handler: async () => ({ result: { status: 'ok' } }) },
  { method: 'GET', path: '/openapi.json', scope: 'public', access: 'read', operationId: 'openapi', summary: 'This API as an OpenAPI 3.1 document.', raw: true,
    handler: async () => ({ result: null }) /* served by the server from the prebuilt document */ },

  { method: 'GET', path: '/logpush/jobs', scope: 'tenant', access: 'read', operationId: 'listJobs', summary: 'List the jobs of a zone or account.',
    response: z.array(JobViewSchema), handler: listJobs },
  { method: 'POST', path: '/logpush/jobs', scope: 'tenant', access: 'write', operationId: 'createJob',
    summary: 'Create a job (object storage destinations need ownership_challenge).', requestBody: JobBodySchema, response: JobViewSchema, handler: createJob },
  { method: 'GET', path: '/logpush/jobs/{job_id}', scope: 'tenant', access: 'read', operationId: 'getJob', summary: 'Get a job.', response: JobViewSchema, handler: getJob },
  { method: 'PUT', path: '/logpush/jobs/{job_id}', scope: 'tenant', access: 'write', operationId: 'updateJob',
    summary: 'Update a job: fields sent replace the stored ones; output_options is replaced as a whole.', requestBody: JobBodySchema, response: JobViewSchema, handler: updateJob },
  { method: 'DELETE', path: '/logpush/jobs/{job_id}', scope: 'tenant', access: 'write', operationId: 'deleteJob', summary: 'Delete a job.', response: DeletedSchema, handler: deleteJob },
  { method: 'GET', path: '/logpush/datasets/{dataset}/jobs', scope: 'tenant', access: 'read', operationId: 'listDatasetJobs',
    summary: 'List the jobs of one dataset.', response: z.array(JobViewSchema), handler: listDatasetJobs },
  { method: 'GET', path: '/logpush/datasets/{dataset}/fields', scope: 'tenant', access: 'read', operationId: 'datasetFields',
    summary: 'All fields of a dataset (name → type).', response: FieldsMapSchema, handler: datasetFields },
  { method: 'GET', path: '/logpush/datasets/{dataset}/fields/default', scope: 'tenant', access: 'read', operationId: 'datasetDefaultFields',
    summary: 'The fields used when a job gives no field_names.', response: FieldsMapSchema, handler: datasetDefaultFields },
  { method: 'POST', path: '/logpush/validate/destination', scope: 'tenant', access: 'write', operationId: 'validateDestination',
    summary: 'Check a destination (200 with valid true/false).', requestBody: DestinationBodySchema, response: ValidResultSchema, handler: validateDestination },
  { method: 'POST', path: '/logpush/validate/destination/exists', scope: 'tenant', access: 'write', operationId: 'validateDestinationExists', readsJobStore: true,
    summary: 'Whether one of this zone\'s or account\'s jobs already writes to a destination.', requestBody: DestinationBodySchema, response: ExistsResultSchema, handler: validateDestinationExists },
  { method: 'POST', path: '/logpush/validate/origin', scope: 'tenant', access: 'write', operationId: 'validateOrigin',
    summary: 'Check logpull_options (200 with valid true/false and why).', requestBody: OriginBodySchema, response: ValidResultSchema, handler: validateOrigin },
  { method: 'POST', path: '/logpush/ownership', scope: 'tenant', access: 'write', operationId: 'createOwnershipChallenge',
    summary: 'Write ownership-challenge.txt (a signed, expiring token) into the destination.', requestBody: DestinationBodySchema, response: OwnershipResultSchema, handler: createOwnershipChallenge },
  { method: 'POST', path: '/logpush/ownership/validate', scope: 'tenant', access: 'write', operationId: 'validateOwnershipChallenge',
    summary: 'Check an ownership challenge token for a destination.', requestBody: OwnershipValidateBodySchema, response: ValidResultSchema, handler: validateOwnershipChallenge },

  { method: 'POST', path: '/tokens', scope: 'operator', access: 'write', operationId: 'createToken',
    summary: 'Create an API token; the secret is returned only in this response.', requestBody: TokenCreateBodySchema, response: TokenCreatedSchema, handler: createToken },
  { method: 'GET', path: '/tokens', scope: 'operator', access: 'read', operationId: 'listTokens', summary: 'List API tokens (never their secrets).', response: z.array(TokenInfoSchema), handler: listTokens },
  { method: 'DELETE', path: '/tokens/{token_id}', scope: 'operator', access: 'write', operationId: 'deleteToken', summary: 'Revoke an API token.', response: DeletedSchema, handler: deleteToken },
];

/** A route at a concrete path pattern (tenant routes expanded under both prefixes). */
export interface ExpandedRoute {
  spec: RouteSpec;
  pattern: string;
  /** Which path parameter names the tenant, or null. */
  tenantParam: 'zone_id' | 'account_id' | null;
}

export function expandRoutes(routes: readonly RouteSpec[] = ROUTES): ExpandedRoute[] {
  const out: ExpandedRoute[] = [];
  for (const spec of routes) {
    if (spec.scope !== 'tenant') out.push({ spec, pattern: spec.path, tenantParam: null });
    else for (const { prefix, param } of TENANT_PREFIXES) out.push({ spec, pattern: prefix + spec.path, tenantParam: param });
  }
  return out;
}
