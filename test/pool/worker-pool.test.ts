import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { BatchTask } from '../../workers/batch-task.ts';
import { BatchCrashError, WorkerPool } from '../../src/pool/worker-pool.ts';

const filename = new URL('../fixtures/misbehaving-worker.ts', import.meta.url).href;

function task(mode: string, count = 5): BatchTask {
  const data = new SharedArrayBuffer(16);
  new Uint8Array(data)[0] = mode.charCodeAt(0);
  return { job: {} as BatchTask['job'], data, ends: new Uint32Array(new SharedArrayBuffer(4)), count, sampleSeed: 1, chunkBytes: 0 };
}

describe('WorkerPool', () => {
  const failures: number[] = [];
  const pool = new WorkerPool({ filename, threads: 1, maxAttempts: 3, onAttemptFailed: (attempt) => failures.push(attempt) });
  after(() => pool.destroy());

  it('runs a batch on a worker', async () => {
    assert.deepEqual(await pool.run(task('k', 42)), { recordsIn: 42 });
  });

  it('retries a batch whose worker died on a fresh worker', async () => {
    failures.length = 0;
    assert.deepEqual(await pool.run(task('o', 7)), { recordsIn: 7 });
    assert.deepEqual(failures, [1]);
  });

  it('gives up on a batch that kills every worker, with a typed error, and keeps working', async () => {
    failures.length = 0;
    await assert.rejects(pool.run(task('x')), (error: unknown) => {
      assert.ok(error instanceof BatchCrashError);
      assert.equal(error.code, 'ERR_BATCH_CRASHES_WORKERS');
      assert.equal(error.attempts, 3);
      return true;
    });
    assert.deepEqual(failures, [1, 2, 3]);
    assert.deepEqual(await pool.run(task('k', 3)), { recordsIn: 3 }, 'the pool must still work afterwards');
  });

  it('gives up on a batch that makes the worker throw', async () => {
    await assert.rejects(pool.run(task('t')), BatchCrashError);
  });
});
