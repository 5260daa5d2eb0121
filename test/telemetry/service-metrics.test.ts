// End to end in one process: a bounded generator run through runService with two jobs (filters
// and sampling) for two tenants, a third tenant with no job, and some oversized records. The
// counters scraped from /metrics must add up per dataset, exactly as docs/metrics.md states:
//   received = unrouted + dropped{oversized} + matched        (per source record)
//   routed   = delivered + filtered + sampled
//              + dropped{invalid_json, wrong_type, quarantined} (per routed copy, once drained)

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createHttpRequestsGenerator, DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runService, type ServiceOutcome } from '../../src/service.ts';
import { GeneratorSource } from '../../src/sources/generator.ts';
import { createLogger } from '../../src/shared/log.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { startOpsServer, type OpsServer } from '../../src/telemetry/ops-server.ts';
import { Readiness } from '../../src/telemetry/readiness.ts';
import { parseSamples, valueOf, type Sample } from './support.ts';

const RECORDS = 6_000;
const SEED = 11;
const [zoneA, zoneB, zoneC] = DEFAULT_TENANTS as [string, string, string];
const TENANTS = [zoneA, zoneB, zoneC];

function fixedClock(): () => bigint {
  let t = 1_764_000_000_000_000_000n;
  return () => (t += 1_013n);
}

describe('metrics of an end-to-end run', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-e2e-'));
  const out = (name: string) => `${pathToFileURL(join(dir, 'out', name)).href}/{DATE}`;
  const metrics = new SluiceMetrics();
  const readiness = new Readiness();
  let ops: OpsServer;
  let outcome: ServiceOutcome;
  let samples: Sample[];
  let maxRecordBytes = 0;
  const expected = { oversized: 0, unrouted: 0, matched: 0 };

  before(async () => {
    // The same events the source will generate: pick a size limit that drops the largest ~5%.
    const generator = createHttpRequestsGenerator({ seed: SEED, tenants: TENANTS, clock: fixedClock() });
    const events = Array.from({ length: RECORDS }, () => generator.next());
    const sizes = events.map((e) => Buffer.byteLength(e.json)).sort((a, b) => a - b);
    maxRecordBytes = sizes[Math.floor(RECORDS * 0.95)]!;
    for (const event of events) {
      if (Buffer.byteLength(event.json) > maxRecordBytes) expected.oversized++;
      else if (event.tenant === zoneC) expected.unrouted++;
      else expected.matched++;
    }
    ops = await startOpsServer({ listen: '127.0.0.1:0', metrics, readiness });
    const config = parseConfig({
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1, max_record_bytes: maxRecordBytes },
      pipeline: { workers: 2, in_flight_bytes: 4 * 1024 * 1024 },
      sources: [{ type: 'generator', rate: 0, records: RECORDS, seed: SEED, tenants: TENANTS }],
      jobs: [
        {
          id: 1, zone_id: zoneA, dataset: 'http_requests', destination_conf: out('a'), compression: 'gzip', max_upload_records: 500, max_upload_interval_seconds: 1,
          filter: { where: { key: 'EdgeResponseStatus', operator: 'lt', value: 400 } },
          output_options: { field_names: ['RayID', 'EdgeResponseStatus'], sample_rate: 0.5 },
        },
        {
          id: 2, zone_id: zoneB, dataset: 'http_requests', destination_conf: out('b'), compression: 'zstd', max_upload_records: 500, max_upload_interval_seconds: 1,
          filter: { where: { key: 'ClientRequestMethod', operator: 'eq', value: 'GET' } },
          output_options: { field_names: ['RayID', 'ClientRequestMethod'], sample_rate: 0.25 },
        },
      ],
    }, 'metrics e2e');
    const source = new GeneratorSource({ dataset: 'http_requests', rate: 0, seed: SEED, records: RECORDS, tenants: TENANTS, clock: fixedClock() });
    outcome = await runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false, telemetry: { metrics, readiness } });
    const response = await fetch(`${ops.url}/metrics`);
    assert.equal(response.status, 200);
    samples = parseSamples(await response.text());
  });

  after(async () => {
    await ops?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivered everything', () => {
    assert.equal(outcome.undelivered, 0);
  });

  it('counts every received record once: received = unrouted + oversized + matched', () => {
    const ds = { dataset: 'http_requests' };
    const received = valueOf(samples, 'sluice_source_received_records_total', ds);
    const unrouted = valueOf(samples, 'sluice_router_unrouted_records_total', ds);
    const oversized = valueOf(samples, 'sluice_pipeline_dropped_records_total', { ...ds, reason: 'oversized' });
    const matched = valueOf(samples, 'sluice_router_matched_records_total', ds);
    assert.equal(received, RECORDS);
    assert.deepEqual({ oversized, unrouted, matched }, expected);
    assert.equal(received, unrouted + oversized + matched);
    assert.ok(oversized > 0 && unrouted > 0);
  });

  it('accounts for every routed copy: routed = delivered + filtered + sampled + dropped', () => {
    const ds = { dataset: 'http_requests' };
    const routed = valueOf(samples, 'sluice_router_routed_records_total', ds);
    const delivered = valueOf(samples, 'sluice_pipeline_delivered_records_total', ds);
    const filtered = valueOf(samples, 'sluice_pipeline_filtered_records_total', ds);
    const sampled = valueOf(samples, 'sluice_pipeline_sampled_records_total', ds);
    const dropped = ['invalid_json', 'wrong_type', 'quarantined'].reduce((sum, reason) => sum + valueOf(samples, 'sluice_pipeline_dropped_records_total', { ...ds, reason }), 0);
    // Each record matches exactly one job here, so copies equal matched records.
    assert.equal(routed, expected.matched);
    assert.ok(delivered > 0 && filtered > 0 && sampled > 0, JSON.stringify({ delivered, filtered, sampled }));
    assert.equal(routed, delivered + filtered + sampled + dropped);
    // The scrape agrees with the pipeline's own totals.
    const stats = outcome.pipeline.stats;
    assert.deepEqual({ delivered, filtered, sampled }, { delivered: stats.recordsDelivered, filtered: stats.recordsFiltered, sampled: stats.recordsSampled });
  });

  it('measures batches, compression and uploads with bounded labels', () => {
    const uploads = valueOf(samples, 'sluice_destination_upload_duration_seconds_count', { destination_type: 'file', outcome: 'success' });
    const batches = valueOf(samples, 'sluice_batcher_batch_records_count', { destination_type: 'file' });
    assert.equal(uploads, outcome.pipeline.stats.batchesDelivered);
    assert.equal(batches, outcome.pipeline.stats.batchesSealed);
    assert.equal(valueOf(samples, 'sluice_batcher_batch_records_sum'), expected.matched);
    for (const compression of ['gzip', 'zstd']) {
      const before = valueOf(samples, 'sluice_encoder_uncompressed_bytes_total', { destination_type: 'file', compression });
      const afterBytes = valueOf(samples, 'sluice_encoder_compressed_bytes_total', { destination_type: 'file', compression });
      assert.ok(valueOf(samples, 'sluice_worker_batch_duration_seconds_count', { compression }) > 0, `workers reported their time for ${compression} batches`);
      assert.ok(before > 0 && afterBytes > 0 && afterBytes < before, `${compression}: ${before} -> ${afterBytes}`);
    }
    assert.equal(valueOf(samples, 'sluice_pipeline_buffered_bytes'), 0);
    assert.equal(valueOf(samples, 'sluice_pipeline_buffered_bytes_budget'), 4 * 1024 * 1024);
    assert.equal(valueOf(samples, 'sluice_jobs', { state: 'running' }), 2);
    assert.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds'), 'default Node metrics missing');
    assert.equal(valueOf(samples, 'sluice_memory_limit_bytes'), 0, 'memory.limit_mb\'s default: no limit');
    assert.ok(samples.some((s) => s.name === 'sluice_memory_pressure_pauses_total'));
  });

  it('is not ready once the service has stopped (the worker pool is gone)', async () => {
    const response = await fetch(`${ops.url}/readyz`);
    assert.equal(response.status, 503);
    const body = await response.json() as { ready: boolean; checks: Record<string, { ok: boolean; reason?: string }> };
    assert.equal(body.ready, false);
    assert.equal(body.checks.worker_pool?.ok, false);
    assert.equal(body.checks.sources?.ok, true);
    assert.equal(body.checks.job_store?.ok, true);
  });
});
