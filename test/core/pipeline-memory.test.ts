// The memory guard in the pipeline: intake pauses while the RSS is over 90% of memory.limit_mb
// and batches are held, exactly as when the in-flight budget is full, and resumes below 80% or
// once nothing is held. The RSS reader is injected and the guard is sampled by the test (its
// timer only calls sampleMemory); the pipeline and worker pool are real.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryGuard } from '../../src/core/memory-guard.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import { createLogger } from '../../src/shared/log.ts';
import { HoldingDestination } from './holding-destination.ts';
import { waitFor } from '../sources/fake-pipeline.ts';

const pool = new WorkerPool({ threads: 1 });
after(() => pool.destroy());

function job(id: number): Job {
  const result = validateJob(
    { id, zone_id: `zone-${id}`, dataset: 'http_requests', destination_conf: `file:///tmp/memory-${id}`, compression: 'none', output_options: { field_names: ['RayID'] } },
    { limits: { ...LOGPUSH_LIMITS, min_upload_records: 1 } },
  );
  assert.ok(result.ok);
  return result.value;
}

const LIMIT = 1000;

function setup() {
  const destination = new HoldingDestination();
  destination.holding = true;
  const memory = { rss: 0 };
  const guard = new MemoryGuard(LIMIT, () => memory.rss);
  const pipeline = new Pipeline({
    jobs: [job(1), job(2)],
    pool,
    createDestination: () => destination,
    log: createLogger('silent'),
    inFlightBytes: 1 << 30, // never the reason for a pause here
    memoryGuard: guard,
    maxRecordBytes: 1 << 20,
    chunkBytes: 0,
    partBytes: 1 << 24,
    quarantine: async () => {},
  });
  const partition = pipeline.open('p/0', 'http_requests', 0);
  let next = 0;
  const push = (id: number) => pipeline.push(partition, next, `zone-${id}`, Buffer.from(JSON.stringify({ RayID: `r-${next++}` })));
  let drained = 0;
  const waitForDrain = () => pipeline.onDrain(() => drained++);
  return { pipeline, destination, memory, guard, push, pushed: () => next, waitForDrain, drained: () => drained };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Whether the pipeline's memory sampler holds node's event loop open (its timer is private). */
const samplerKeepsProcessAlive = (pipeline: Pipeline): boolean => (pipeline as unknown as { memoryTimer: NodeJS.Timeout }).memoryTimer.hasRef();

describe('the memory guard in the pipeline', () => {
  it('pauses intake above 90% of the limit while batches are held, and resumes only below 80%', async () => {
    const s = setup();
    assert.equal(s.push(1), true);
    s.memory.rss = 950;
    s.pipeline.sampleMemory();
    assert.equal(s.guard.pressed, true);
    assert.equal(samplerKeepsProcessAlive(s.pipeline), true, 'only the sampler can resume intake now: it must keep node running');
    assert.equal(s.push(2), false, 'intake refuses as when the budget is full');
    s.waitForDrain();
    await turn();
    assert.equal(s.drained(), 0);
    s.memory.rss = 850;
    s.pipeline.sampleMemory();
    await turn();
    assert.equal(s.drained(), 0, 'between 80% and 90%: still paused');
    s.memory.rss = 700;
    s.pipeline.sampleMemory();
    await turn();
    assert.equal(s.drained(), 1, 'below 80%: resumed');
    assert.equal(samplerKeepsProcessAlive(s.pipeline), false, 'an idle sampler does not keep node running');
    assert.equal(s.push(1), true);
    assert.equal(s.guard.pauses, 1);
    s.destination.release();
    await s.pipeline.flush();
    assert.equal(s.destination.lines, s.pushed(), 'nothing taken in is lost');
    await s.pipeline.shutdown();
  });

  it('seals the fullest open batch when it presses, so delivery frees memory before the batch\'s interval', async () => {
    const s = setup();
    s.push(1);
    s.push(1);
    s.push(2);
    const sealedBefore = s.pipeline.stats.batchesSealed;
    s.memory.rss = 950;
    s.pipeline.sampleMemory();
    assert.equal(s.pipeline.stats.batchesSealed, sealedBefore + 1);
    assert.equal(s.pipeline.runtimes.find((r) => r.job.id === 1)!.sealed.size, 1, 'job 1\'s two-record batch, the fullest');
    s.destination.release();
    await s.pipeline.flush();
    await s.pipeline.shutdown();
  });

  it('resumes once everything held is delivered, though the RSS stays high (memory the allocator keeps)', async () => {
    const s = setup();
    s.push(1);
    s.memory.rss = 2000;
    s.pipeline.sampleMemory();
    assert.equal(s.push(2), false);
    s.waitForDrain();
    s.destination.release();
    await s.pipeline.flush();
    assert.equal(s.pipeline.bufferedBytes, 0);
    assert.equal(s.drained(), 0, 'delivery alone does not resume: the guard still holds intake');
    s.pipeline.sampleMemory();
    await turn();
    assert.equal(s.drained(), 1, 'the next sample sees an empty pipeline and resumes');
    assert.equal(s.guard.pressed, false);
    await s.pipeline.shutdown();
  });

  it('never pauses an empty pipeline, however high the RSS', async () => {
    const s = setup();
    s.memory.rss = 10 * LIMIT;
    s.pipeline.sampleMemory();
    assert.equal(s.guard.pressed, false);
    assert.equal(s.push(1), true);
    assert.equal(s.guard.pauses, 0);
    s.destination.release();
    await s.pipeline.flush();
    await s.pipeline.shutdown();
  });

  it('samples on its own timer', async () => {
    const s = setup();
    assert.equal(s.push(1), true);
    s.memory.rss = 950;
    await waitFor(() => s.guard.pressed, 'the timer samples the RSS');
    assert.equal(s.push(1), false);
    s.destination.release();
    await s.pipeline.flush();
    s.memory.rss = 0;
    await waitFor(() => !s.guard.pressed, 'and releases');
    await s.pipeline.shutdown();
  });
});
