// Parking (docs/architecture.md "Parking and catch-up"): a job whose destination keeps failing, or
// that holds its whole share of memory without delivering, leaves the live path. Its resume
// positions reach the source before any of its records is acknowledged, its memory is freed,
// and the other jobs' records are committed past it. The pipeline and worker pool are real; the
// destinations and the source's parking port are fakes at their interfaces.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ParkingPort, ParkingRules } from '../../src/core/parking.ts';
import { parkingReason } from '../../src/core/parking.ts';
import { createJobRuntime, type JobRuntime } from '../../src/core/job-runtime.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { DeliveryError, type DeliveryObject, type Destination } from '../../src/destinations/destination.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import type { PartitionHandle } from '../../src/core/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import { waitUntil } from '../destinations/s3/fake-store.ts';

const pool = new WorkerPool({ threads: 1 });
after(() => pool.destroy());

const ZONE_A = 'zone-a';
const ZONE_B = 'zone-b';

/** Stores lines; fails every attempt while `failing`, or never answers while `hanging`. */
class FakeDestination implements Destination {
  readonly kind = 'memory';
  readonly lines: string[] = [];
  attempts = 0;
  failing = false;
  hanging = false;
  async deliver(object: DeliveryObject) {
    this.attempts++;
    if (this.failing) throw new DeliveryError('ERR_TEST_DOWN', 'the destination is down', true);
    if (this.hanging) await new Promise(() => {});
    const parts: Buffer[] = [];
    for await (const chunk of object.chunks) parts.push(Buffer.from(chunk));
    this.lines.push(...Buffer.concat(parts).toString().split('\n').filter(Boolean));
    return { location: 'memory' };
  }
  async close() {}
}

/** Remembers every position it is given; refuses when `full`. */
class FakePort implements ParkingPort {
  readonly kept = new Map<number, Map<string, number>>();
  readonly forgotten: number[] = [];
  full = false;
  keepPositions(jobId: number, positions: ReadonlyMap<PartitionHandle, number>): boolean {
    if (this.full) return false;
    const byPartition = this.kept.get(jobId) ?? new Map<string, number>();
    for (const [partition, offset] of positions) byPartition.set((partition as { name: string }).name, offset);
    this.kept.set(jobId, byPartition);
    return true;
  }
  forget(jobId: number): void {
    this.forgotten.push(jobId);
    this.kept.delete(jobId);
  }
}

function job(id: number, zone: string, version = 1): Job {
  const result = validateJob(
    { id, zone_id: zone, dataset: 'http_requests', destination_conf: `file:///tmp/parking-${id}`, compression: 'none', max_upload_records: 1000, output_options: { field_names: ['RayID'] } },
    { limits: { ...LOGPUSH_LIMITS, min_upload_records: 1 }, version },
  );
  assert.ok(result.ok);
  return result.value;
}

const NEVER: ParkingRules = { shareBytes: Number.MAX_SAFE_INTEGER, stalledMs: Number.MAX_SAFE_INTEGER, failingMs: Number.MAX_SAFE_INTEGER, disableAfterMs: Number.MAX_SAFE_INTEGER };

function setup(rules: ParkingRules, port = new FakePort(), disable?: (runtime: JobRuntime) => void, inFlightBytes = 1 << 24) {
  const destinations = new Map<number, FakeDestination>([[1, new FakeDestination()], [2, new FakeDestination()]]);
  const committed: number[] = [];
  const pipeline = new Pipeline({
    jobs: [job(1, ZONE_A), job(2, ZONE_B)],
    pool,
    createDestination: (j) => destinations.get(j.id) ?? new FakeDestination(),
    log: createLogger('silent'),
    inFlightBytes,
    maxRecordBytes: 1 << 20,
    chunkBytes: 0,
    partBytes: 1 << 24,
    backoff: { baseMs: 5, capMs: 20 },
    onCommittable: (_partition, offset) => committed.push(offset),
    quarantine: async () => {},
    parking: { port, rules, ...(disable ? { disable } : {}) },
  });
  const partition = pipeline.open('p/0', 'http_requests', 100);
  let next = 100;
  /** Pushes `count` records of `zone`; returns how many pushes said the budget was full (intake would pause). */
  const push = (zone: string, count: number) => {
    let refused = 0;
    for (let i = 0; i < count; i++, next++) if (!pipeline.push(partition, next, zone, Buffer.from(JSON.stringify({ RayID: `${zone}-${next}` })))) refused++;
    return refused;
  };
  const runtime = (id: number) => pipeline.runtimes.find((r) => r.job.id === id)!;
  return { pipeline, partition, push, runtime, port, committed, a: destinations.get(1)!, b: destinations.get(2)!, nextOffset: () => next };
}

describe('parking a job', () => {
  it('parks a job that keeps failing: positions first, then its records are acknowledged and the others flow', async () => {
    const s = setup({ ...NEVER, failingMs: 5_000 });
    s.a.failing = true;
    s.push(ZONE_A, 10); // offsets 100..109
    s.push(ZONE_B, 10); // offsets 110..119
    const flushed = s.pipeline.flush();
    await waitUntil(() => s.runtime(1).health.error_message !== null && s.b.lines.length === 10, 'job 1 failing and job 2 delivered');
    assert.equal(s.pipeline.positions()[0]!.committable, 100, 'nothing past job 1\'s undelivered records is committable');

    s.pipeline.checkParking(Date.now()); // starts the failing clock
    assert.equal(s.runtime(1).parked, false, 'not failing long enough yet');
    s.pipeline.checkParking(Date.now() + 5_000);
    assert.equal(s.runtime(1).parked, true);
    assert.deepEqual([...s.port.kept.get(1)!], [['p/0', 100]], 'job 1 resumes at its first undelivered record');
    assert.match(s.runtime(1).health.error_message!, /^parked: its destination has failed for 5 s/);
    await flushed; // job 1's retries stop once parked
    assert.equal(s.pipeline.positions()[0]!.committable, 120, 'the group moves past the parked job\'s records');
    assert.equal(s.committed.at(-1), 120);
    assert.equal(s.pipeline.bufferedBytes, 0, 'the parked job\'s memory is free');
    assert.equal(s.runtime(1).heldBytes, 0);

    const attempts = s.a.attempts;
    s.push(ZONE_A, 5);
    s.push(ZONE_B, 5);
    await s.pipeline.flush();
    assert.equal(s.a.attempts, attempts, 'a parked job is not routed to');
    assert.equal(s.b.lines.length, 15, 'the other job keeps delivering');
    assert.equal(s.pipeline.positions()[0]!.committable, s.nextOffset());
    assert.deepEqual(s.pipeline.parkedJobs().map((r) => r.job.id), [1]);
    await s.pipeline.shutdown();
  });

  it('an error_message that is a notice, not a failed delivery (records lost to retention), never parks a job', async () => {
    const s = setup({ ...NEVER, failingMs: 5_000 });
    s.runtime(1).health.error_message = 'records lost to retention before catch-up read them';
    s.pipeline.checkParking(Date.now());
    s.pipeline.checkParking(Date.now() + 60_000);
    assert.equal(s.runtime(1).parked, false, 'an idle, healthy job with a notice stays live');
    // A failed delivery starts the failing clock; a success stops it.
    s.a.failing = true;
    s.push(ZONE_A, 1);
    const flushed = s.pipeline.flush();
    await waitUntil(() => s.runtime(1).failingSince !== null, 'job 1\'s delivery failed');
    s.a.failing = false;
    await flushed;
    assert.equal(s.runtime(1).failingSince, null, 'a success clears the failing clock');
    s.pipeline.checkParking(Date.now() + 60_000);
    assert.equal(s.runtime(1).parked, false);
    await s.pipeline.shutdown();
  });

  it('parks a job that holds its share without delivering, and frees its open batch at once', async () => {
    const record = Buffer.byteLength(JSON.stringify({ RayID: 'zone-a-100' }));
    const s = setup({ ...NEVER, shareBytes: record * 3, stalledMs: 0 });
    s.push(ZONE_A, 3);
    assert.equal(s.runtime(1).parked, true, 'parked as it reached its share');
    assert.deepEqual([...s.port.kept.get(1)!], [['p/0', 100]]);
    assert.equal(s.pipeline.bufferedBytes, 0, 'the open batch was released without delivery');
    assert.equal(s.pipeline.positions()[0]!.committable, 103);
    assert.equal(s.runtime(2).parked, false, 'only the job at its share');
    await s.pipeline.shutdown();
  });

  it('does not park a job at its share that delivered recently', async () => {
    const record = Buffer.byteLength(JSON.stringify({ RayID: 'zone-a-100' }));
    const s = setup({ ...NEVER, shareBytes: record * 3, stalledMs: 60_000 });
    s.push(ZONE_A, 3);
    assert.equal(s.runtime(1).parked, false, 'a job that has not been stalled for stalledMs keeps its records');
    assert.ok(s.runtime(1).heldBytes >= record * 3);
    await s.pipeline.flush();
    await s.pipeline.shutdown();
  });

  it('a parked job\'s in-flight batch: its records are acknowledged at parking, not twice later', async () => {
    const s = setup({ ...NEVER, failingMs: 1 });
    s.a.hanging = true;
    s.push(ZONE_A, 4);
    s.push(ZONE_B, 4);
    void s.pipeline.flush();
    await waitUntil(() => s.a.attempts === 1 && s.b.lines.length === 4, 'job 1\'s upload hanging and job 2 delivered');
    s.runtime(1).failingSince = Date.now(); // as if earlier attempts had timed out
    s.pipeline.checkParking(Date.now() + 10);
    assert.equal(s.runtime(1).parked, true);
    assert.deepEqual([...s.port.kept.get(1)!], [['p/0', 100]], 'the in-flight batch\'s first offset');
    assert.equal(s.pipeline.positions()[0]!.committable, 108);
    assert.ok(s.pipeline.bufferedBytes > 0, 'the hanging upload still holds its batch until it returns');
    await s.pipeline.shutdown();
  });

  it('does not park when the source has no room for the positions: the job keeps its records', async () => {
    const port = new FakePort();
    port.full = true;
    const s = setup({ ...NEVER, failingMs: 1 }, port);
    s.a.failing = true;
    s.push(ZONE_A, 3);
    void s.pipeline.flush();
    await waitUntil(() => s.runtime(1).health.error_message !== null, 'job 1 failing');
    s.pipeline.checkParking(Date.now());
    s.pipeline.checkParking(Date.now() + 10);
    assert.equal(s.runtime(1).parked, false);
    assert.equal(s.pipeline.positions()[0]!.committable, 100, 'nothing acknowledged');
    s.pipeline.abortDeliveries();
    await s.pipeline.shutdown();
  });

  it('keeps a parked job\'s position on a partition opened later, carries parking to a new version, forgets a deleted job', async () => {
    const record = Buffer.byteLength(JSON.stringify({ RayID: 'zone-a-100' }));
    const s = setup({ ...NEVER, shareBytes: record, stalledMs: 0 });
    s.push(ZONE_A, 1);
    assert.equal(s.runtime(1).parked, true);
    const other = s.pipeline.open('p/1', 'http_requests', 500);
    assert.equal(s.port.kept.get(1)!.get('p/1'), 500, 'a parked job has delivered nothing of a new partition');
    s.pipeline.push(other, 500, ZONE_A, Buffer.from('{"RayID":"x"}'));
    assert.equal(s.pipeline.positions().find((p) => p.partition === 'p/1')!.committable, 501, 'routed to no job');

    s.pipeline.updateJobs([job(1, ZONE_A, 2), job(2, ZONE_B)]);
    assert.equal(s.runtime(1).job.version, 2);
    assert.equal(s.runtime(1).parked, true, 'a new version of a parked job stays parked');
    s.pipeline.updateJobs([job(2, ZONE_B)]);
    assert.deepEqual(s.port.forgotten, [1]);
    await s.pipeline.flush();
    await s.pipeline.shutdown();
  });
});

describe('disabling a job parked too long', () => {
  it('parked → disabled once after disableAfterMs; a disabled job is not caught up; enabled again, it is, from its positions', async () => {
    const record = Buffer.byteLength(JSON.stringify({ RayID: 'zone-a-100' }));
    const disabled: number[] = [];
    const s = setup({ ...NEVER, shareBytes: record, stalledMs: 0, disableAfterMs: 3_600_000 }, new FakePort(), (runtime) => disabled.push(runtime.job.id));
    s.push(ZONE_A, 1);
    const parkedAt = s.runtime(1).parkedAt!;
    assert.ok(parkedAt > 0);
    s.pipeline.checkParking(parkedAt + 3_599_999);
    assert.deepEqual(disabled, [], 'not before disableAfterMs');
    s.pipeline.checkParking(parkedAt + 3_600_000);
    s.pipeline.checkParking(parkedAt + 3_600_001);
    assert.deepEqual(disabled, [1], 'asked once');

    // The store's disabled version arrives: still parked (positions kept), no longer caught up.
    s.pipeline.updateJobs([{ ...job(1, ZONE_A, 2), enabled: false }, job(2, ZONE_B)]);
    assert.equal(s.runtime(1).parked, true);
    assert.equal(s.runtime(1).parkedAt, parkedAt, 'parked since the first parking, across versions');
    assert.deepEqual(s.pipeline.parkedJobs(), [], 'a disabled job waits');
    assert.deepEqual([...s.port.kept.get(1)!], [['p/0', 100]], 'its positions stay for when it is enabled again');
    s.pipeline.checkParking(parkedAt + 7_200_000);
    assert.deepEqual(disabled, [1], 'a disabled job is not disabled again');

    s.pipeline.updateJobs([job(1, ZONE_A, 3), job(2, ZONE_B)]);
    assert.deepEqual(s.pipeline.parkedJobs().map((r) => r.job.id), [1], 'enabled again: caught up from its positions');
    await s.pipeline.flush();
    await s.pipeline.shutdown();
  });
});

describe('parkingReason', () => {
  const rules: ParkingRules = { shareBytes: 100, stalledMs: 10_000, failingMs: 60_000, disableAfterMs: 86_400_000 };
  const fresh = () => createJobRuntime(job(1, ZONE_A), new FakeDestination());

  it('running → parked after failing for failingMs', () => {
    const runtime = fresh();
    runtime.failingSince = 1_000;
    assert.equal(parkingReason(runtime, rules, 60_999), null);
    assert.match(parkingReason(runtime, rules, 61_000) ?? '', /failed for 60 s/);
  });

  it('running → parked at its share once stalled for stalledMs, measured from the last delivery', () => {
    const runtime = fresh();
    runtime.heldBytes = 100;
    runtime.health.delivered_at_ms = 50_000;
    runtime.health.last_complete = new Date(1e12).toISOString(); // a log time: not what stalling is measured by
    assert.equal(parkingReason(runtime, rules, 59_999), null);
    assert.match(parkingReason(runtime, rules, 60_000) ?? '', /whole share of memory/);
    runtime.heldBytes = 99;
    assert.equal(parkingReason(runtime, rules, 1e12), null, 'below its share it is never parked for stalling');
  });

  it('a parked job is not parked again', () => {
    const runtime = fresh();
    runtime.failingSince = 0;
    runtime.parked = true;
    assert.equal(parkingReason(runtime, rules, 1e12), null);
  });
});
