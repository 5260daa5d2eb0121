// ConfigError: a config that fails validation. One summary line as the message (what a log
// line or a CLI's first line shows), every problem with its JSON path in `problems`.

import type { Problem } from '../jobs/types.ts';

export const CONFIG_ERROR_CODE = 'ERR_CONFIG';

export class ConfigError extends Error {
  readonly code = CONFIG_ERROR_CODE;
  /** Where the config came from: a file path or a description ("embedded default config"). */
  readonly source: string;
  readonly problems: readonly Problem[];

  constructor(source: string, problems: readonly Problem[]) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }

  /** The summary line followed by one indented line per problem, for a CLI or a log. */
  report(): string {
    return [this.message, ...this.problems.map((p) => `  ${p.path}: ${p.message}`)].join('\n');
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof Error && (error as { code?: unknown }).code === CONFIG_ERROR_CODE;
}
