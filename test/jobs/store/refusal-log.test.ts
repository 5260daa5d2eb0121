// The job store's refusals in the service log: every refusal that holds back a job is logged;
// strays are logged at most `burst` per window and the rest summed up in one line.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoreRejection } from '../../../src/jobs/store/job-store.ts';
import {
  REFUSED_JOB_SET_MESSAGE, REFUSED_STRAY_MESSAGE, refusalLogger, STRAYS_NOT_LOGGED_MESSAGE,
} from '../../../src/jobs/store/refusal-log.ts';

function rejection(reason: StoreRejection['reason'], offset: number): StoreRejection {
  return {
    reason,
    origin: `topic t offset ${offset}`,
    problems: [{ path: '$', message: 'x' }],
    at: '2025-01-01T00:00:00.000Z',
    kept_jobs: 2,
    job_ids: reason === 'stray' ? [] : [7],
  };
}

describe('refusalLogger', () => {
  it('logs every held-back job, at most `burst` strays per window, and how many it left out', async () => {
    const lines: Array<{ details: any; message: string }> = [];
    const clock = { now: 0 };
    const logger = refusalLogger({ warn: (details, message) => lines.push({ details, message }) }, { burst: 2, windowMs: 1000, now: () => clock.now });
    for (let offset = 0; offset < 5; offset++) logger.onRejected(rejection('stray', offset));
    for (let offset = 5; offset < 9; offset++) logger.onRejected(rejection('invalid', offset));
    assert.deepEqual(lines.map((l) => l.message), [REFUSED_STRAY_MESSAGE, REFUSED_STRAY_MESSAGE, ...Array(4).fill(REFUSED_JOB_SET_MESSAGE)]);
    assert.deepEqual(lines[2]?.details.job_ids, [7]);
    // The next window: the left-out count first, then strays one by one again.
    clock.now = 1000;
    logger.onRejected(rejection('stray', 9));
    assert.deepEqual(lines.slice(6).map((l) => l.message), [STRAYS_NOT_LOGGED_MESSAGE, REFUSED_STRAY_MESSAGE]);
    assert.equal(lines[6]?.details.not_logged, 3);
    assert.match(lines[7]?.details.origin, /offset 9$/);
    logger.close();
    assert.equal(lines.length, 8, 'nothing left out: close logs nothing');
  });

  it('sums up the strays left out when the window ends, without another stray', async () => {
    const lines: string[] = [];
    const logger = refusalLogger({ warn: (_details, message) => lines.push(message) }, { burst: 1, windowMs: 30 });
    for (let offset = 0; offset < 4; offset++) logger.onRejected(rejection('stray', offset));
    const deadline = Date.now() + 5000;
    while (!lines.includes(STRAYS_NOT_LOGGED_MESSAGE)) {
      assert.ok(Date.now() < deadline, 'the summary line by the end of the window');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(lines, [REFUSED_STRAY_MESSAGE, STRAYS_NOT_LOGGED_MESSAGE]);
    logger.close();
  });
});
