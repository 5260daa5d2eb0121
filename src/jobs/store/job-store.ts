// The job store contract: where job definitions live, shared by the admin API (writes) and
// the pipeline (follows the running set). The embedded default is FileJobStore (one local
// file); a compacted Kafka topic keyed by job id implements the same interface for several
// instances. Health (last_complete, last_error, error_message) is not stored: it is per
// instance and comes from the running pipeline through a separate provider.
//
// Invariant 6 (docs/architecture.md): a load that yields an empty set while the last good set was not
// empty, or any record that fails validation, never replaces the running set. It is refused
// and reported through onRejected; the last good set keeps running.
//
// Who hears of a refusal (issue 9): the operator always (onRejected: the service log and
// sluice_job_store_refusals_total); a tenant only through its own jobs that keep running a
// last good version because of it (rejectionOf: API warning 1012 on that job's list and get).
// A stray record — one that is not and cannot become any tenant's job — concerns no job, so
// no tenant's API answer ever shows it.

import type { Job, Problem, Tenant } from '../types.ts';

/**
 * One job as stored: the job JSON the user sent (without id/tenant/read-only fields) plus the
 * identity the store assigned. Stores persist this form (not the resolved Job) so that "0 =
 * default" keeps its meaning and every load re-validates against the current catalog and
 * operator limits. The Kafka store writes one of these per job id (value null = deleted).
 */
export interface StoredJobRecord {
  id: number;
  version: number;
  tenant: Tenant;
  /** The job JSON as accepted (secrets included: never log it). */
  input: Record<string, unknown>;
  /** ISO 8601 time of the change that produced this version. */
  updated_at: string;
}

/**
 * Why a loaded set was refused (it did not replace the running set). `stray`: a record that is
 * not and cannot become a job of any tenant (a garbage key, a refused claim, a value for an id
 * no create claimed or for a deleted job, a value that would move a job to another tenant);
 * its problems say what was wrong with it.
 */
export type RejectionReason = 'empty' | 'invalid' | 'corrupt' | 'stray';

export interface StoreRejection {
  reason: RejectionReason;
  /** Where the refused data came from: a file path, "topic sluice-jobs offset 812", … */
  origin: string;
  /** Every problem, paths relative to the stored document (e.g. `$.jobs[2].output_options…`). */
  problems: Problem[];
  /** ISO 8601. */
  at: string;
  /** How many jobs keep running instead. */
  kept_jobs: number;
  /** The jobs this refusal keeps on their last good version (their tenants see 1012); none for a stray. */
  job_ids: readonly number[];
}

export type JobsListener = (jobs: readonly Job[]) => void;
export type RejectionListener = (rejection: StoreRejection) => void;

export interface JobStore {
  /** Loads the stored set (and, for a shared store, starts following it). Throws JobStoreError ERR_JOB_STORE_CORRUPT when there is no good set at all. */
  start(): Promise<void>;
  /** Jobs of one tenant, or every job; sorted by id. */
  list(tenant?: Tenant): Promise<Job[]>;
  /** Any tenant's job: callers that act for a tenant must compare job.tenant themselves. */
  get(id: number): Promise<Job | undefined>;
  /** Assigns an id and version 1. Throws JobStoreError (ERR_JOB_INVALID with problems, ERR_JOB_LIMIT, ERR_JOB_STORE_WRITE). */
  create(tenant: Tenant, input: unknown): Promise<Job>;
  /**
   * Logpush PUT: fields in `input` replace the stored ones (output_options as a whole, never
   * merged); version + 1. A job of another tenant is ERR_JOB_NOT_FOUND, as if it did not exist.
   */
  update(id: number, tenant: Tenant, input: unknown): Promise<Job>;
  /** Returns the deleted job. ERR_JOB_NOT_FOUND for a missing job or another tenant's. */
  delete(id: number, tenant: Tenant): Promise<Job>;
  /** Called with the whole accepted set now (if started) and after every accepted change. Returns an unsubscribe function. */
  subscribe(listener: JobsListener): () => void;
  /** Called whenever a loaded set is refused (invariant 6). Returns an unsubscribe function. */
  onRejected(listener: RejectionListener): () => void;
  /** The most recent refusal not yet superseded by an accepted load, or null; never a stray's (it holds back no job). */
  lastRejection(): StoreRejection | null;
  /** The refusal in force that keeps job `id` on its last good version, or null: all a tenant is told (1012). */
  rejectionOf(id: number): StoreRejection | null;
  close(): Promise<void>;
}

/** Per-tenant job count limits a store enforces atomically with the create. */
export interface JobCountLimits {
  /** Logpush: 4 jobs per zone. */
  max_jobs_per_zone: number;
  max_jobs_per_account: number;
}

/**
 * The highest job id a store assigns or accepts. The API route takes ids of 1 to 15 digits
 * (`^[1-9][0-9]{0,14}$`, src/api/handlers/jobs.ts), so an id above this could be created but
 * never read, updated or deleted; every id up to it is exact in a double (it is below 2^53),
 * which Number.MAX_SAFE_INTEGER (16 digits) would not leave room for in the route.
 */
export const MAX_JOB_ID = 999_999_999_999_999;

export const DEFAULT_JOB_COUNT_LIMITS: JobCountLimits = { max_jobs_per_zone: 4, max_jobs_per_account: 4 };

export function sameTenant(a: Tenant, b: Tenant): boolean {
  return a.zone_id !== undefined ? a.zone_id === b.zone_id : a.account_id === b.account_id && b.zone_id === undefined;
}

export function tenantKey(tenant: Tenant): string {
  return tenant.zone_id !== undefined ? `zone:${tenant.zone_id}` : `account:${tenant.account_id}`;
}
