// Replacing the running job set: records are routed by the new set from the next push on, the
// batches filled under the old definitions are delivered as they were, nothing is lost.

import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Pipeline } from '../../src/core/pipeline.ts';
import type { DeliveryObject, Destination } from '../../src/destinations/destination.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import { createLogger } from '../../src/shared/log.ts';

const pool = new WorkerPool({ threads: 1 });
after(() => pool.destroy());

class MemoryDestination implements Destination {
  readonly kind = 'memory';
  readonly lines: string[] = [];
  closed = 0;
  async deliver(object: DeliveryObject) {
    const parts: Buffer[] = [];
    for await (const chunk of object.chunks) parts.push(Buffer.from(chunk));
    this.lines.push(...Buffer.concat(parts).toString().split('\n').filter(Boolean));
    return { location: 'memory' };
  }
  async close() {
    this.closed++;
  }
}

function job(id: number, version: number, zone: string, fields: string[]): Job {
  const result = validateJob(
    { id, zone_id: zone, dataset: 'http_requests', destination_conf: `file:///tmp/job-${id}-${version}`, compression: 'none', output_options: { field_names: fields } },
    { limits: LOGPUSH_LIMITS, version },
  );
  assert.ok(result.ok);
  return result.value;
}

it('routes by the new job set after updateJobs and delivers what the old set had batched', async () => {
  const destinations = new Map<string, MemoryDestination>();
  const pipeline = new Pipeline({
    jobs: [job(1, 1, 'zone-a', ['RayID']), job(2, 1, 'zone-b', ['RayID'])],
    pool,
    createDestination: (j) => {
      const d = new MemoryDestination();
      destinations.set(j.destination_conf, d);
      return d;
    },
    log: createLogger('silent'),
    inFlightBytes: 1 << 24,
    maxRecordBytes: 1 << 20,
    chunkBytes: 0,
    partBytes: 1 << 24,
    quarantine: async () => {},
  });
  const partition = pipeline.open('p/0', 'http_requests', 0);
  const record = (ray: string, status: number) => Buffer.from(JSON.stringify({ RayID: ray, EdgeResponseStatus: status }));
  pipeline.push(partition, 0, 'zone-a', record('a-old', 200));
  pipeline.push(partition, 1, 'zone-b', record('b-old', 200));

  // Job 1 changes its fields (version 2), job 2 is removed, job 3 is new for zone-b.
  pipeline.updateJobs([job(1, 2, 'zone-a', ['RayID', 'EdgeResponseStatus']), job(3, 1, 'zone-b', ['EdgeResponseStatus'])]);
  pipeline.push(partition, 2, 'zone-a', record('a-new', 201));
  pipeline.push(partition, 3, 'zone-b', record('b-new', 202));
  await pipeline.flush();
  await pipeline.shutdown();

  assert.deepEqual(destinations.get('file:///tmp/job-1-1')!.lines, ['{"RayID":"a-old"}'], 'the batch filled under version 1 is written as version 1');
  assert.deepEqual(destinations.get('file:///tmp/job-1-2')!.lines, ['{"RayID":"a-new","EdgeResponseStatus":201}']);
  assert.deepEqual(destinations.get('file:///tmp/job-2-1')!.lines, ['{"RayID":"b-old"}'], 'a removed job still delivers what it had');
  assert.deepEqual(destinations.get('file:///tmp/job-3-1')!.lines, ['{"EdgeResponseStatus":202}']);
  assert.equal(destinations.get('file:///tmp/job-2-1')!.closed, 1, 'the removed job\'s destination is closed once idle');
  assert.equal(pipeline.positions()[0]!.committable, 4, 'every record acknowledged');
  assert.deepEqual(pipeline.runtimes.map((r) => r.job.id).sort(), [1, 3]);
});
