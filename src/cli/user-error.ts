// Errors a user causes (bad flags, bad config, missing input) are shown as one clear line (plus
// the list of problems, if any) — never as a stack trace. Anything else is a bug and keeps its
// stack.

import type { Problem } from '../jobs/types.ts';

export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Codes of errors that are the user's to fix, with the exit status each gets. */
const USER_ERROR_EXIT: Record<string, number> = {
  ERR_USAGE: 2,
  ERR_CONFIG: 2,
  ERR_INPUT: 1,
  ERR_DESTINATION_CONF: 2,
  ERR_JOB_STORE_CORRUPT: 1,
  ERR_API_TOKENS_FILE: 2,
  ERR_API_TLS: 2,
  ERR_TELEMETRY_LISTEN: 2,
  ERR_KAFKA_UNREACHABLE: 1,
  ERR_KAFKA_TOPIC: 2,
  ERR_KAFKA_AUTH: 2,
  ERR_SIGNING_KEY: 2,
};

export function asUserError(error: unknown): { exitCode: number; lines: string[] } | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !(code in USER_ERROR_EXIT)) return null;
  const lines = [`sluice: ${error.message}`];
  const problems = (error as { problems?: Problem[] }).problems;
  if (Array.isArray(problems)) for (const p of problems) lines.push(`  ${p.path}: ${p.message}`);
  return { exitCode: USER_ERROR_EXIT[code]!, lines };
}
