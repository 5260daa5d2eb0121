// The two Logpush checks that look at a job's settings without creating one:
// validate/destination/exists (does one of this tenant's jobs already write there?) and
// validate/origin (are these logpull_options valid?). Both answer 200 with the verdict, as
// validate/destination does; only a malformed body is an error.

import { redactDestinationConf } from '../../destinations/destination-conf.ts';
import { LOGPUSH_LIMITS, type Problem, type Tenant } from '../../jobs/types.ts';
import { resolveLogpull, validateJob } from '../../jobs/validation/validate.ts';
import type { HandlerResult, RequestContext } from '../types.ts';
import { storeError, tenantOf } from './jobs.ts';

/** Logpull, which logpull_options come from, serves http_requests only. */
const LOGPULL_DATASET = 'http_requests';
/** Stands in for the destination of the job the options are checked in; its problems are not reported. */
const ANY_DESTINATION = 'file:///validate-origin';

/**
 * Only the caller's own jobs are looked at, so the answer says nothing about other tenants.
 * A destination is the place, not the keys: confs that differ only in credentials are the same
 * (compared redacted, which also matches the redacted conf a job view shows).
 */
export async function validateDestinationExists(ctx: RequestContext): Promise<HandlerResult> {
  const { destination_conf } = (await ctx.body()) as { destination_conf: string };
  const wanted = redactDestinationConf(destination_conf);
  const jobs = await ctx.deps.store.list(tenantOf(ctx)).catch(storeError);
  return { result: { exists: jobs.some((job) => redactDestinationConf(job.destination_conf) === wanted) } };
}

/**
 * The options are checked as a job of the body's dataset would check them (field names against
 * its catalog), or of Logpull's own dataset on a zone route. An account route without a dataset
 * has no catalog to check names against: only the parameters are checked there.
 */
export async function validateOrigin(ctx: RequestContext): Promise<HandlerResult> {
  const tenant = tenantOf(ctx);
  const { logpull_options: options, dataset: given } = (await ctx.body()) as { logpull_options: string | null; dataset?: string };
  const dataset = given ?? (tenant.zone_id !== undefined ? LOGPULL_DATASET : undefined);
  const problems = options === null ? [] : dataset === undefined
    ? parameterProblems(options)
    : optionProblems(options, dataset, tenant);
  return { result: { valid: problems.length === 0, message: problems.join('; ') } };
}

/** No catalog to check the field names against, but the parameters' values (timestamps, sample, …) are checked as a job checks them. */
function parameterProblems(options: string): string[] {
  const problems: Problem[] = [];
  resolveLogpull(options, undefined, problems);
  return problems.map((p) => `${p.path}: ${p.message}`);
}

function optionProblems(options: string, dataset: string, tenant: Tenant): string[] {
  const checked = validateJob({ dataset, logpull_options: options, destination_conf: ANY_DESTINATION }, { limits: LOGPUSH_LIMITS, id: 1, tenant });
  if (checked.ok) return [];
  return checked.problems.filter((p) => p.path !== '$.destination_conf').map((p) => `${p.path}: ${p.message}`);
}
