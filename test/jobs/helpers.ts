// Shared fixtures for job validation tests.

import assert from 'node:assert/strict';
import { LOGPUSH_LIMITS, type JobLimits, type Problem } from '../../src/jobs/types.ts';
import { validateJob, type ValidateJobOptions } from '../../src/jobs/validation/validate.ts';

export const limits: JobLimits = LOGPUSH_LIMITS;

/** A small valid http_requests job; tests override single fields to break one rule. */
export function goodJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 7,
    zone_id: 'zone-a',
    dataset: 'http_requests',
    destination_conf: 'file:///tmp/sluice/{DATE}',
    output_options: { field_names: ['ClientIP', 'RayID'] },
    ...overrides,
  };
}

export function problemsOf(input: unknown, options: Partial<ValidateJobOptions> = {}): Problem[] {
  const result = validateJob(input, { limits, ...options });
  assert.equal(result.ok, false, 'expected the job to be rejected');
  return result.ok ? [] : result.problems;
}

/** Asserts exactly one problem, at `path`, whose message contains every fragment. */
export function assertOneProblem(input: unknown, path: string, fragments: string | string[], options: Partial<ValidateJobOptions> = {}): Problem {
  const problems = problemsOf(input, options);
  assert.deepEqual(problems.map((p) => p.path), [path], JSON.stringify(problems, null, 1));
  const problem = problems[0] as Problem;
  for (const fragment of Array.isArray(fragments) ? fragments : [fragments]) {
    assert.ok(problem.message.includes(fragment), `message ${JSON.stringify(problem.message)} lacks ${JSON.stringify(fragment)}`);
  }
  return problem;
}
