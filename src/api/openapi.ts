// The OpenAPI 3.1 document, generated from the route table and the same zod schemas the
// validator uses (z.toJSONSchema through a registry, so shared and recursive schemas such as
// the filter tree become components with $refs instead of being inlined or dropped). Job
// bodies are documented per dataset (schemas.ts jobBodySchema), so that what the document
// allows is what the API accepts; every answer, success or error, is documented with its
// envelope. test/integration/api-schemathesis.test.ts holds the API to this document.

import { z } from 'zod';
import { listDatasets, type DatasetScope } from '../datasets/catalog.ts';
import { OutputOptionsInputSchema } from '../jobs/schema.ts';
import { API_ERROR_CODES } from './errors.ts';
import { ApiErrorItemSchema, JobBodySchema, jobBodySchema, JobViewSchema, TokenScopeSchema, type JobBodyMode } from './schemas.ts';
import { API_PREFIX, expandRoutes } from './routes.ts';
import type { RouteSpec } from './types.ts';

type Json = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request: malformed JSON (1005), invalid fields (1004, one error per problem), job limit (1009), ownership challenge (1010).',
  401: 'Missing or invalid token (1001).',
  403: 'Read-only token used for a write, or a non-operator token on an operator route (1002).',
  404: 'Not found, or not visible to this token (1003).',
  405: 'Method not allowed (1008); see Allow.',
  413: 'Request body too large (1006).',
  429: 'Rate limited (1007); see Retry-After.',
  500: 'Internal error (1000); the server log has details.',
  503: 'Job store unavailable (1011).',
};

/** Statuses a route can answer besides 200: bodies only where there is one, auth only where it is checked. */
function errorStatuses(spec: RouteSpec): number[] {
  if (spec.scope === 'public') return [405, 500];
  const statuses = [401, 403, 404, 405, 429, 500];
  if (spec.requestBody !== undefined) statuses.push(400, 413);
  if (spec.operationId.endsWith('Job') || spec.operationId.endsWith('Jobs') || spec.readsJobStore === true) statuses.push(503);
  return statuses.sort((a, b) => a - b);
}

const ERROR_HEADERS: Record<number, Json> = {
  401: { 'www-authenticate': { description: 'Bearer realm="sluice"', schema: { type: 'string' } } },
  405: { allow: { description: 'The methods the path has.', required: true, schema: { type: 'string' } } },
  429: { 'retry-after': { description: 'Seconds to wait.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } } },
};

/** Path parameters as the router and handlers take them (anything else is a 404). */
function pathParameterSchema(name: string, tenant: DatasetScope | null): Json {
  switch (name) {
    case 'job_id': return { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'A positive integer.' };
    case 'dataset': return { type: 'string', enum: listDatasets(tenant ?? undefined) };
    case 'zone_id': case 'account_id': return { type: 'string', minLength: 1, maxLength: 256 };
    default: return { type: 'string', minLength: 1 };
  }
}

function clean(schema: unknown): Json {
  const { $schema: _s, $id: _i, ...rest } = schema as Json;
  return rest;
}

export function buildOpenApi(routes: readonly RouteSpec[]): Json {
  const registry = z.registry<{ id: string }>();
  const jobBodies = new Map<string, z.ZodType>();
  for (const scope of ['zone', 'account'] as const) {
    for (const mode of ['create', 'update'] as const) {
      const id = `Job${mode === 'create' ? 'Create' : 'Update'}${scope === 'zone' ? 'Zone' : 'Account'}`;
      const schema = jobBodySchema(scope, mode);
      registry.add(schema, { id });
      jobBodies.set(`${scope}:${mode}`, schema);
    }
  }
  registry.add(OutputOptionsInputSchema, { id: 'OutputOptions' });
  registry.add(JobViewSchema, { id: 'Job' });
  registry.add(TokenScopeSchema, { id: 'TokenScope' });
  registry.add(ApiErrorItemSchema, { id: 'ApiError' });
  const bodies = new Map<z.ZodType, string>();
  const results = new Map<z.ZodType, string>();
  for (const route of routes) {
    const name = route.operationId[0]!.toUpperCase() + route.operationId.slice(1);
    if (route.requestBody && route.requestBody !== JobBodySchema && registry.get(route.requestBody) === undefined) registry.add(route.requestBody, { id: `${name}Body` });
    if (route.response && registry.get(route.response) === undefined) registry.add(route.response, { id: `${name}Result` });
    if (route.requestBody && route.requestBody !== JobBodySchema) bodies.set(route.requestBody, registry.get(route.requestBody)!.id);
    if (route.response) results.set(route.response, registry.get(route.response)!.id);
  }
  const generated = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any', io: 'input' });
  const schemas: Json = {};
  for (const [id, schema] of Object.entries(generated.schemas)) schemas[id] = clean(schema);
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  schemas.ErrorEnvelope = {
    type: 'object',
    description: 'A failed request: errors says why, one item per problem.',
    properties: {
      success: { const: false },
      errors: { type: 'array', items: ref('ApiError'), minItems: 1 },
      messages: { type: 'array', items: ref('ApiError') },
      result: { type: 'null' },
    },
    required: ['success', 'errors', 'messages', 'result'],
    additionalProperties: false,
  };
  const errorResponse = (status: number): Json => ({
    description: STATUS_TEXT[status],
    ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
    content: { 'application/json': { schema: ref('ErrorEnvelope') } },
  });

  const paths: Record<string, Json> = {};
  for (const { spec, pattern, tenantParam } of expandRoutes(routes)) {
    const tenant: DatasetScope | null = tenantParam === null ? null : tenantParam === 'zone_id' ? 'zone' : 'account';
    const parameters = [...pattern.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: pathParameterSchema(m[1]!, tenant) }));
    const resultSchema = spec.response ? ref(results.get(spec.response)!) : { type: 'object', description: 'This document.' };
    const success = spec.raw
      ? { description: 'OK', content: { 'application/json': { schema: resultSchema } } }
      : {
          description: 'OK (messages may carry warnings such as 1012).',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { success: { const: true }, errors: { type: 'array', maxItems: 0 }, messages: { type: 'array', items: ref('ApiError') }, result: resultSchema },
                required: ['success', 'errors', 'messages', 'result'],
                additionalProperties: false,
              },
            },
          },
        };
    const responses: Json = { 200: success };
    for (const status of errorStatuses(spec)) responses[status] = errorResponse(status);
    let body: Json | null = null;
    if (spec.requestBody === JobBodySchema) {
      const mode: JobBodyMode = spec.method === 'POST' ? 'create' : 'update';
      body = ref(registry.get(jobBodies.get(`${tenant}:${mode}`)!)!.id);
    } else if (spec.requestBody) {
      body = ref(bodies.get(spec.requestBody)!);
    }
    const operation: Json = {
      operationId: tenantParam === 'account_id' ? `${spec.operationId}ForAccount` : spec.operationId,
      summary: spec.summary,
      tags: [spec.scope === 'tenant' ? (tenantParam === 'zone_id' ? 'zones' : 'accounts') : spec.scope],
      parameters,
      responses,
      ...(spec.scope === 'public' ? { security: [] } : {}),
      ...(body !== null ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    };
    (paths[pattern] ??= {})[spec.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'sluice admin API',
      version: '1',
      description: `Logpush-compatible job management. Every route is also served under ${API_PREFIX}. Error codes: ` +
        Object.entries(API_ERROR_CODES).map(([name, code]) => `${code} ${name}`).join(', ') + '.',
    },
    servers: [{ url: '/' }, { url: API_PREFIX }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    paths,
  };
}
