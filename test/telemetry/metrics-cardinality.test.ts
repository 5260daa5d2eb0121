// Labels come from small closed sets: the number of series must not grow with the number of
// jobs. 10 jobs and 1,000 jobs (one per zone, file:// destinations) get the same records per
// zone and must expose exactly the same series; no zone id may appear in the output.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { Pipeline } from '../../src/core/pipeline.ts';
import { createDestination } from '../../src/destinations/create.ts';
import { createHttpRequestsGenerator } from '../../src/generator/http-requests.ts';
import { LOGPUSH_LIMITS, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import { createLogger } from '../../src/shared/log.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { parseSamples } from './support.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cardinality-'));
const zoneId = (i: number) => i.toString(16).padStart(32, '0');

function jobsFor(count: number, outDir: string): Job[] {
  const jobs: Job[] = [];
  for (let i = 1; i <= count; i++) {
    const result = validateJob(
      {
        id: i,
        zone_id: zoneId(i),
        dataset: 'http_requests',
        destination_conf: `${pathToFileURL(join(outDir, `job-${i}`)).href}`,
        // Every other job filters, so filtered and delivered counters both move.
        ...(i % 2 === 0 ? { filter: { where: { key: 'EdgeResponseStatus', operator: 'lt', value: 400 } } } : {}),
        output_options: { field_names: ['RayID', 'EdgeResponseStatus'] },
      },
      { limits: LOGPUSH_LIMITS, id: i },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    jobs.push(result.value);
  }
  return jobs;
}

/** Runs `jobCount` jobs, 3 records per zone plus one oversized, one unrouted and one non-JSON record; returns the scrape. */
async function scrapeWith(jobCount: number): Promise<string> {
  const metrics = new SluiceMetrics({ defaultMetrics: false });
  const pool = new WorkerPool({ threads: 2 });
  const pipeline = new Pipeline({
    jobs: jobsFor(jobCount, join(dir, `run-${jobCount}`)),
    pool,
    createDestination: (job) => createDestination(job.destination_conf, { network: LOOPBACK_ALLOWED }),
    log: createLogger('silent'),
    inFlightBytes: 256 * 1024 * 1024,
    maxRecordBytes: 4096,
    chunkBytes: 0,
    partBytes: 16 * 1024 * 1024,
    quarantine: async () => {},
    metrics,
  });
  metrics.watchPipeline(pipeline, 256 * 1024 * 1024);
  metrics.watchPool(pool);
  try {
    const partition = pipeline.open('http_requests/0', 'http_requests', 0);
    const generator = createHttpRequestsGenerator({ seed: 7 });
    const encoder = new TextEncoder();
    let offset = 0;
    for (let i = 1; i <= jobCount; i++) {
      for (let r = 0; r < 3; r++) pipeline.push(partition, offset++, zoneId(i), encoder.encode(generator.next().json));
    }
    pipeline.push(partition, offset++, zoneId(1), encoder.encode('not json at all'));
    pipeline.push(partition, offset++, zoneId(1), new Uint8Array(5000).fill(0x20));
    pipeline.push(partition, offset++, 'f'.repeat(32), encoder.encode(generator.next().json));
    await pipeline.flush();
    assert.equal(pipeline.stats.recordsDelivered + pipeline.stats.recordsFiltered + pipeline.stats.recordsDropped.invalid_json, pipeline.stats.recordsRouted);
    return await metrics.text();
  } finally {
    await pool.destroy();
    await pipeline.shutdown();
  }
}

function seriesOf(text: string): string[] {
  return parseSamples(text).map((s) => `${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).sort().join(',')}}`).sort();
}

describe('metric cardinality', { timeout: 120_000 }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exposes the same series for 10 jobs and for 1,000 jobs', async () => {
    const small = await scrapeWith(10);
    const large = await scrapeWith(1000);
    const smallSeries = seriesOf(small);
    const largeSeries = seriesOf(large);
    assert.ok(smallSeries.length > 20, `expected a real scrape, got ${smallSeries.length} series`);
    assert.deepEqual(largeSeries, smallSeries);
    // The runs really differed in size: the counters saw 100x the records.
    const received = (text: string) => parseSamples(text).find((s) => s.name === 'sluice_source_received_records_total')?.value ?? 0;
    assert.equal(received(small), 10 * 3 + 3);
    assert.equal(received(large), 1000 * 3 + 3);
    assert.equal(parseSamples(large).find((s) => s.name === 'sluice_jobs' && s.labels.state === 'running')?.value, 1000);
  });

  it('never puts a zone id, job id or partition in a label', async () => {
    const text = await scrapeWith(10);
    for (const sample of parseSamples(text)) {
      for (const [label, value] of Object.entries(sample.labels)) {
        assert.ok(!/^[0-9a-f]{32}$/.test(value), `${sample.name} has a zone-like ${label}="${value}"`);
        assert.ok(!['job_id', 'zone_id', 'account_id', 'partition', 'batch_id'].includes(label), `${sample.name} has label ${label}`);
      }
    }
    assert.ok(!text.includes('http_requests/0'), 'the partition name leaked into a label');
  });
});
