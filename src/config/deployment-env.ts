// Environment overrides for what differs between one container and the next while the config
// file (a Kubernetes ConfigMap, a file baked into an image) stays the same: the listen addresses
// (0.0.0.0 inside a pod, loopback on a laptop) and the shutdown deadline (kept below the pod's
// grace period). Applied before validation, like the SLUICE_KAFKA_* overrides in load.ts, so a
// bad value is reported with the rest of the file, at the JSON path it lands on.

export interface DeploymentEnv {
  SLUICE_API_LISTEN?: string | undefined;
  SLUICE_TELEMETRY_LISTEN?: string | undefined;
  SLUICE_SHUTDOWN_DEADLINE_SECONDS?: string | undefined;
}

/** The variables this module reads, for messages and docs. */

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A problem an override causes before the schema can see it (e.g. an API address without an api: section). */
export interface EnvProblem {
  path: string;
  message: string;
}

/**
 * Returns a copy of the raw config with the overrides applied (the input is not modified):
 * - SLUICE_TELEMETRY_LISTEN sets telemetry.listen, creating the section when the file has none
 *   (a container wants its probes and metrics without another config);
 * - SLUICE_API_LISTEN sets api.listen, only when the file has an api: section (the section
 *   decides where jobs live, so an address alone must not turn it on); otherwise a problem;
 * - SLUICE_SHUTDOWN_DEADLINE_SECONDS sets shutdown.deadline_seconds (the schema checks its
 *   range); text that is not a number is a problem naming the variable.
 * Empty variables count as unset.
 */
export function applyDeploymentEnv(value: unknown, env: DeploymentEnv, problems: EnvProblem[]): unknown {
  const top = record(value);
  if (top === undefined) return value;
  const api = env.SLUICE_API_LISTEN?.trim() || undefined;
  const telemetry = env.SLUICE_TELEMETRY_LISTEN?.trim() || undefined;
  const deadline = env.SLUICE_SHUTDOWN_DEADLINE_SECONDS?.trim() || undefined;
  if (api === undefined && telemetry === undefined && deadline === undefined) return value;
  const copy: Record<string, unknown> = { ...top };
  if (telemetry !== undefined) copy.telemetry = { ...record(top.telemetry), listen: telemetry };
  if (api !== undefined) {
    if (record(top.api) === undefined) problems.push({ path: '$.api', message: 'env SLUICE_API_LISTEN is set, but the config has no api: section (add one to serve the admin API, or unset the variable)' });
    else copy.api = { ...record(top.api), listen: api };
  }
  if (deadline !== undefined) {
    if (/^[0-9]+(\.[0-9]+)?$/.test(deadline)) copy.shutdown = { ...record(top.shutdown), deadline_seconds: Number(deadline) };
    else problems.push({ path: '$.shutdown.deadline_seconds', message: `env SLUICE_SHUTDOWN_DEADLINE_SECONDS must be a number of seconds, got ${JSON.stringify(deadline)}` });
  }
  return copy;
}
