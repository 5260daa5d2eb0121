// The job JSON a Logpush user writes, as zod schemas with descriptions. These schemas are the
// declared shape (types, enums, static bounds) and the source of the API's JSON Schema
// (z.toJSONSchema); validation/validate.ts applies them field by field and adds the rules that
// need the dataset catalog or the operator's limits.

import { z } from 'zod';
import { DESTINATION_SCHEMES, MAX_DESTINATION_CONF_CHARS } from './destination-schemes.ts';
import { FILTER_OPERATORS, MAX_FILTER_BYTES, MAX_FILTER_OPERATORS } from './filter-rules.ts';
import type { FilterNode } from './types.ts';

export const MAX_UPLOAD_BYTES = 1_000_000_000;
export const MAX_UPLOAD_RECORDS = 1_000_000;
export const MAX_UPLOAD_INTERVAL_SECONDS = 300;
export const DEFAULT_UPLOAD_RECORDS = 100_000;
export const DEFAULT_UPLOAD_INTERVAL_SECONDS = 30;
export const MAX_JOB_NAME_CHARS = 512;

export const OUTPUT_TYPES = ['ndjson', 'csv'] as const;
/** The formats the encoder writes; Logpush's others are refused with a reason (not-offered.ts). */
export const TIMESTAMP_FORMATS = ['unixnano', 'unix', 'rfc3339', 'rfc3339ms', 'rfc3339ns'] as const;
export const COMPRESSIONS = ['gzip', 'zstd', 'snappy', 'none'] as const;

/** A zone or account id; also the routing key records carry. */
export const TenantIdSchema = z.string().min(1).max(256);

// ── filter ──────────────────────────────────────────────────────────────────────────────

export const FilterOperatorSchema = z.enum(FILTER_OPERATORS)
  .describe('Comparison operator. lt/leq/gt/geq need numbers; startsWith/endsWith strings; in/!in a non-empty array.');

export const FilterValueSchema = z.union([
  z.string(), z.number(), z.boolean(), z.null(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
]).describe('The value to compare with; its type must fit the operator and the field\'s catalog type.');

export const FilterLeafSchema = z.strictObject({
  key: z.string().describe('A field of the dataset (see /datasets/{dataset}/fields).'),
  operator: FilterOperatorSchema,
  value: FilterValueSchema,
}).describe('One comparison.');

// Recursive through getters, the zod 4 way, so toJSONSchema emits a $ref cycle.
export const FilterNodeSchema: z.ZodType<FilterNode> = z.union([
  FilterLeafSchema,
  z.strictObject({
    get and() { return z.array(FilterNodeSchema).min(1).describe('Every child must match.'); },
  }),
  z.strictObject({
    get or() { return z.array(FilterNodeSchema).min(1).describe('At least one child must match.'); },
  }),
]);

export const JobFilterSchema = z.strictObject({
  where: FilterNodeSchema,
}).describe(
  `Which records to keep: {"where": node}, node = {"and": [...]} | {"or": [...]} | {"key","operator","value"}. ` +
  `At most ${MAX_FILTER_OPERATORS} operators and ${MAX_FILTER_BYTES} bytes.`,
);

// ── output_options ──────────────────────────────────────────────────────────────────────

// Every option is nullable: Logpush returns null for unset options, and users paste those back.
export const OutputOptionsInputSchema = z.strictObject({
  field_names: z.array(z.string()).min(1).nullable().optional()
    .describe('Fields to include, in order, from the dataset catalog; a name listed twice is kept once, at its first place (as Logpush does). Required unless the dataset has default fields.'),
  output_type: z.enum(OUTPUT_TYPES).nullable().optional().describe('ndjson (default) or csv.'),
  timestamp_format: z.enum(TIMESTAMP_FORMATS).nullable().optional()
    .describe('unixnano (default), unix, rfc3339 (seconds), rfc3339ms (milliseconds) or rfc3339ns (nanoseconds); the fraction is fixed width, cut not rounded.'),
  sample_rate: z.number().gt(0).lte(1).nullable().optional()
    .describe('Fraction of records (after the filter) to keep, in (0, 1]; default 1.'),
  batch_prefix: z.string().nullable().optional().describe('Written before each batch; default "".'),
  batch_suffix: z.string().nullable().optional().describe('Written after each batch; default "".'),
  record_prefix: z.string().nullable().optional().describe('Written before each record; default "{" for ndjson, "" for csv.'),
  record_suffix: z.string().nullable().optional().describe('Written after each record; default "}\\n" for ndjson, "\\n" for csv.'),
  record_delimiter: z.string().nullable().optional().describe('Written between records; default "".'),
  field_delimiter: z.string().nullable().optional().describe('Written between fields; default ",".'),
  record_template: z.string().nullable().optional()
    .describe('Template for each record instead of the default key/value form, still wrapped in record_prefix/record_suffix: literal text, {{.Field}}, {{"constant"}} (or {{`raw`}}) and {{/* comments */}} only; a field not in field_names prints null.'),
  'CVE-2021-44228': z.boolean().nullable().optional()
    .describe('Rewrite "${" to "x{" in every value (Log4Shell protection); default false.'),
  'CVE-2021-4428': z.boolean().nullable().optional()
    .describe('The same option as CVE-2021-44228, spelled as in Cloudflare\'s API schema (which generated clients send). When both are set they must agree.'),
  merge_subrequests: z.literal(false).nullable().optional()
    .describe('Logpush: merge Worker subrequests into their parent request (http_requests). Default false; true is refused: sluice does not merge subrequests yet.'),
}).describe('How records are written. A PUT replaces output_options as a whole.');

// ── the job ─────────────────────────────────────────────────────────────────────────────

// Read-only in Logpush (the API reports them; health comes from the pipeline) or checked by the API.
const ignored = (what: string) => z.unknown().optional().describe(`${what} Accepted for Logpush compatibility and ignored.`);

export const JobInputSchema = z.strictObject({
  id: z.int().positive().optional().describe('Job id, a positive integer (the API and config assign one when absent).'),
  name: z.string().max(MAX_JOB_NAME_CHARS)
    .regex(/^[a-zA-Z0-9.-]*$/, { error: 'may contain only letters, digits, "." and "-" (as in Logpush)' })
    .nullable().optional()
    .describe(`Human-readable name, not unique, up to ${MAX_JOB_NAME_CHARS} characters of [a-zA-Z0-9.-] (e.g. the domain).`),
  enabled: z.boolean().nullable().optional().describe('Whether the job delivers. Default: false for a job created through the admin API (as in Logpush), true for a job of a config file.'),
  zone_id: TenantIdSchema.nullable().optional().describe('The zone the job belongs to (zone datasets). Exactly one of zone_id / account_id.'),
  account_id: TenantIdSchema.nullable().optional().describe('The account the job belongs to (account datasets).'),
  dataset: z.string().describe('Which dataset\'s records, e.g. http_requests.'),
  destination_conf: z.string().max(MAX_DESTINATION_CONF_CHARS)
    .describe(`Where batches go: a URL with scheme ${DESTINATION_SCHEMES.join(', ')}; {DATE} becomes YYYYMMDD.`),
  filter: z.union([z.string(), JobFilterSchema]).nullable().optional()
    .describe('A JSON string (Logpush form) or an object {"where": …}; empty or null keeps every record.'),
  output_options: OutputOptionsInputSchema.nullable().optional(),
  logpull_options: z.string().nullable().optional()
    .describe('Legacy form "fields=A,B&timestamps=rfc3339&CVE-2021-44228=true", or a whole Logpull URL (https://api.cloudflare.com/client/v4/zones/<zone>/logs/received?fields=…); only when output_options is absent.'),
  max_upload_bytes: z.int().min(0).nullable().optional()
    .describe(`Uncompressed bytes per batch: 0 (default size) or from the operator minimum (Logpush: 5,000,000) to ${MAX_UPLOAD_BYTES}.`),
  max_upload_records: z.int().min(0).nullable().optional()
    .describe(`Records per batch: 0 (= ${DEFAULT_UPLOAD_RECORDS}) or from the operator minimum (Logpush: 1,000) to ${MAX_UPLOAD_RECORDS}.`),
  max_upload_interval_seconds: z.number().min(0).nullable().optional()
    .describe(`Seconds a batch may stay open: 0 (= ${DEFAULT_UPLOAD_INTERVAL_SECONDS}) or from the operator minimum (Logpush: 30) to ${MAX_UPLOAD_INTERVAL_SECONDS}.`),
  compression: z.enum(COMPRESSIONS).nullable().optional().describe('gzip (default), zstd, snappy or none.'),
  last_complete: ignored('Read-only job health.'),
  last_error: ignored('Read-only job health.'),
  error_message: ignored('Read-only job health.'),
  frequency: z.literal('high').nullable().optional()
    .describe('Deprecated Logpush batching hint: "high" (its default, and what sluice does) or null; "low" is refused, use max_upload_*.'),
  kind: z.literal('').nullable().optional()
    .describe('"" (or absent) for a Logpush job. "edge" (Edge Log Delivery, Instant Logs) is refused: sluice does not offer it.'),
  filter_attack_traffic: z.literal(false).nullable().optional()
    .describe('Logpush: exclude DDoS attack traffic. Default false; true is refused: sluice cannot tell attack traffic apart yet.'),
  ownership_challenge: ignored('Checked by the API when the job is created, not by validation.'),
}).describe('A Logpush-compatible job.');

export type JobInput = z.input<typeof JobInputSchema>;
