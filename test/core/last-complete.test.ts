// last_complete seen from a running job: the newest event time (EdgeStartTimestamp) of the
// records delivered, counted only once every earlier batch is delivered too, and never the time
// of the push; stall detection keeps the delivery's wall-clock time separately (delivered_at_ms).

import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Pipeline } from '../../src/core/pipeline.ts';
import type { DeliveryObject, Destination } from '../../src/destinations/destination.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import { createLogger } from '../../src/shared/log.ts';
import { waitUntil } from '../destinations/s3/fake-store.ts';

const pool = new WorkerPool({ threads: 2 });
after(() => pool.destroy());

const ZONE = 'zone-a';
/** Event times in 2020: far from the wall clock, so a push time cannot pass for one. */
const NS = (second: number) => (BigInt(Date.parse('2020-05-01T00:00:00Z') + second * 1000) * 1_000_000n).toString();
const ISO = (second: number) => new Date(Date.parse('2020-05-01T00:00:00Z') + second * 1000).toISOString();

/** Holds every object until `release(n)` lets the n-th (0-based) one through. */
class GatedDestination implements Destination {
  readonly kind = 'memory';
  readonly arrived: number[] = [];
  readonly #gates = new Map<number, PromiseWithResolvers<void>>();
  async deliver(object: DeliveryObject) {
    const n = this.arrived.length;
    this.arrived.push(n);
    for await (const _ of object.chunks) { /* drain */ }
    await this.#gate(n).promise;
    return { location: 'memory' };
  }
  release(n: number): void {
    this.#gate(n).resolve();
  }
  #gate(n: number): PromiseWithResolvers<void> {
    let gate = this.#gates.get(n);
    if (gate === undefined) this.#gates.set(n, (gate = Promise.withResolvers<void>()));
    return gate;
  }
  async close() {}
}

function job(): Job {
  const result = validateJob(
    { id: 1, zone_id: ZONE, dataset: 'http_requests', destination_conf: 'file:///tmp/last-complete', compression: 'none', output_options: { field_names: ['RayID', 'EdgeStartTimestamp'] } },
    { limits: LOGPUSH_LIMITS },
  );
  assert.ok(result.ok);
  return result.value;
}

it('last_complete is the newest event time delivered, once every earlier batch is delivered too', async () => {
  const destination = new GatedDestination();
  const pipeline = new Pipeline({
    jobs: [job()], pool, createDestination: () => destination, log: createLogger('silent'),
    inFlightBytes: 1 << 24, maxRecordBytes: 1 << 20, chunkBytes: 0, partBytes: 1 << 24,
    backoff: { baseMs: 1, capMs: 10 }, onCommittable: () => {}, quarantine: async () => {},
  });
  const partition = pipeline.open('p/0', 'http_requests', 0);
  let offset = 0;
  const push = (seconds: number[]) => {
    for (const s of seconds) pipeline.push(partition, offset++, ZONE, Buffer.from(`{"RayID":"r${offset}","EdgeStartTimestamp":${NS(s)}}`));
  };
  const health = pipeline.runtimes[0]!.health;

  push([10, 40, 20]); // batch 0: newest event at 40 s, not last in the batch
  const first = pipeline.flush();
  await waitUntil(() => destination.arrived.length === 1, 'the first batch at the destination');
  push([50, 60]); // batch 1
  const second = pipeline.flush();
  await waitUntil(() => destination.arrived.length === 2, 'the second batch at the destination');

  destination.release(1);
  await waitUntil(() => health.delivered_at_ms !== null, 'the second batch delivered');
  assert.equal(health.last_complete, null, 'batch 1 is delivered but batch 0 is not: nothing is complete yet');

  const before = Date.now();
  destination.release(0);
  await Promise.all([first, second]);
  assert.equal(health.last_complete, ISO(60), 'both delivered: the newest event time of both');
  assert.ok(health.delivered_at_ms! >= before, 'the push time is kept apart, for stall detection');

  push([30]); // late records, older than the mark
  const third = pipeline.flush();
  await waitUntil(() => destination.arrived.length === 3, 'the third batch at the destination');
  destination.release(2);
  await third;
  assert.equal(health.last_complete, ISO(60), 'never moves back');
  await pipeline.shutdown();
});
