// A job that cannot be compiled in the worker. Validation on the main thread should make this
// impossible; when it happens anyway the batch fails with a stable code the pool can match on
// (structured clone drops the prototype, the `code` survives).

import { WorkerErrorCode } from './batch-task.ts';

export class JobCompileError extends Error {
  readonly code = WorkerErrorCode.JOB_COMPILE;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobCompileError';
  }
}
