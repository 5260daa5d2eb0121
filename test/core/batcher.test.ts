import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionTracker } from '../../src/core/ack-tracker.ts';
import { Batcher } from '../../src/core/batcher.ts';
import { createJobRuntime, type JobRuntime } from '../../src/core/job-runtime.ts';
import type { OpenBatch } from '../../src/core/open-batch.ts';
import type { Destination } from '../../src/destinations/destination.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { goodJob } from '../jobs/helpers.ts';
import { Router } from '../../src/core/router.ts';

const nullDestination: Destination = {
  kind: 'test',
  deliver: async () => ({ location: 'nowhere' }),
  close: async () => {},
};

/** A valid job (through the real validator) with the given effective fields replaced. */
function job(overrides: Partial<Job>): Job {
  const result = validateJob(goodJob(), { limits: { ...LOGPUSH_LIMITS, min_upload_records: 1, min_upload_bytes: 1 } });
  assert.ok(result.ok);
  return { ...result.value, ...overrides };
}

function harness(j: Job) {
  let now = 1_000;
  const sealed: Array<{ batch: OpenBatch; at: number }> = [];
  const batcher = new Batcher((_r, batch, at) => sealed.push({ batch, at }), () => now);
  const runtime = createJobRuntime(j, nullDestination);
  const tracker = new PartitionTracker('p/0', 'http_requests', 0);
  let offset = 0;
  const add = (text: string) => {
    const seq = tracker.track(offset, 1);
    batcher.add(runtime, Buffer.from(text), tracker, seq, offset++);
  };
  return { batcher, runtime, tracker, sealed, add, tick: (ms: number) => (now += ms) };
}

describe('Batcher', () => {
  it('closes a batch at max_upload_records', () => {
    const h = harness(job({ max_upload_records: 3 }));
    for (let i = 0; i < 7; i++) h.add(`{"n":${i}}`);
    assert.deepEqual(h.sealed.map((s) => s.batch.count), [3, 3]);
    assert.equal(h.runtime.batch?.count, 1);
  });

  it('closes a batch once max_upload_bytes is reached', () => {
    const h = harness(job({ max_upload_bytes: 25 }));
    for (let i = 0; i < 6; i++) h.add('{"a":"0123456789"}'); // 18 bytes each
    assert.deepEqual(h.sealed.map((s) => s.batch.bytes), [36, 36, 36]);
  });

  it('closes a batch after max_upload_interval_seconds', () => {
    const h = harness(job({ max_upload_interval_seconds: 2 }));
    h.add('{}');
    h.tick(1_999);
    h.batcher.sealExpired();
    assert.equal(h.sealed.length, 0);
    h.tick(1);
    h.batcher.sealExpired();
    assert.equal(h.sealed.length, 1);
    assert.equal(h.runtime.batch, null);
  });

  it('packs records into one buffer with an end-offset table, growing past its first capacity', () => {
    const h = harness(job({ max_upload_records: 100_000, max_upload_bytes: 100_000_000 }));
    const texts: string[] = [];
    for (let i = 0; i < 3000; i++) texts.push(JSON.stringify({ i, pad: 'x'.repeat(i % 50) }));
    for (const t of texts) h.add(t);
    h.batcher.sealAll();
    const { batch } = h.sealed[0]!;
    const bytes = Buffer.from(batch.data.buffer, 0, batch.bytes);
    let start = 0;
    for (let i = 0; i < batch.count; i++) {
      const end = batch.ends[i]!;
      assert.equal(bytes.toString('utf8', start, end), texts[i]);
      start = end;
    }
    assert.ok(batch.data.buffer instanceof SharedArrayBuffer);
  });

  it('sizes a job\'s record tables from its previous batch', () => {
    const h = harness(job({ max_upload_records: 100_000 }));
    h.add('{}');
    assert.equal(h.runtime.batch!.ends.length, 16, 'a first batch starts small');
    for (let i = 0; i < 499; i++) h.add('{}');
    h.batcher.sealAll();
    h.add('{}');
    assert.equal(h.runtime.batch!.ends.length, 625, 'room for the previous batch\'s 500 records + 25%');
    assert.equal(h.runtime.batch!.recordOffsets.length, 625);
  });

  it('acknowledges every record of a batch exactly once', () => {
    const h = harness(job({ max_upload_records: 4 }));
    for (let i = 0; i < 8; i++) h.add('{}');
    assert.equal(h.tracker.committable(), 0);
    h.sealed[1]!.batch.ackAll();
    assert.equal(h.tracker.committable(), 0, 'the second batch alone must not commit past the first');
    h.sealed[0]!.batch.ackAll();
    assert.equal(h.tracker.committable(), 8);
    const span = h.sealed[0]!.batch.spans[0]!;
    assert.deepEqual([span.firstOffset, span.lastOffset], [0, 3]);
  });
});

describe('Router', () => {
  it('routes by dataset and tenant, skipping disabled jobs', () => {
    const runtimes: JobRuntime[] = [
      createJobRuntime(job({ id: 1 }), nullDestination),
      createJobRuntime(job({ id: 2 }), nullDestination),
      createJobRuntime(job({ id: 3, tenant: { zone_id: 'zone-b' } }), nullDestination),
      createJobRuntime(job({ id: 4, enabled: false }), nullDestination),
      createJobRuntime(job({ id: 5, dataset: 'firewall_events' }), nullDestination),
    ];
    const router = new Router(runtimes);
    assert.deepEqual(router.jobsFor('http_requests', 'zone-a').map((r) => r.job.id), [1, 2]);
    assert.deepEqual(router.jobsFor('http_requests', 'zone-b').map((r) => r.job.id), [3]);
    assert.deepEqual(router.jobsFor('firewall_events', 'zone-a').map((r) => r.job.id), [5]);
    assert.equal(router.jobsFor('http_requests', 'zone-z').length, 0);
    assert.equal(router.jobsFor('dns_logs', 'zone-a').length, 0);
  });
});
