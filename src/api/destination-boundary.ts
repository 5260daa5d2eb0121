// The tenant boundary of a destination (docs/architecture.md invariant 8): whether a tenant may point a
// job, an ownership challenge or a destination check at a destination_conf. Two rules, each
// owned by its own module: file:// paths stay inside the operator's roots and the tenant's
// folder (src/destinations/file-roots.ts), and network destinations resolve only to addresses
// the network policy allows (src/destinations/net/). Connections are checked again when they
// are made; this answers the API request early, with a reason the tenant can act on.

import { destinationConfProblem } from '../jobs/validation/destination-conf.ts';
import type { Tenant } from '../jobs/types.ts';
import { fileDestinationProblem, type FileRootsPolicy } from '../destinations/file-roots.ts';
import { problemsError } from './errors.ts';

/** Null when `tenant` may use `conf`, else one sentence for the tenant (no host paths, no address details). */
export type DestinationBoundary = (tenant: Tenant, conf: string) => Promise<string | null>;

/** A network check of one destination_conf: null when allowed, else the generic refusal. */
export type NetworkCheck = (conf: string) => Promise<string | null>;

export function createDestinationBoundary(files: FileRootsPolicy, network: NetworkCheck): DestinationBoundary {
  return async (tenant, conf) => (await fileDestinationProblem(conf, tenant, files)) ?? (await network(conf));
}

/**
 * Throws the API's 1004 for `$.destination_conf` when `conf` is a well-formed destination the
 * tenant may not use. A malformed or missing conf is left to the job validator, which names
 * the syntax problem.
 */
export async function enforceDestinationBoundary(boundary: DestinationBoundary, tenant: Tenant, conf: unknown): Promise<void> {
  if (typeof conf !== 'string' || destinationConfProblem(conf) !== null) return;
  const problem = await boundary(tenant, conf);
  if (problem !== null) throw problemsError([{ path: '$.destination_conf', message: problem }]);
}
