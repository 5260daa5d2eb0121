// zod schemas of the API's own bodies (requests and responses). Requests are validated with
// them (same problem messages as job validation) and the OpenAPI document is generated from
// them, together with the job schema the validator uses.

import { z } from 'zod';
import { JobInputSchema, OutputOptionsInputSchema, TenantIdSchema } from '../jobs/schema.ts';

export const ApiErrorItemSchema = z.object({
  code: z.int().describe('Stable numeric error code (see the README).'),
  message: z.string(),
});

export const JobViewSchema = z.object({
  id: z.int().positive(),
  name: z.string().nullable(),
  enabled: z.boolean(),
  dataset: z.string(),
  zone_id: z.string().optional(),
  account_id: z.string().optional(),
  destination_conf: z.string().describe('With every credential replaced by REDACTED.'),
  filter: z.string().nullable().describe('The filter as a JSON string (Logpush form), or null.'),
  output_options: OutputOptionsInputSchema.describe('Every option resolved (defaults filled in).'),
  logpull_options: z.null(),
  max_upload_bytes: z.int(),
  max_upload_records: z.int(),
  max_upload_interval_seconds: z.number(),
  compression: z.string(),
  frequency: z.string(),
  kind: z.string(),
  last_complete: z.string().nullable().describe('When a batch was last delivered (ISO 8601).'),
  last_error: z.string().nullable().describe('When delivery last failed (ISO 8601).'),
  error_message: z.string().nullable(),
}).describe('A job as the API returns it.');

/** Job create/update body: the job JSON plus the ownership challenge for object storage. */
export const JobBodySchema = JobInputSchema;

export const DestinationBodySchema = z.strictObject({
  destination_conf: z.string().describe('The destination to check (credentials included).'),
}).describe('A destination.');

export const OwnershipValidateBodySchema = z.strictObject({
  destination_conf: z.string(),
  ownership_challenge: z.string().describe('The token read from ownership-challenge.txt.'),
});

export const ValidResultSchema = z.object({ valid: z.boolean(), message: z.string().optional() });
export const OwnershipResultSchema = z.object({ filename: z.string(), message: z.string(), valid: z.boolean() });

export const AccessSchema = z.enum(['read', 'write']).describe('read: GET routes; write: every route.');
export const TokenScopeSchema = z.union([
  z.strictObject({ zone_id: TenantIdSchema, access: AccessSchema }),
  z.strictObject({ account_id: TenantIdSchema, access: AccessSchema }),
]).describe('One zone or account the token may use, and how.');

export const TokenCreateBodySchema = z.strictObject({
  name: z.string().max(256).optional().describe('A label for people; not secret.'),
  scopes: z.array(TokenScopeSchema).min(1).max(1000),
}).describe('A new API token.');

export const TokenInfoSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  scopes: z.array(TokenScopeSchema),
  created_at: z.string().nullable(),
});

export const TokenCreatedSchema = TokenInfoSchema.extend({
  token: z.string().describe('The secret; shown only in this response.'),
});

export const FieldsMapSchema = z.record(z.string(), z.string()).describe('Field name → type (from the dataset catalog).');
export const DeletedSchema = z.object({ id: z.union([z.int(), z.string()]) });
