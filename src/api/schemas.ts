// zod schemas of the API's own bodies (requests and responses). Requests are validated with
// them (same problem messages as job validation) and the OpenAPI document is generated from
// them, together with the job schema the validator uses.

import { z } from 'zod';
import { listCatalogs, type DatasetCatalog, type DatasetScope, type FieldType } from '../datasets/catalog.ts';
import { DESTINATION_SCHEMES } from '../jobs/destination-schemes.ts';
import { MAX_FILTER_BYTES, MAX_FILTER_OPERATORS } from '../jobs/filter-rules.ts';
import {
  JobFilterSchema, JobInputSchema, MAX_UPLOAD_BYTES, MAX_UPLOAD_INTERVAL_SECONDS, MAX_UPLOAD_RECORDS, OutputOptionsInputSchema, TenantIdSchema,
} from '../jobs/schema.ts';
import type { FilterOperator } from '../jobs/types.ts';

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

/**
 * Job create/update body: the job JSON plus the ownership challenge for object storage. The
 * store validates it (validateJob: catalog- and limits-aware); the document shows the per-dataset
 * form below instead.
 */
export const JobBodySchema = JobInputSchema;

// ── job bodies as documented ────────────────────────────────────────────────────────────
// JobInputSchema narrowed per dataset with what the validator checks against the catalog
// (dataset name and scope, field names, filter keys and the values each operator takes on
// each field type, record_template placeholders), so that every body the document allows is
// one the API accepts. What JSON Schema cannot say is narrowed to a subset that is always
// accepted, and the description says what else the API takes:
//   - filter: the object form, at most FILTER_MAX_CHILDREN comparisons under one and/or, with
//     short values (a conforming filter stays under MAX_FILTER_BYTES); the Logpush JSON-string
//     form only as "" (no filter), since a grammar inside a string is not JSON Schema;
//   - logpull_options: null (the legacy string is accepted when output_options is absent);
//   - zone_id / account_id: the path's own (JSON Schema cannot compare with the path);
//   - destination_conf: the scheme shape; a file:// destination must also lie under the
//     operator's file roots, object storage needs ownership_challenge, HTTP takes gzip or none;
//   - max_upload_*: Logpush's own bounds; the operator's minimums (limits:) may be higher;
//   - an update (PUT): only the fields that do not depend on the job's dataset (the dataset
//     cannot change, and field names, filters and output_options must fit the stored job's
//     dataset, which the document cannot know); those are accepted in their create form.
// test/api/openapi-validators.test.ts checks the operator table below against the validator.

/** Comparisons under one and/or in the documented filter: 5 × a 195-byte leaf stays under 1000 bytes. */
export const FILTER_MAX_CHILDREN = 5;
const FILTER_IN_MAX_ITEMS = 4;
/** Filter string values as documented: 20 characters that JSON writes as one byte each. */
const FilterText = z.string().regex(/^[A-Za-z0-9 ._:\/-]{0,20}$/);
const FilterInt = z.int().min(-1e15).max(1e15);
const FilterNumber = z.number().min(-1e15).max(1e15);

type ValueKind = 'string' | 'int' | 'number' | 'bool' | 'int or string';

function filterScalar(kind: ValueKind): z.ZodType {
  switch (kind) {
    case 'string': return FilterText;
    case 'int': return FilterInt;
    case 'number': return FilterNumber;
    case 'bool': return z.boolean();
    case 'int or string': return z.union([FilterInt, FilterText]);
  }
}

const EQ: FilterOperator[] = ['eq', '!eq'];
const ORDER: FilterOperator[] = ['lt', 'leq', 'gt', 'geq'];
const AFFIX: FilterOperator[] = ['startsWith', '!startsWith', 'endsWith', '!endsWith'];
const CONTAINS: FilterOperator[] = ['contains', '!contains'];
const IN: FilterOperator[] = ['in', '!in'];

/** Which operators take which values on each catalog field type (filter-rules.ts leafValueProblem). */
export const FILTER_OPERAND_RULES: Readonly<Record<FieldType, ReadonlyArray<{ operators: FilterOperator[]; value: z.ZodType }>>> = (() => {
  const scalar = (kind: ValueKind) => [
    { operators: EQ, value: filterScalar(kind).nullable() },
    { operators: IN, value: z.array(filterScalar(kind)).min(1).max(FILTER_IN_MAX_ITEMS) },
  ];
  const numeric = { operators: ORDER, value: FilterNumber };
  const onlyNull = { operators: EQ, value: z.null() };
  return {
    string: [...scalar('string'), { operators: [...AFFIX, ...CONTAINS], value: FilterText }],
    int: [...scalar('int'), numeric],
    float: [...scalar('number'), numeric],
    bool: scalar('bool'),
    'int or string': [...scalar('int or string'), numeric],
    object: [onlyNull],
    'array[object]': [onlyNull],
    'array[string]': [onlyNull, { operators: CONTAINS, value: FilterText }],
    'array[int]': [onlyNull, { operators: CONTAINS, value: FilterInt }],
  };
})();

function filterObjectFor(catalog: DatasetCatalog): z.ZodType {
  const leaves: z.ZodType[] = [];
  for (const [type, rules] of Object.entries(FILTER_OPERAND_RULES)) {
    const keys = catalog.fields.filter((f) => f.type === type).map((f) => f.name);
    if (keys.length === 0) continue;
    for (const rule of rules) {
      leaves.push(z.strictObject({ key: z.enum(keys as [string, ...string[]]), operator: z.enum(rule.operators as [FilterOperator, ...FilterOperator[]]), value: rule.value }));
    }
  }
  const leaf = z.union(leaves as [z.ZodType, z.ZodType, ...z.ZodType[]]).describe(`One comparison on a ${catalog.dataset} field.`);
  const children = z.array(leaf).min(1).max(FILTER_MAX_CHILDREN);
  return z.strictObject({
    where: z.union([leaf, z.strictObject({ and: children }), z.strictObject({ or: children })]),
  }).describe(
    `${JobFilterSchema.description ?? ''} Documented: one comparison, or up to ${FILTER_MAX_CHILDREN} under one "and"/"or" with short values; ` +
    `the API also takes deeper trees (up to ${MAX_FILTER_OPERATORS} comparisons, ${MAX_FILTER_BYTES} bytes).`,
  );
}

const placeholderAlternatives = (catalog: DatasetCatalog) => catalog.fieldNames.map((n) => n.replace(/[^A-Za-z0-9_]/g, '')).join('|');

function outputOptionsFor(catalog: DatasetCatalog): z.ZodType {
  const names = catalog.fieldNames as [string, ...string[]];
  const fieldNames = z.array(z.enum(names)).min(1)
    .refine((list) => new Set(list).size === list.length, 'lists a field twice')
    .meta({ uniqueItems: true })
    .describe(`Fields of ${catalog.dataset} to include, in order, each once.`);
  const shape = OutputOptionsInputSchema.shape;
  return OutputOptionsInputSchema.extend({
    field_names: catalog.defaultFields === null ? fieldNames : fieldNames.nullable().optional(),
    record_template: z.string().regex(new RegExp(`^(?:[^{}]|\\{\\{\\.(?:${placeholderAlternatives(catalog)})\\}\\})*$`)).nullable().optional()
      .describe(`${shape.record_template.description ?? ''} Placeholders name ${catalog.dataset} fields; documented without other braces.`),
  });
}

const DESTINATION_SHAPE = new RegExp(`^(?:file:///[^?#]*|(?:${DESTINATION_SCHEMES.filter((s) => s !== 'file').join('|')})://[^/?#\\s]+\\S*)$`);

export type JobBodyMode = 'create' | 'update';

/**
 * A scope with more datasets than this documents its create filters as "" / null only (the
 * object form is still accepted, as the description says): one filter tree per dataset, each a
 * union of its fields' comparisons, grows the body with the number of datasets, and at 14 forms
 * (29 account datasets) schemathesis 4.32.5 gave up on generating bodies ("does not support
 * this part"), while the 7 zone forms were fine.
 */
const MAX_DATASETS_WITH_FILTER_TREES = 12;

const NO_FILTER = z.union([z.string().regex(/^[ \t\n\r]*$/), z.null()]).optional();

function jobBodyFor(catalog: DatasetCatalog, mode: JobBodyMode, filterTrees: boolean): z.ZodObject {
  const shape = JobInputSchema.shape;
  const own = catalog.scope === 'zone' ? 'zone_id' : 'account_id';
  const other = catalog.scope === 'zone' ? 'account_id' : 'zone_id';
  const outputOptions = outputOptionsFor(catalog);
  const body = JobInputSchema.extend({
    id: mode === 'create'
      ? z.null().optional().describe('Assigned by sluice; only null is accepted here.')
      : z.unknown().optional().describe('Ignored: the path names the job.'),
    dataset: z.literal(catalog.dataset).describe(shape.dataset.description ?? ''),
    [own]: TenantIdSchema.nullable().optional().describe(`The path's ${own} (a different one is refused); may be left out.`),
    [other]: z.null().optional().describe(`Not for ${catalog.scope} datasets.`),
    destination_conf: shape.destination_conf.min(1).regex(DESTINATION_SHAPE).describe(
      `${shape.destination_conf.description ?? ''} file:// destinations must lie under the operator's file roots (destinations.file_roots); ` +
      's3/r2/gs need ownership_challenge (POST …/logpush/ownership); http:// only to a loopback host; HTTP destinations take compression gzip or none.'),
    filter: filterTrees
      ? z.union([z.string().regex(/^[ \t\n\r]*$/).describe('"" = no filter. The Logpush form, this object as a JSON string, is accepted too.'), filterObjectFor(catalog)])
        .nullable().optional().describe(shape.filter.description ?? '')
      : NO_FILTER.describe(`${shape.filter.description ?? ''} Documented as "" or null; a filter on ${catalog.dataset} fields is accepted too, as an object {"where": …} or as its JSON string.`),
    output_options: catalog.defaultFields === null ? outputOptions : outputOptions.nullable().optional(),
    logpull_options: z.null().optional().describe(`${shape.logpull_options.description ?? ''} Documented as null: use output_options.`),
    max_upload_bytes: z.int().min(0).max(MAX_UPLOAD_BYTES).nullable().optional().describe(shape.max_upload_bytes.description ?? ''),
    max_upload_records: z.int().min(0).max(MAX_UPLOAD_RECORDS).nullable().optional().describe(shape.max_upload_records.description ?? ''),
    max_upload_interval_seconds: z.int().min(0).max(MAX_UPLOAD_INTERVAL_SECONDS).nullable().optional()
      .describe(`${shape.max_upload_interval_seconds.description ?? ''} Fractions only where the operator's minimum is below 1.`),
  });
  if (mode === 'create') return body;
  return body.omit({ dataset: true, output_options: true, logpull_options: true }).extend({
    filter: NO_FILTER
      .describe('"" or null removes the filter. A new filter is accepted in its create form when its keys are fields of the job\'s dataset.'),
  }).partial();
}

/** The documented create (POST) or update (PUT) body of a zone or account job route: one form per dataset. */
export function jobBodySchema(scope: DatasetScope, mode: JobBodyMode): z.ZodType {
  const catalogs = listCatalogs(scope);
  if (mode === 'update') {
    return jobBodyFor(catalogs[0]!, mode, false).describe('Fields to change; the others keep their values. Documented: the fields that do not depend on the job\'s ' +
      `dataset. Also accepted: output_options (replaced as a whole), logpull_options and a filter object, in the forms of JobCreate${scope === 'zone' ? 'Zone' : 'Account'} for the job's dataset; dataset only unchanged.`);
  }
  const filterTrees = catalogs.length <= MAX_DATASETS_WITH_FILTER_TREES;
  const forms = catalogs.map((c) => jobBodyFor(c, mode, filterTrees));
  const union = forms.length === 1 ? forms[0]! : z.union(forms as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
  return union.describe(`A Logpush-compatible job of a ${scope} dataset (one form per dataset).`);
}

export const DestinationBodySchema = z.strictObject({
  destination_conf: z.string().describe('The destination to check (credentials included).'),
}).describe('A destination.');

export const OwnershipValidateBodySchema = z.strictObject({
  destination_conf: z.string(),
  ownership_challenge: z.string().describe('The token read from ownership-challenge.txt.'),
});

export const ValidResultSchema = z.object({ valid: z.boolean(), message: z.string().optional() });
export const ExistsResultSchema = z.object({ exists: z.boolean().describe('Whether one of this zone\'s or account\'s jobs writes to the destination (credentials not compared).') });

export const OriginBodySchema = z.strictObject({
  logpull_options: z.string().max(4096).nullable()
    .describe('The legacy options string ("fields=A,B&timestamps=rfc3339"), or the whole Logpull URL it came from; null = the defaults.'),
  dataset: z.string().optional().describe('Whose fields `fields` names; default http_requests (Logpull\'s) on zone routes. Without it an account route checks only the parameters.'),
}).describe('logpull_options to check.');
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
