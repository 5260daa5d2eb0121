// Named readiness checks for /readyz. Each check returns null when fine, or a short reason
// (no secrets: these reasons are served to anyone who can reach the ops port).

export type ReadinessCheck = () => string | null;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; reason?: string }>;
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Adds or replaces the check called `name` (e.g. "sources", "worker_pool", "job_store"). */
  set(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  report(): ReadinessReport {
    const report: ReadinessReport = { ready: this.checks.size > 0, checks: {} };
    for (const [name, check] of this.checks) {
      let reason: string | null;
      try {
        reason = check();
      } catch (error) {
        reason = `check failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (reason === null) report.checks[name] = { ok: true };
      else {
        report.checks[name] = { ok: false, reason };
        report.ready = false;
      }
    }
    return report;
  }
}
