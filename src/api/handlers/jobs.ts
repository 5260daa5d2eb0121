// Job routes: list, create, get, update (Logpush PUT), delete, list by dataset. Every change
// is audited with redacted before/after views. Another tenant's job is a 404, exactly like a
// missing one.

import { redactDestinationConf } from '../../destinations/destination-conf.ts';
import { getCatalog } from '../../datasets/catalog.ts';
import { isJobStoreError } from '../../jobs/store/errors.ts';
import { sameTenant } from '../../jobs/store/job-store.ts';
import type { Job, Tenant } from '../../jobs/types.ts';
import { enforceDestinationBoundary } from '../destination-boundary.ts';
import { API_ERROR_CODES, apiError, notFound, problemsError, type ApiErrorItem } from '../errors.ts';
import { jobView, type JobView } from '../job-view.ts';
import { challengeRequired } from '../challenge-required.ts';
import type { AuditAction, ApiDeps, HandlerResult, RequestContext } from '../types.ts';

export function tenantOf(ctx: RequestContext): Tenant {
  if (ctx.tenant === null) throw new Error('tenant route without a tenant');
  return ctx.tenant;
}

export function jobIdOf(ctx: RequestContext): number {
  const raw = ctx.params.job_id ?? '';
  if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw apiError(404, API_ERROR_CODES.notFound, `job ${JSON.stringify(raw.slice(0, 40))} not found: job ids are positive integers`);
  return Number(raw);
}

/** Store errors → API errors (never a 500 for something the caller can fix). */
export function storeError(error: unknown): never {
  if (!isJobStoreError(error)) throw error;
  switch (error.code) {
    case 'ERR_JOB_INVALID': throw problemsError(error.problems);
    case 'ERR_JOB_NOT_FOUND': throw apiError(404, API_ERROR_CODES.notFound, error.message);
    case 'ERR_JOB_LIMIT': throw apiError(400, API_ERROR_CODES.jobLimit, error.message);
    default: throw apiError(503, API_ERROR_CODES.storeUnavailable, `the job store is unavailable (${error.code}); try again`);
  }
}

function view(deps: ApiDeps, job: Job): JobView {
  return jobView(job, deps.health(job.id));
}

/**
 * Warning 1012 for each job in the answer that runs its last good version because the store
 * refused a newer one (or its removal). Only the answer's own jobs, which are the caller's:
 * a refusal that holds back no job of this tenant (a stray record, another tenant's job)
 * changes nothing here, and what was refused and where stays in the service log.
 */
function storeMessages(deps: ApiDeps, jobs: readonly Job[]): ApiErrorItem[] {
  const messages: ApiErrorItem[] = [];
  for (const job of jobs) {
    const rejection = deps.store.rejectionOf(job.id);
    if (rejection === null) continue;
    messages.push({ code: API_ERROR_CODES.storeRefusedLoad, message: `the job store refused a change to job ${job.id} at ${rejection.at} and keeps running its last good version; see the service log` });
  }
  return messages;
}

async function audit(ctx: RequestContext, action: AuditAction, tenant: Tenant, jobId: number, before: JobView | null, after: JobView | null): Promise<void> {
  const event = { who: ctx.caller?.id ?? 'anonymous', action, tenant, job_id: jobId, before, after, when: new Date(ctx.deps.now()).toISOString() };
  try {
    await ctx.deps.audit(event);
  } catch (error) {
    // The change is already stored; a failing audit sink is reported, not turned into a failed request.
    ctx.deps.log.error({ err: (error as Error)?.message, action, job_id: jobId }, 'audit event could not be emitted');
  }
}

function requireChallenge(ctx: RequestContext, tenant: Tenant, body: Record<string, unknown>, destination: string): void {
  const challenge = body.ownership_challenge;
  const scheme = destination.slice(0, destination.indexOf(':')).toLowerCase();
  if (typeof challenge !== 'string' || challenge === '') {
    throw apiError(400, API_ERROR_CODES.ownershipChallenge,
      `$.ownership_challenge: is required for ${scheme}: destinations; POST …/logpush/ownership with this destination_conf and pass the token written to ownership-challenge.txt`);
  }
  const verdict = ctx.deps.signer.verify(tenant, destination, challenge);
  if (!verdict.valid) throw apiError(400, API_ERROR_CODES.ownershipChallenge, `$.ownership_challenge: ${verdict.message}`);
}

function asBodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw problemsError([{ path: '$', message: `a job must be a JSON object; got ${got}` }]);
  }
  return body as Record<string, unknown>;
}

export async function listJobs(ctx: RequestContext): Promise<HandlerResult> {
  const jobs = await ctx.deps.store.list(tenantOf(ctx));
  return { result: jobs.map((job) => view(ctx.deps, job)), messages: storeMessages(ctx.deps, jobs) };
}

export async function listDatasetJobs(ctx: RequestContext): Promise<HandlerResult> {
  const dataset = ctx.params.dataset ?? '';
  if (getCatalog(dataset) === undefined) throw notFound(`dataset ${JSON.stringify(dataset.slice(0, 64))}`);
  const jobs = (await ctx.deps.store.list(tenantOf(ctx))).filter((job) => job.dataset === dataset);
  return { result: jobs.map((job) => view(ctx.deps, job)), messages: storeMessages(ctx.deps, jobs) };
}

export async function createJob(ctx: RequestContext): Promise<HandlerResult> {
  const tenant = tenantOf(ctx);
  const body = asBodyObject(await ctx.body());
  await enforceDestinationBoundary(ctx.deps.destinationBoundary, tenant, body.destination_conf);
  if (challengeRequired(body.destination_conf)) requireChallenge(ctx, tenant, body, body.destination_conf as string);
  // Logpush creates a job disabled unless the body enables it ("by default a job is not
  // enabled"): stored explicitly, so the store's own default (true, for the operator's config
  // jobs and for records written before this rule) never applies to an API-created job.
  const input = body.enabled === undefined || body.enabled === null ? { ...body, enabled: false } : body;
  const job = await ctx.deps.store.create(tenant, input).catch(storeError);
  const after = view(ctx.deps, job);
  await audit(ctx, 'create', tenant, job.id, null, after);
  return { result: after };
}

async function ownJob(ctx: RequestContext, tenant: Tenant, id: number): Promise<Job> {
  const job = await ctx.deps.store.get(id);
  if (job === undefined || !sameTenant(job.tenant, tenant)) throw notFound(`job ${id}`);
  return job;
}

export async function getJob(ctx: RequestContext): Promise<HandlerResult> {
  const job = await ownJob(ctx, tenantOf(ctx), jobIdOf(ctx));
  return { result: view(ctx.deps, job), messages: storeMessages(ctx.deps, [job]) };
}

export async function updateJob(ctx: RequestContext): Promise<HandlerResult> {
  const tenant = tenantOf(ctx);
  const id = jobIdOf(ctx);
  const current = await ownJob(ctx, tenant, id);
  const body = asBodyObject(await ctx.body());
  const destination = body.destination_conf;
  const changesDestination = typeof destination === 'string' && destination !== current.destination_conf &&
    destination !== redactDestinationConf(current.destination_conf);
  // A job keeps a destination it already has (an operator's seeded job may lie outside the
  // tenant roots); a new destination must be one the tenant may use.
  if (changesDestination) await enforceDestinationBoundary(ctx.deps.destinationBoundary, tenant, destination);
  if (changesDestination && challengeRequired(destination)) requireChallenge(ctx, tenant, body, destination);
  const job = await ctx.deps.store.update(id, tenant, body).catch(storeError);
  const before = view(ctx.deps, current);
  const after = view(ctx.deps, job);
  // A change of `enabled` is what operators look for in an audit trail: it gets its own action.
  const action: AuditAction = current.enabled !== job.enabled ? (job.enabled ? 'enable' : 'disable') : 'update';
  await audit(ctx, action, tenant, id, before, after);
  return { result: after };
}

export async function deleteJob(ctx: RequestContext): Promise<HandlerResult> {
  const tenant = tenantOf(ctx);
  const id = jobIdOf(ctx);
  const job = await ctx.deps.store.delete(id, tenant).catch(storeError);
  await audit(ctx, 'delete', tenant, id, view(ctx.deps, job), null);
  return { result: { id } };
}

