// Destination checks and the ownership challenge. Bodies are validated by the route's schema
// before these run. Messages never contain a destination's credentials.

import { DeliveryError } from '../../destinations/destination.ts';
import { destinationConfProblem } from '../../jobs/validation/destination-conf.ts';
import { enforceDestinationBoundary } from '../destination-boundary.ts';
import { API_ERROR_CODES, apiError, problemsError } from '../errors.ts';
import { OWNERSHIP_FILE_NAME } from '../ownership.ts';
import type { DestinationValidator, HandlerResult, RequestContext } from '../types.ts';
import { tenantOf } from './jobs.ts';

/** The default validator: the job validator's syntax check of destination_conf. */
export const syntaxDestinationValidator: DestinationValidator = async (conf) => {
  const problem = destinationConfProblem(conf);
  return problem === null ? { valid: true } : { valid: false, message: `destination_conf ${problem}` };
};

function syntaxChecked(conf: string): string {
  const problem = destinationConfProblem(conf);
  if (problem !== null) throw problemsError([{ path: '$.destination_conf', message: problem }]);
  return conf;
}

export async function validateDestination(ctx: RequestContext): Promise<HandlerResult> {
  const { destination_conf } = (await ctx.body()) as { destination_conf: string };
  // Before any directory is created or any request sent: a refused destination is never touched.
  if (destinationConfProblem(destination_conf) === null) {
    const refused = await ctx.deps.destinationBoundary(tenantOf(ctx), destination_conf);
    if (refused !== null) return { result: { valid: false, message: `destination_conf ${refused}` } };
  }
  const verdict = await ctx.deps.validateDestination(destination_conf);
  return { result: { valid: verdict.valid, message: verdict.message ?? '' } };
}

export async function createOwnershipChallenge(ctx: RequestContext): Promise<HandlerResult> {
  const tenant = tenantOf(ctx);
  const { destination_conf } = (await ctx.body()) as { destination_conf: string };
  const conf = syntaxChecked(destination_conf);
  await enforceDestinationBoundary(ctx.deps.destinationBoundary, tenant, conf);
  const content = ctx.deps.signer.issue(tenant, conf);
  let written: { filename: string };
  try {
    written = await ctx.deps.ownershipWriter(conf, { name: OWNERSHIP_FILE_NAME, content });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_API') throw error;
    ctx.deps.log.warn({ err: (error as NodeJS.ErrnoException)?.code ?? 'error' }, 'ownership challenge could not be written');
    // A DeliveryError's message is already redacted and says what the store answered.
    const why = error instanceof DeliveryError ? `: ${error.message}` : '; check its permissions and credentials';
    throw apiError(400, API_ERROR_CODES.ownershipChallenge, `could not write ${OWNERSHIP_FILE_NAME} to the destination${why}`);
  }
  return { result: { filename: written.filename, message: '', valid: true } };
}

export async function validateOwnershipChallenge(ctx: RequestContext): Promise<HandlerResult> {
  const tenant = tenantOf(ctx);
  const { destination_conf, ownership_challenge } = (await ctx.body()) as { destination_conf: string; ownership_challenge: string };
  const verdict = ctx.deps.signer.verify(tenant, syntaxChecked(destination_conf), ownership_challenge);
  return { result: { valid: verdict.valid, message: verdict.message } };
}
