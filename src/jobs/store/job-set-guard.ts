// Invariant 6 in one place: decides whether a freshly loaded job set may replace the running
// one. Any record that fails validation refuses the whole load (a half-applied set is how a
// bad push silently drops a tenant's logs); an empty set refuses the load when the running
// set is not empty, unless the writer marked the emptiness as intended (the last job deleted
// through the API). Shared by every store implementation.

import { z } from 'zod';
import { TenantIdSchema } from '../schema.ts';
import type { Job, JobLimits, Problem } from '../types.ts';
import { pathJoin } from '../json-path.ts';
import { parseWithProblems } from '../zod-problems.ts';
import { rebase, resolveRecord } from './job-changes.ts';
import { MAX_JOB_ID, type RejectionReason, type StoredJobRecord } from './job-store.ts';

export const StoredJobRecordSchema = z.strictObject({
  id: z.int().positive().max(MAX_JOB_ID),
  version: z.int().positive(),
  tenant: z.union([
    z.strictObject({ zone_id: TenantIdSchema }),
    z.strictObject({ account_id: TenantIdSchema }),
  ]),
  input: z.record(z.string(), z.unknown()),
  updated_at: z.string(),
}).describe('One stored job: the accepted job JSON plus its id, version and tenant.');

export type LoadDecision =
  | { ok: true; records: StoredJobRecord[]; jobs: Job[] }
  | { ok: false; reason: RejectionReason; problems: Problem[] };

export interface LoadContext {
  limits: JobLimits;
  /** Jobs in the running (last good) set; 0 at a first start. */
  runningCount: number;
  /** The writer said the set is empty on purpose (the last job was deleted). */
  emptyIntended: boolean;
  /** JSON path of the records array in the loaded document, e.g. `$.jobs`. */
  basePath: string;
}

export function judgeLoadedRecords(raw: unknown, context: LoadContext): LoadDecision {
  if (!Array.isArray(raw)) {
    return { ok: false, reason: 'corrupt', problems: [{ path: context.basePath, message: 'must be an array of job records' }] };
  }
  const problems: Problem[] = [];
  const records: StoredJobRecord[] = [];
  const jobs: Job[] = [];
  const seen = new Map<number, number>();
  raw.forEach((item: unknown, index: number) => {
    const base = pathJoin(context.basePath, index);
    const record = parseWithProblems(StoredJobRecordSchema, item, base, problems) as StoredJobRecord | undefined;
    if (record === undefined) return;
    const first = seen.get(record.id);
    if (first !== undefined) {
      problems.push({ path: pathJoin(base, 'id'), message: `duplicate job id ${record.id} (also at index ${first})` });
      return;
    }
    seen.set(record.id, index);
    const resolved = resolveRecord(record, context.limits);
    if (!resolved.ok) {
      problems.push(...rebase(resolved.problems, pathJoin(base, 'input')));
      return;
    }
    records.push(record);
    jobs.push(resolved.job);
  });
  if (problems.length > 0) return { ok: false, reason: 'invalid', problems };
  if (jobs.length === 0 && context.runningCount > 0 && !context.emptyIntended) {
    return {
      ok: false,
      reason: 'empty',
      problems: [{ path: context.basePath, message: `is empty while ${context.runningCount} job${context.runningCount === 1 ? ' is' : 's are'} running; refusing to stop them (delete jobs through the API instead)` }],
    };
  }
  records.sort((a, b) => a.id - b.id);
  jobs.sort((a, b) => a.id - b.id);
  return { ok: true, records, jobs };
}
