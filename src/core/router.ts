// Finds the jobs a record belongs to from (dataset, tenant) alone — the record's JSON is never
// parsed on the main thread. One Map lookup per record, whatever the number of jobs.

import type { JobRuntime } from './job-runtime.ts';

const NO_JOBS: readonly JobRuntime[] = Object.freeze([]);

export class Router {
  private readonly routes = new Map<string, Map<string, JobRuntime[]>>();

  constructor(runtimes: Iterable<JobRuntime>) {
    for (const runtime of runtimes) {
      const { job } = runtime;
      // A parked job's records are acknowledged for it at once: its resume positions cover them.
      if (!job.enabled || runtime.parked) continue;
      const tenant = job.tenant.zone_id ?? job.tenant.account_id!;
      let byTenant = this.routes.get(job.dataset);
      if (!byTenant) this.routes.set(job.dataset, (byTenant = new Map()));
      let list = byTenant.get(tenant);
      if (!list) byTenant.set(tenant, (list = []));
      list.push(runtime);
    }
  }

  jobsFor(dataset: string, tenant: string): readonly JobRuntime[] {
    return this.routes.get(dataset)?.get(tenant) ?? NO_JOBS;
  }
}
