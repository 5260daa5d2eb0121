// validateJob: Logpush job JSON in, a fully resolved Job out — or every problem at once, each
// with a JSON path and a sentence saying what to do. Never throws, whatever the input: jobs
// arrive from the API and from config files, and a validator crash must not take either down.

import type { z } from 'zod';
import { datasetScopes, getCatalog, listDatasets, type DatasetCatalog, type DatasetScope } from '../../datasets/catalog.ts';
import { compressionProblem, destinationConfProblem } from './destination-conf.ts';
import { pathJoin } from '../json-path.ts';
import { LOGPULL_TO_OUTPUT, parseLogpullOptions } from '../logpull-options.ts';
import { NOT_OFFERED_JOB, notOfferedProblem } from '../not-offered.ts';
import { didYouMean, jsonTypeName, quote } from '../problem-text.ts';
import {
  DEFAULT_UPLOAD_INTERVAL_SECONDS, DEFAULT_UPLOAD_RECORDS, JobInputSchema,
  MAX_UPLOAD_BYTES, MAX_UPLOAD_INTERVAL_SECONDS, MAX_UPLOAD_RECORDS,
} from '../schema.ts';
import type { Job, JobLimits, OutputOptions, Problem, Tenant } from '../types.ts';
import { resolveOutputOptions } from './validate-output-options.ts';
import { validateFilter } from './validate-filter.ts';
import { parseWithProblems } from '../zod-problems.ts';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export interface ValidateJobOptions {
  limits: JobLimits;
  /** The id the caller assigns (API path, config position); a different `id` in the body is a problem. */
  id?: number;
  /** Defaults to 1. */
  version?: number;
  /** The tenant the caller knows (e.g. from the API route); a different one in the body is a problem. */
  tenant?: Tenant;
}

const SHAPE = JobInputSchema.shape;
const KNOWN_KEYS = Object.keys(SHAPE);

type Input = Record<string, unknown>;

function own(input: Input, key: string): unknown {
  return Object.hasOwn(input, key) ? input[key] : undefined;
}

/** The scope the caller's tenant (the route's, else the body's zone_id/account_id) puts the job in, if it says. */
function scopeAsked(input: Input, options: ValidateJobOptions): DatasetScope | undefined {
  const tenant = options.tenant ?? { zone_id: own(input, 'zone_id'), account_id: own(input, 'account_id') };
  if (typeof tenant.zone_id === 'string') return 'zone';
  if (typeof tenant.account_id === 'string') return 'account';
  return undefined;
}

function resolveTenant(
  input: Input, zone: string | null | undefined, account: string | null | undefined,
  catalog: DatasetCatalog | undefined, options: ValidateJobOptions, problems: Problem[],
): Tenant | undefined {
  const zoneGiven = typeof zone === 'string';
  const accountGiven = typeof account === 'string';
  if (zoneGiven && accountGiven) {
    problems.push({ path: '$', message: 'set either zone_id or account_id, not both' });
    return undefined;
  }
  const fromBody: Tenant | undefined = zoneGiven ? { zone_id: zone } : accountGiven ? { account_id: account } : undefined;
  const bodyPath = zoneGiven ? '$.zone_id' : '$.account_id';
  let tenant = fromBody;
  if (options.tenant !== undefined) {
    const same = fromBody === undefined ||
      (fromBody.zone_id !== undefined ? fromBody.zone_id === options.tenant.zone_id : fromBody.account_id === options.tenant.account_id);
    if (!same) {
      const owner = options.tenant.zone_id !== undefined ? `zone ${quote(options.tenant.zone_id)}` : `account ${quote(options.tenant.account_id ?? '')}`;
      problems.push({ path: bodyPath, message: `does not match the ${owner} this job belongs to; remove it or make it match` });
      return undefined;
    }
    tenant = options.tenant;
  }
  // Type errors in zone_id/account_id were already reported; don't also say "missing".
  const malformed = (own(input, 'zone_id') ?? null) !== null && !zoneGiven || (own(input, 'account_id') ?? null) !== null && !accountGiven;
  if (tenant === undefined) {
    if (malformed) return undefined;
    const which = catalog === undefined ? 'zone_id (zone datasets) or account_id (account datasets)'
      : datasetScopes(catalog.dataset).length > 1 ? `zone_id or account_id (${catalog.dataset} is both a zone and an account dataset)`
      : catalog.scope === 'zone' ? `zone_id (${catalog.dataset} is a zone dataset)` : `account_id (${catalog.dataset} is an account dataset)`;
    problems.push({ path: '$', message: `a job needs ${which}` });
    return undefined;
  }
  if (catalog !== undefined) {
    const kind = tenant.zone_id !== undefined ? 'zone' : 'account';
    if (kind !== catalog.scope) {
      const path = fromBody !== undefined ? bodyPath : '$';
      const want = catalog.scope === 'zone' ? 'zone_id' : 'account_id';
      problems.push({ path, message: `dataset ${catalog.dataset} is a${catalog.scope === 'account' ? 'n' : ''} ${catalog.scope} dataset: set ${want} instead of ${kind === 'zone' ? 'zone_id' : 'account_id'}` });
      return undefined;
    }
  }
  return tenant.zone_id !== undefined ? { zone_id: tenant.zone_id } : { account_id: tenant.account_id };
}

interface UploadRule {
  key: 'max_upload_bytes' | 'max_upload_records' | 'max_upload_interval_seconds';
  min: number;
  max: number;
  fallback: number;
  integer: boolean;
}

function resolveUploadLimit(value: number | null | undefined, rule: UploadRule, problems: Problem[]): number | undefined {
  if (value === undefined || value === null || value === 0) return rule.fallback;
  const path = pathJoin('$', rule.key);
  const range = `0 (= ${rule.fallback}) or from ${rule.min} to ${rule.max}`;
  if (rule.integer && !Number.isInteger(value)) {
    problems.push({ path, message: `must be a whole number: ${range}; got ${value}` });
    return undefined;
  }
  if (value < rule.min || value > rule.max) {
    problems.push({ path, message: `must be ${range}; got ${value}` });
    return undefined;
  }
  return value;
}

function uploadRules(limits: JobLimits): UploadRule[] {
  return [
    { key: 'max_upload_bytes', min: limits.min_upload_bytes, max: MAX_UPLOAD_BYTES, fallback: limits.default_upload_bytes, integer: true },
    { key: 'max_upload_records', min: limits.min_upload_records, max: MAX_UPLOAD_RECORDS,
      fallback: Math.max(DEFAULT_UPLOAD_RECORDS, limits.min_upload_records), integer: true },
    // Whole seconds as in Logpush, except where the operator allows sub-second batching
    // (tests, low-latency deployments) by setting a minimum below one second.
    { key: 'max_upload_interval_seconds', min: limits.min_upload_interval_seconds, max: MAX_UPLOAD_INTERVAL_SECONDS,
      fallback: Math.max(DEFAULT_UPLOAD_INTERVAL_SECONDS, limits.min_upload_interval_seconds),
      integer: limits.min_upload_interval_seconds >= 1 },
  ];
}

function validateObject(input: Input, options: ValidateJobOptions): ValidationResult<Job> {
  const problems: Problem[] = [];
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(SHAPE, key)) {
      problems.push({ path: pathJoin('$', key), message: `unknown field ${quote(key)}${didYouMean(key, KNOWN_KEYS)}` });
    }
  }
  const field = <S extends z.ZodType>(schema: S, key: string): z.output<S> | undefined => {
    const notOffered = notOfferedProblem(NOT_OFFERED_JOB, key, own(input, key));
    if (notOffered === null) return parseWithProblems(schema, own(input, key), pathJoin('$', key), problems);
    problems.push({ path: pathJoin('$', key), message: notOffered });
    return undefined;
  };

  // id
  const bodyId = field(SHAPE.id, 'id');
  let id = options.id ?? bodyId;
  if (options.id !== undefined && bodyId !== undefined && bodyId !== options.id) {
    problems.push({ path: '$.id', message: `is ${bodyId} but this job's id is ${options.id}; remove it or make it match` });
    id = undefined;
  } else if (id === undefined && own(input, 'id') === undefined) {
    problems.push({ path: '$.id', message: 'is required (a positive integer)' });
  }

  const name = field(SHAPE.name, 'name');
  const enabled = field(SHAPE.enabled, 'enabled');
  // Logpush settings whose only accepted values are what sluice does anyway: checked, not kept.
  field(SHAPE.kind, 'kind');
  field(SHAPE.frequency, 'frequency');
  field(SHAPE.filter_attack_traffic, 'filter_attack_traffic');

  // dataset first: tenant, filter and output_options are checked against its catalog.
  const dataset = field(SHAPE.dataset, 'dataset');
  let catalog: DatasetCatalog | undefined;
  if (dataset !== undefined) {
    // The catalog of the scope the job is for (firewall_events and websocket_analytics have one
    // per scope); otherwise the dataset's only one, and resolveTenant says the scope is wrong.
    const scope = scopeAsked(input, options);
    catalog = (scope === undefined ? undefined : getCatalog(dataset, scope)) ?? getCatalog(dataset);
    if (catalog === undefined) {
      problems.push({ path: '$.dataset', message: `unknown dataset ${quote(dataset)}${didYouMean(dataset, listDatasets())} Known datasets: ${listDatasets().join(', ')}` });
    }
  }

  const tenant = resolveTenant(input, field(SHAPE.zone_id, 'zone_id'), field(SHAPE.account_id, 'account_id'), catalog, options, problems);

  const destination = field(SHAPE.destination_conf, 'destination_conf');
  if (destination !== undefined) {
    const problem = destinationConfProblem(destination);
    if (problem !== null) problems.push({ path: '$.destination_conf', message: problem });
  }

  const filter = validateFilter(own(input, 'filter'), catalog, '$.filter', problems);

  let outputOptions: OutputOptions | undefined;
  const rawOutput = own(input, 'output_options');
  const rawLogpull = own(input, 'logpull_options');
  const logpull = field(SHAPE.logpull_options, 'logpull_options');
  if (typeof logpull === 'string' && rawOutput !== undefined && rawOutput !== null) {
    problems.push({ path: '$.logpull_options', message: 'use either output_options or the legacy logpull_options, not both' });
    outputOptions = resolveOutputOptions(rawOutput, catalog, '$.output_options', problems);
  } else if (typeof logpull === 'string') {
    outputOptions = resolveLogpull(logpull, catalog, problems);
  } else if (rawLogpull === undefined || rawLogpull === null) {
    outputOptions = resolveOutputOptions(rawOutput, catalog, '$.output_options', problems);
  }

  const uploads = uploadRules(options.limits).map((rule) => resolveUploadLimit(field(SHAPE[rule.key], rule.key), rule, problems));
  const compression = field(SHAPE.compression, 'compression');
  if (destination !== undefined && typeof compression === "string") {
    const problem = compressionProblem(destination, compression);
    if (problem !== null) problems.push({ path: '$.compression', message: problem });
  }

  const [maxBytes, maxRecords, maxInterval] = uploads;
  if (problems.length > 0 || id === undefined || dataset === undefined || tenant === undefined ||
      destination === undefined || filter === undefined || outputOptions === undefined ||
      maxBytes === undefined || maxRecords === undefined || maxInterval === undefined) {
    if (problems.length === 0) problems.push({ path: '$', message: 'is not a valid job' });
    return { ok: false, problems };
  }
  return {
    ok: true,
    value: {
      id,
      version: options.version ?? 1,
      name: name ?? null,
      enabled: enabled ?? true,
      dataset,
      tenant,
      destination_conf: destination,
      filter,
      output_options: outputOptions,
      max_upload_bytes: maxBytes,
      max_upload_records: maxRecords,
      max_upload_interval_seconds: maxInterval,
      compression: compression ?? 'gzip',
    },
  };
}

/** logpull_options → output_options; problems all point at $.logpull_options, naming the parameter. */
export function resolveLogpull(text: string, catalog: DatasetCatalog | undefined, problems: Problem[]): OutputOptions | undefined {
  const path = '$.logpull_options';
  const translation = parseLogpullOptions(text);
  for (const message of translation.problems) problems.push({ path, message });
  const inner: Problem[] = [];
  const resolved = resolveOutputOptions(translation.options, catalog, path, inner);
  const outputToLogpull = new Map(Object.entries(LOGPULL_TO_OUTPUT).map(([k, v]) => [v, k]));
  for (const problem of inner) {
    // `$.logpull_options.field_names[2]` → `fields[2]`: name the parameter the user wrote.
    const rest = problem.path.slice(path.length).replace(/^\./, '').replace(/^\["([^"]+)"\]/, '$1');
    const key = /^[A-Za-z0-9_-]+/.exec(rest)?.[0] ?? '';
    const where = (outputToLogpull.get(key) ?? key) + rest.slice(key.length);
    problems.push({ path, message: where === '' ? problem.message : `${where}: ${problem.message}` });
  }
  return translation.problems.length > 0 ? undefined : resolved;
}

export function validateJob(input: unknown, options: ValidateJobOptions): ValidationResult<Job> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    const got = Array.isArray(input) ? 'an array' : `a ${jsonTypeName(input)}`;
    return { ok: false, problems: [{ path: '$', message: `a job must be a JSON object; got ${got}` }] };
  }
  try {
    return validateObject(input as Input, options);
  } catch (error) {
    // Last resort: the validator must never take down its caller. The fuzz test asserts this
    // branch is never reached for JSON input.
    return { ok: false, problems: [{ path: '$', message: `internal validation error: ${(error as Error)?.message ?? String(error)}` }] };
  }
}
