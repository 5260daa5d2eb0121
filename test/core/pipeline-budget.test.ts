// The memory budget counts what batches cost, not only their records (docs/architecture.md
// invariant 3): many jobs' small batches pause intake as their real memory fills the budget,
// a job's share (parking) counts the same bytes, and the number of batches is bounded. The
// pipeline and worker pool are real; destinations are fakes that store lines or hold on.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BATCH_OVERHEAD_BYTES } from '../../src/core/open-batch.ts';
import type { ParkingPort, ParkingRules } from '../../src/core/parking.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import { createLogger } from '../../src/shared/log.ts';
import { HoldingDestination } from './holding-destination.ts';
import { waitUntil } from '../integration/support/wait.ts';

const pool = new WorkerPool({ threads: 1 });
after(() => pool.destroy());

class FakePort implements ParkingPort {
  keepPositions(): boolean {
    return true;
  }
  forget(): void {}
}

function job(id: number, maxRecords = 1000): Job {
  const result = validateJob(
    { id, zone_id: `zone-${id}`, dataset: 'http_requests', destination_conf: `file:///tmp/budget-${id}`, compression: 'none', max_upload_records: maxRecords, output_options: { field_names: ['RayID'] } },
    { limits: { ...LOGPUSH_LIMITS, min_upload_records: 1 } },
  );
  assert.ok(result.ok);
  return result.value;
}

/** The real pool behind a gate: tasks wait (as if every worker were busy) until it opens. */
class GatedPool {
  readonly threads = 1;
  waiting = 0;
  private open: () => void = () => {};
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  run(task: Parameters<WorkerPool['run']>[0]): ReturnType<WorkerPool['run']> {
    this.waiting++;
    return this.opened.then(() => pool.run(task));
  }
  release(): void {
    this.open();
  }
}

function setup(jobs: number, options: { inFlightBytes: number; maxBatches?: number; maxTasks?: number; maxRecords?: number; parking?: ParkingRules; pool?: GatedPool }) {
  const destination = new HoldingDestination();
  const pipeline = new Pipeline({
    jobs: Array.from({ length: jobs }, (_, i) => job(i + 1, options.maxRecords)),
    pool: (options.pool as unknown as WorkerPool | undefined) ?? pool,
    ...(options.maxTasks === undefined ? {} : { maxTasks: options.maxTasks }),
    createDestination: () => destination,
    log: createLogger('silent'),
    inFlightBytes: options.inFlightBytes,
    ...(options.maxBatches === undefined ? {} : { maxBatches: options.maxBatches }),
    maxRecordBytes: 1 << 20,
    chunkBytes: 0,
    partBytes: 1 << 24,
    backoff: { baseMs: 5, capMs: 20 },
    quarantine: async () => {},
    ...(options.parking ? { parking: { port: new FakePort(), rules: options.parking } } : {}),
  });
  const partition = pipeline.open('p/0', 'http_requests', 0);
  let next = 0;
  /** One record for job `id`; returns whether the pipeline still has room. */
  const push = (id: number) => pipeline.push(partition, next, `zone-${id}`, Buffer.from(JSON.stringify({ RayID: `r-${next++}` })));
  const runtime = (id: number) => pipeline.runtimes.find((r) => r.job.id === id)!;
  return { pipeline, destination, push, runtime, pushed: () => next };
}

const heldByAll = (s: ReturnType<typeof setup>) => s.pipeline.runtimes.reduce((sum, r) => sum + r.heldBytes, 0);

describe('the memory budget', () => {
  it('many jobs\' one-record batches fill it by what they cost, though their records are a small part of it', async () => {
    const budget = 20 * BATCH_OVERHEAD_BYTES;
    const s = setup(100, { inFlightBytes: budget });
    let refusedAt = 0;
    for (let id = 1; id <= 100 && refusedAt === 0; id++) if (!s.push(id)) refusedAt = id;
    assert.ok(refusedAt > 0 && refusedAt <= 20, `intake pauses by the 20th batch (refused at ${refusedAt}) with ${s.pushed() * 30} bytes of records in a budget of ${budget}`);
    assert.ok(s.pipeline.bufferedBytes >= budget);
    assert.equal(heldByAll(s), s.pipeline.bufferedBytes, 'the jobs hold what the budget counts');
    await s.pipeline.flush();
    assert.equal(s.destination.lines, s.pushed(), 'everything taken in is delivered');
    assert.equal(s.pipeline.bufferedBytes, 0, 'and its memory given back');
    assert.equal(heldByAll(s), 0);
    await s.pipeline.shutdown();
  });

  it('a job\'s share counts its batches\' cost: many small sealed batches reach it and it is parked', async () => {
    const share = 4 * BATCH_OVERHEAD_BYTES;
    const s = setup(2, { inFlightBytes: 1 << 30, maxRecords: 1, parking: { shareBytes: share, stalledMs: 0, failingMs: Number.MAX_SAFE_INTEGER, disableAfterMs: Number.MAX_SAFE_INTEGER } });
    s.destination.holding = true; // slow: its one-record batches stay in flight
    for (let i = 0; i < 10 && !s.runtime(1).parked; i++) s.push(1);
    assert.equal(s.runtime(1).parked, true, `parked after ${s.pushed()} records of ~30 bytes`);
    assert.ok(s.pushed() <= 4, 'by the fourth batch');
    s.destination.release();
    await s.pipeline.flush();
    assert.equal(s.runtime(1).heldBytes, 0, 'its in-flight batches gave back exactly what they were charged');
    assert.equal(s.pipeline.bufferedBytes, 0);
    await s.pipeline.shutdown();
  });

  it('bounds the number of batches whatever the budget, and resumes once batches are delivered', async () => {
    const s = setup(10, { inFlightBytes: 1 << 30, maxBatches: 4 });
    s.destination.holding = true;
    const room = [1, 2, 3, 4, 5].map((id) => s.push(id));
    assert.deepEqual(room, [true, true, true, false, false], 'the fourth batch reaches the limit');
    let drained = false;
    s.pipeline.onDrain(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'no room while the batches wait for their destination');
    s.destination.release();
    await s.pipeline.flush();
    assert.equal(drained, true, 'intake resumes once they are delivered');
    assert.equal(s.destination.lines, 5);
    assert.equal(s.pipeline.bufferedBytes, 0);
    await s.pipeline.shutdown();
  });

  it('an encoded batch is charged its output, not its records, while its upload waits', async () => {
    const s = setup(1, { inFlightBytes: 1 << 30, maxRecords: 50 });
    s.destination.holding = true;
    const partition = s.pipeline.open('p/1', 'http_requests', 0);
    // 50 records of ~20 KB each, of which the job keeps only RayID: the output is ~2 KB.
    const padding = 'x'.repeat(20_000);
    for (let i = 0; i < 50; i++) s.pipeline.push(partition, i, 'zone-1', Buffer.from(JSON.stringify({ RayID: `r-${i}`, ClientRequestPath: padding })));
    const raw = 50 * 20_000;
    assert.ok(s.pipeline.bufferedBytes > raw, 'sealed, the batch is charged its records');
    await waitUntil(() => s.pipeline.bufferedBytes < raw / 10, 'the batch to be encoded');
    const [batch] = [...s.runtime(1).sealed];
    assert.equal(batch!.data.length, 0, 'its record data was given back');
    assert.equal(s.runtime(1).heldBytes, s.pipeline.bufferedBytes, 'the job holds what the budget counts');
    assert.equal(s.destination.lines, 0, 'still waiting for its upload');
    s.destination.release();
    await s.pipeline.flush();
    assert.equal(s.destination.lines, 50);
    assert.equal(s.pipeline.bufferedBytes, 0, 'and the rest given back once delivered');
    assert.equal(s.runtime(1).heldBytes, 0);
    await s.pipeline.shutdown();
  });

  it('pauses intake while its worker tasks reach the limit, and resumes as they finish', async () => {
    const gated = new GatedPool();
    const s = setup(10, { inFlightBytes: 1 << 30, maxTasks: 3, maxRecords: 1, pool: gated }); // a batch per record
    const room = [1, 2, 3, 4].map((id) => s.push(id));
    assert.deepEqual(room, [true, true, false, false], 'the third task waiting for a worker reaches the limit');
    assert.equal(gated.waiting, 4, 'what was taken in is still sealed and queued, never dropped');
    let drained = false;
    s.pipeline.onDrain(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    gated.release();
    await s.pipeline.flush();
    assert.equal(drained, true, 'intake resumes once the workers have taken the tasks');
    assert.equal(s.destination.lines, 4);
    assert.equal(s.pipeline.bufferedBytes, 0);
    await s.pipeline.shutdown();
  });
});
