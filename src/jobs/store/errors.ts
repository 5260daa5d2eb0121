// JobStoreError: typed failures of a job store, matched by `code` (not by class: errors may
// cross a worker or process boundary). Problems carry JSON paths for ERR_JOB_INVALID.

import type { Problem } from '../types.ts';

export type JobStoreErrorCode =
  | 'ERR_JOB_INVALID'
  | 'ERR_JOB_NOT_FOUND'
  | 'ERR_JOB_LIMIT'
  | 'ERR_JOB_STORE_CORRUPT'
  | 'ERR_JOB_STORE_WRITE'
  | 'ERR_JOB_STORE_CLOSED';

export class JobStoreError extends Error {
  readonly code: JobStoreErrorCode;
  readonly problems: readonly Problem[];

  constructor(code: JobStoreErrorCode, message: string, problems: readonly Problem[] = []) {
    super(message);
    this.name = 'JobStoreError';
    this.code = code;
    this.problems = problems;
  }
}

export function isJobStoreError(error: unknown): error is JobStoreError {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_JOB');
}
