// The pipeline's retry loop (src/core/delivery.ts) seen from a job: a destination that refuses
// the credentials (S3's 403) is retried at the cap interval, not in a storm, its clear message is
// the job's error_message until a delivery succeeds, and no record is acknowledged before then;
// a destination that says when to come back (Retry-After) is not tried again sooner, nor later
// than the backoff cap.
// The destinations are fakes at the Destination interface; their errors come from the real
// S3 and HTTP error mappers. The pipeline and the worker pool are the real ones.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import type { BackoffPolicy } from '../../src/shared/backoff.ts';
import { Pipeline } from '../../src/core/pipeline.ts';
import { DeliveryError, type DeliveryObject, type Destination } from '../../src/destinations/destination.ts';
import { errorForResponse } from '../../src/destinations/http/response-errors.ts';
import { s3DeliveryError } from '../../src/destinations/s3/errors.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import { createLogger } from '../../src/shared/log.ts';
import { sdkError, waitUntil } from '../destinations/s3/fake-store.ts';

const pool = new WorkerPool({ threads: 1 });
after(() => pool.destroy());

const ZONE = 'zone-a';
const RECORDS = 50;

/** Fails with `failure()` while it returns an error, then stores what it receives. */
class ScriptedDestination implements Destination {
  readonly kind = 'memory';
  readonly lines: string[] = [];
  /** performance.now() at the start of every deliver call. */
  readonly attempts: number[] = [];
  failure: () => DeliveryError | null = () => null;
  async deliver(object: DeliveryObject) {
    this.attempts.push(performance.now());
    // Decided as the attempt starts, so an attempt counted as failed did fail.
    const error = this.failure();
    if (error) throw error;
    const parts: Buffer[] = [];
    for await (const chunk of object.chunks) parts.push(Buffer.from(chunk));
    this.lines.push(...Buffer.concat(parts).toString().split('\n').filter(Boolean));
    return { location: 'memory' };
  }
  async close() {}
}

function job(): Job {
  const result = validateJob(
    { id: 1, zone_id: ZONE, dataset: 'http_requests', destination_conf: 'file:///tmp/delivery-retry', compression: 'none', output_options: { field_names: ['RayID'] } },
    { limits: LOGPUSH_LIMITS },
  );
  assert.ok(result.ok);
  return result.value;
}

/** A pipeline with one job writing to `destination`; RECORDS records pushed (not yet sealed). */
function pipelineWith(destination: Destination, backoff: BackoffPolicy): { pipeline: Pipeline; committed: number[] } {
  const committed: number[] = [];
  const pipeline = new Pipeline({
    jobs: [job()],
    pool,
    createDestination: () => destination,
    log: createLogger('silent'),
    inFlightBytes: 1 << 24,
    maxRecordBytes: 1 << 20,
    chunkBytes: 0,
    partBytes: 1 << 24,
    backoff,
    onCommittable: (_partition, offset) => committed.push(offset),
    quarantine: async () => {},
  });
  const partition = pipeline.open('p/0', 'http_requests', 0);
  for (let i = 0; i < RECORDS; i++) pipeline.push(partition, i, ZONE, Buffer.from(JSON.stringify({ RayID: `ray-${i}` })));
  return { pipeline, committed };
}

const expectedLines = Array.from({ length: RECORDS }, (_, i) => `{"RayID":"ray-${i}"}`);

describe('delivery retries', () => {
  it('a 403 (wrong key) is retried at the cap interval with a clear error_message, and delivered once fixed', async () => {
    const backoff = { baseMs: 1, capMs: 200 };
    const denied = s3DeliveryError(sdkError('AccessDenied', 403, 'Access Denied'), {
      operation: 'PutObject', endpoint: 'http://127.0.0.1:9', bucket: 'logs', key: 'k', secrets: [],
    });
    assert.equal(denied.code, 'ERR_S3_ACCESS_DENIED');
    assert.equal(denied.retryable, false);
    const destination = new ScriptedDestination();
    destination.failure = () => denied;
    const { pipeline, committed } = pipelineWith(destination, backoff);
    const flushed = pipeline.flush();

    await waitUntil(() => destination.attempts.length > 0, 'the first attempt');
    await sleep(1000);
    // Counted together with the window, before the destination is fixed: every attempt so far failed.
    const failedAttempts = destination.attempts.length;
    const windowMs = performance.now() - destination.attempts[0]!;
    const health = pipeline.runtimes[0]!.health;
    assert.equal(health.error_message, denied.message, 'the job reports the destination\'s own message');
    assert.match(health.error_message!, /access denied .*check access-key-id\/secret-access-key/);
    assert.match(health.last_error ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(health.last_complete, null);
    assert.ok(failedAttempts >= 2, `a refused batch is kept and retried (attempts: ${failedAttempts})`);
    assert.ok(
      failedAttempts <= windowMs / backoff.capMs + 1,
      `no retry storm: ${failedAttempts} attempts in ${windowMs.toFixed(0)} ms with capMs ${backoff.capMs}`,
    );
    assert.deepEqual(committed, [], 'nothing acknowledged while the destination refuses');
    assert.equal(pipeline.positions()[0]!.committable, 0);
    assert.equal(destination.lines.length, 0);

    destination.failure = () => null;
    await flushed;
    await pipeline.shutdown();

    assert.deepEqual(destination.lines, expectedLines, 'the batch is delivered once the key is fixed');
    const healed = pipeline.runtimes[0]!.health; // the same object, read again (the type was narrowed above)
    assert.equal(healed.error_message, null, 'a success clears error_message');
    // last_complete is a log time, not the time of the push: these records carry no event time,
    // so it is the end time their object is named with (the batch's sealing, before the failures).
    assert.ok(healed.last_complete !== null && healed.last_complete <= healed.last_error!, `${healed.last_complete} ≤ ${healed.last_error}`);
    assert.ok(healed.delivered_at_ms !== null && healed.delivered_at_ms >= Date.parse(healed.last_error!), 'the delivery itself came after the failures');
    assert.equal(pipeline.positions()[0]!.committable, RECORDS, 'every record acknowledged');
    assert.equal(committed.at(-1), RECORDS);
    assert.equal(pipeline.stats.batchesDelivered, 1);
    assert.equal(pipeline.stats.deliveryRetries, failedAttempts);
  });

  it('a retryable error with retryAfterMs is not tried again before that wait', async () => {
    const retryAfterMs = 150;
    const backoff = { baseMs: 1, capMs: 5000 }; // jittered backoff alone would retry within ~1 ms
    const destination = new ScriptedDestination();
    let refusals = 3;
    destination.failure = () =>
      refusals-- > 0 ? new DeliveryError('ERR_S3_THROTTLED', 'PutObject: the store asked to slow down (SlowDown); will retry', true, { retryAfterMs }) : null;
    const { pipeline } = pipelineWith(destination, backoff);
    await pipeline.flush();
    await pipeline.shutdown();

    assert.equal(destination.attempts.length, 4);
    const gaps = destination.attempts.slice(1).map((at, i) => at - destination.attempts[i]!);
    for (const gap of gaps) assert.ok(gap >= retryAfterMs - 5, `attempts ${gaps.map((g) => g.toFixed(1)).join(', ')} ms apart; Retry-After ${retryAfterMs} ms`);
    assert.deepEqual(destination.lines, expectedLines);
    assert.equal(pipeline.runtimes[0]!.health.error_message, null);
    assert.equal(pipeline.positions()[0]!.committable, RECORDS);
  });

  it('an HTTP 429 with Retry-After: 1 waits a second before the next attempt', async () => {
    const rateLimited = errorForResponse({ kind: 'generic', redacted: 'https://logs.example.com/ingest', secrets: [], quoteBody: true }, { status: 429, retryAfter: '1', body: '' });
    assert.ok(rateLimited !== null);
    assert.equal(rateLimited.retryAfterMs, 1000);
    const destination = new ScriptedDestination();
    let refusals = 1;
    destination.failure = () => (refusals-- > 0 ? rateLimited : null);
    const { pipeline } = pipelineWith(destination, { baseMs: 1, capMs: 5000 });
    const flushed = pipeline.flush();
    await waitUntil(() => pipeline.runtimes[0]!.health.error_message !== null, 'the failure to be reported');
    assert.equal(pipeline.runtimes[0]!.health.error_message, rateLimited.message);
    await flushed;
    await pipeline.shutdown();

    assert.equal(destination.attempts.length, 2);
    const gap = destination.attempts[1]! - destination.attempts[0]!;
    assert.ok(gap >= 1000 - 5, `the retry came ${gap.toFixed(1)} ms after the 429 with Retry-After: 1`);
    assert.deepEqual(destination.lines, expectedLines);
    assert.equal(pipeline.runtimes[0]!.health.error_message, null);
  });

  it('a Retry-After longer than the backoff cap waits only the cap (a destination cannot stall a job for an hour)', async () => {
    const rateLimited = errorForResponse({ kind: 'generic', redacted: 'https://logs.example.com/ingest', secrets: [], quoteBody: true }, { status: 429, retryAfter: '3600', body: '' });
    assert.equal(rateLimited?.retryAfterMs, 3_600_000);
    const destination = new ScriptedDestination();
    let refusals = 1;
    destination.failure = () => (refusals-- > 0 ? rateLimited : null);
    const { pipeline } = pipelineWith(destination, { baseMs: 1, capMs: 50 });
    const flushed = pipeline.flush();
    try {
      // The deadline is far above the 50 ms cap and far below the hour the destination asked for.
      await waitUntil(() => destination.lines.length > 0, 'the retry after a wait capped at 50 ms', 20_000);
    } catch (error) {
      pipeline.abortDeliveries();
      await flushed;
      await pipeline.shutdown();
      throw error;
    }
    await flushed;
    await pipeline.shutdown();
    assert.equal(destination.attempts.length, 2);
    assert.deepEqual(destination.lines, expectedLines);
    assert.equal(pipeline.positions()[0]!.committable, RECORDS);
  });
});
