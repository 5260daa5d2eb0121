// The rules of a job change, as pure functions over the current set, so every store (local
// file, Kafka topic) applies them the same way: what a create/update/delete turns into (the
// new stored record and resolved Job), or a JobStoreError saying why not. Stores add only
// persistence and serialisation of concurrent changes.

import { redactDestinationConf } from '../../destinations/destination-conf.ts';
import { quote } from '../problem-text.ts';
import type { Job, JobLimits, Problem, Tenant } from '../types.ts';
import { validateJob } from '../validation/validate.ts';
import { JobStoreError } from './errors.ts';
import { sameTenant, type JobCountLimits, type StoredJobRecord } from './job-store.ts';

/** The set a change is planned against: records and their resolved jobs, by id. */
export interface JobSetState {
  readonly records: ReadonlyMap<number, StoredJobRecord>;
  readonly jobs: ReadonlyMap<number, Job>;
}

export interface ChangeContext {
  limits: JobLimits;
  counts: JobCountLimits;
  /** ISO 8601 time stamped on the record. */
  now: string;
}

export interface PlannedChange {
  record: StoredJobRecord;
  job: Job;
  /** The job before the change (update), or null (create). */
  before: Job | null;
}

/** Identity and read-only fields: the store owns them, so they are never kept in the stored input. */
const NOT_STORED = new Set(['id', 'zone_id', 'account_id', 'last_complete', 'last_error', 'error_message', 'ownership_challenge', 'frequency', 'kind']);

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw new JobStoreError('ERR_JOB_INVALID', 'the job is not valid', [{ path: '$', message: `a job must be a JSON object; got ${got}` }]);
  }
  return body as Record<string, unknown>;
}

function storable(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) if (!NOT_STORED.has(key) && input[key] !== undefined) out[key] = input[key];
  return out;
}

/** Validates a stored record as the running pipeline would see it. */
export function resolveRecord(record: StoredJobRecord, limits: JobLimits): { ok: true; job: Job } | { ok: false; problems: Problem[] } {
  const result = validateJob(record.input, { limits, id: record.id, version: record.version, tenant: record.tenant });
  return result.ok ? { ok: true, job: result.value } : { ok: false, problems: result.problems };
}

/** Validation of what the user sent, with identity fields checked against the route's tenant. */
function validateBody(input: Record<string, unknown>, id: number, version: number, tenant: Tenant, limits: JobLimits, extra: Problem[]): Job {
  const { id: _ignored, ...rest } = input;
  const result = validateJob(rest, { limits, id, version, tenant });
  const problems = [...extra, ...(result.ok ? [] : result.problems)];
  if (problems.length > 0 || !result.ok) throw new JobStoreError('ERR_JOB_INVALID', 'the job is not valid', problems);
  return result.value;
}

function countForTenant(state: JobSetState, tenant: Tenant): number {
  let count = 0;
  for (const record of state.records.values()) if (sameTenant(record.tenant, tenant)) count++;
  return count;
}

export function planCreate(state: JobSetState, tenant: Tenant, body: unknown, id: number, context: ChangeContext): PlannedChange {
  const input = asObject(body);
  const extra: Problem[] = [];
  if (input.id !== undefined && input.id !== null) extra.push({ path: '$.id', message: 'is assigned by sluice when the job is created; remove it' });
  const job = validateBody(input, id, 1, tenant, context.limits, extra);
  const limit = tenant.zone_id !== undefined ? context.counts.max_jobs_per_zone : context.counts.max_jobs_per_account;
  if (countForTenant(state, tenant) >= limit) {
    const owner = tenant.zone_id !== undefined ? 'zone' : 'account';
    throw new JobStoreError('ERR_JOB_LIMIT', `this ${owner} already has the maximum of ${limit} job${limit === 1 ? '' : 's'}; delete one first`);
  }
  return { record: { id, version: 1, tenant: job.tenant, input: storable(input), updated_at: context.now }, job, before: null };
}

function existingFor(state: JobSetState, id: number, tenant: Tenant): { record: StoredJobRecord; job: Job } {
  const record = state.records.get(id);
  const job = state.jobs.get(id);
  // Another tenant's job is reported exactly like a missing one: no existence leak.
  if (record === undefined || job === undefined || !sameTenant(record.tenant, tenant)) {
    throw new JobStoreError('ERR_JOB_NOT_FOUND', `job ${id} not found`);
  }
  return { record, job };
}

export function planUpdate(state: JobSetState, id: number, tenant: Tenant, body: unknown, context: ChangeContext): PlannedChange {
  const { record, job: before } = existingFor(state, id, tenant);
  const input = asObject(body);
  const extra: Problem[] = [];
  if (typeof input.dataset === 'string' && input.dataset !== before.dataset) {
    extra.push({ path: '$.dataset', message: `cannot be changed (this job's dataset is ${quote(before.dataset)}); create a new job instead` });
  }
  const merged: Record<string, unknown> = { ...record.input };
  for (const key of Object.keys(input)) merged[key] = input[key];
  // output_options and the legacy logpull_options are two spellings of one setting: the one
  // sent replaces the other, and output_options is replaced as a whole (Logpush).
  if (Object.hasOwn(input, 'output_options') && !Object.hasOwn(input, 'logpull_options')) delete merged.logpull_options;
  if (Object.hasOwn(input, 'logpull_options') && !Object.hasOwn(input, 'output_options')) delete merged.output_options;
  // A client that PUTs back what GET returned sends the redacted destination: keep the secret.
  if (typeof input.destination_conf === 'string' && input.destination_conf !== record.input.destination_conf &&
      input.destination_conf === redactDestinationConf(String(record.input.destination_conf))) {
    merged.destination_conf = record.input.destination_conf;
  }
  const job = validateBody(merged, id, record.version + 1, tenant, context.limits, extra);
  return { record: { id, version: record.version + 1, tenant: record.tenant, input: storable(merged), updated_at: context.now }, job, before };
}

export function planDelete(state: JobSetState, id: number, tenant: Tenant): Job {
  return existingFor(state, id, tenant).job;
}

/** Problem paths of a stored record, re-rooted at its place in the stored document. */
export function rebase(problems: readonly Problem[], base: string): Problem[] {
  return problems.map((p) => ({ path: base + p.path.slice(1), message: p.message }));
}

