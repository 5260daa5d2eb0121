// Records a parked job lost to retention are said loudly: its error_message, the counter by
// topic and an error log line all carry the partition and the exact count.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { catchUpLossMessage, reportCatchUpLoss } from '../../src/core/catch-up-loss.ts';
import { createJobRuntime } from '../../src/core/job-runtime.ts';
import type { Destination } from '../../src/destinations/destination.ts';
import { LOGPUSH_LIMITS } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';

const NO_DESTINATION: Destination = { kind: 'memory', deliver: async () => ({ location: '' }), close: async () => {} };

function runtime() {
  const result = validateJob({ id: 5, zone_id: 'zone-5', dataset: 'http_requests', destination_conf: 'file:///tmp/x', output_options: { field_names: ['RayID'] } }, { limits: LOGPUSH_LIMITS });
  assert.ok(result.ok);
  return createJobRuntime(result.value, NO_DESTINATION);
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } }));
  return { log, lines };
}

describe('catch-up loss', () => {
  it('sets the job\'s error_message, counts by topic and logs an error with partition and count', async () => {
    const job = runtime();
    const { log, lines } = capture();
    const counted: Array<[string, number]> = [];
    const loss = { jobId: 5, topic: 'requests', partition: 1, from: 120, to: 1120 };
    const message = reportCatchUpLoss(job, loss, log, { catchUpRecordsLost: (topic, n) => counted.push([topic, n]) });
    assert.equal(message, catchUpLossMessage(loss));
    assert.equal(job.health.error_message, message);
    assert.match(message, /1000 records of topic requests partition 1 \(offsets 120 to 1119/);
    assert.notEqual(job.health.last_error, null);
    assert.deepEqual(counted, [['requests', 1000]]);
    await new Promise((resolve) => setImmediate(resolve));
    const line = lines.find((l) => l['records_lost'] !== undefined);
    assert.ok(line, 'an error log line');
    assert.equal(line['level'], 50);
    assert.deepEqual([line['job_id'], line['topic'], line['partition'], line['records_lost']], [5, 'requests', 1, 1000]);
  });

  it('a job deleted meanwhile: still counted and logged', () => {
    const { log } = capture();
    const counted: number[] = [];
    reportCatchUpLoss(undefined, { jobId: 9, topic: 't', partition: 0, from: 0, to: 3 }, log, { catchUpRecordsLost: (_t, n) => counted.push(n) });
    assert.deepEqual(counted, [3]);
  });
});
