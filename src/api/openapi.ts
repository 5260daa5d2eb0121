// The OpenAPI 3.1 document, generated from the route table and the same zod schemas the
// validator uses (z.toJSONSchema through a registry, so shared and recursive schemas such as
// the filter tree become components with $refs instead of being inlined or dropped).

import { z } from 'zod';
import { FilterNodeSchema, JobInputSchema, OutputOptionsInputSchema } from '../jobs/schema.ts';
import { API_ERROR_CODES } from './errors.ts';
import { ApiErrorItemSchema, JobViewSchema, TokenScopeSchema } from './schemas.ts';
import { API_PREFIX, expandRoutes } from './routes.ts';
import type { RouteSpec } from './types.ts';

type Json = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request: malformed JSON (1005), invalid fields (1004, one error per problem), job limit (1009), ownership challenge (1010).',
  401: 'Missing or invalid token (1001).',
  403: 'Read-only token used for a write, or a non-operator token on an operator route (1002).',
  404: 'Not found, or not visible to this token (1003).',
  405: 'Method not allowed (1008).',
  413: 'Request body too large (1006).',
  429: 'Rate limited (1007); see Retry-After.',
  503: 'Job store unavailable (1011).',
};

function clean(schema: unknown): Json {
  const { $schema: _s, $id: _i, ...rest } = schema as Json;
  return rest;
}

export function buildOpenApi(routes: readonly RouteSpec[]): Json {
  const registry = z.registry<{ id: string }>();
  registry.add(JobInputSchema, { id: 'JobInput' });
  registry.add(FilterNodeSchema, { id: 'FilterNode' });
  registry.add(OutputOptionsInputSchema, { id: 'OutputOptions' });
  registry.add(JobViewSchema, { id: 'Job' });
  registry.add(TokenScopeSchema, { id: 'TokenScope' });
  registry.add(ApiErrorItemSchema, { id: 'ApiError' });
  const bodies = new Map<z.ZodType, string>();
  const results = new Map<z.ZodType, string>();
  for (const route of routes) {
    const name = route.operationId[0]!.toUpperCase() + route.operationId.slice(1);
    if (route.requestBody && registry.get(route.requestBody) === undefined) registry.add(route.requestBody, { id: `${name}Body` });
    if (route.response && registry.get(route.response) === undefined) registry.add(route.response, { id: `${name}Result` });
    if (route.requestBody) bodies.set(route.requestBody, registry.get(route.requestBody)!.id);
    if (route.response) results.set(route.response, registry.get(route.response)!.id);
  }
  const generated = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any', io: 'input' });
  const schemas: Json = {};
  for (const [id, schema] of Object.entries(generated.schemas)) schemas[id] = clean(schema);
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

  const paths: Record<string, Json> = {};
  for (const { spec, pattern, tenantParam } of expandRoutes(routes)) {
    const parameters = [...pattern.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const resultSchema = spec.response ? ref(results.get(spec.response)!) : {};
    const success = spec.raw
      ? { description: 'OK', content: { 'application/json': { schema: resultSchema } } }
      : {
          description: 'OK',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { success: { type: 'boolean' }, errors: { type: 'array', items: ref('ApiError') }, messages: { type: 'array', items: ref('ApiError') }, result: resultSchema },
                required: ['success', 'errors', 'messages', 'result'],
              },
            },
          },
        };
    const responses: Json = { 200: success };
    if (spec.scope !== 'public') for (const [status, text] of Object.entries(STATUS_TEXT)) responses[status] = { description: text };
    const operation: Json = {
      operationId: tenantParam === 'account_id' ? `${spec.operationId}ForAccount` : spec.operationId,
      summary: spec.summary,
      tags: [spec.scope === 'tenant' ? (tenantParam === 'zone_id' ? 'zones' : 'accounts') : spec.scope],
      parameters,
      responses,
      ...(spec.scope === 'public' ? { security: [] } : {}),
      ...(spec.requestBody ? { requestBody: { required: true, content: { 'application/json': { schema: ref(bodies.get(spec.requestBody)!) } } } } : {}),
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
