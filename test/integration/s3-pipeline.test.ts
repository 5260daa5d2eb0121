// sluice → real S3 server end to end: records from an NDJSON source are delivered through
// runService to an s3:// job. The server is killed while the pipeline is delivering: the job's
// error_message is set while it fails, the batches are retried, every record arrives exactly
// once after the server is back, error_message is cleared, and no multipart upload is left.

import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { Pipeline } from '../../src/core/pipeline.ts';
import { createHttpRequestsGenerator } from '../../src/generator/http-requests.ts';
import { runService } from '../../src/service.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { createLogger } from '../../src/shared/log.ts';
import { createBucket, ensureS3, getObjectBytes, listKeys, listMultipartUploads, startS3, stopS3, uniqueBucket } from '../helpers/s3.ts';
import { waitUntil } from './support/wait.ts';
import { LOOPBACK_DESTINATIONS } from '../helpers/network.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const RECORDS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'sluice-s3-pipeline-'));
after(async () => {
  await startS3(); // leave the shared server running for the next test file
  rmSync(dir, { recursive: true, force: true });
});

function waitFor(condition: () => boolean, what: string): Promise<void> {
  return waitUntil(condition, what, { timeoutMs: 60_000, intervalMs: 50 });
}

it('delivers every record exactly once across an S3 outage, reporting the error meanwhile', { timeout: 240_000 }, async () => {
  const s3 = await ensureS3();
  const bucket = uniqueBucket('sluice-pipeline');
  await createBucket(bucket);
  const generator = createHttpRequestsGenerator({ seed: 11, tenants: [ZONE] });
  const rayIds: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const { json } = generator.next();
    rayIds.push((JSON.parse(json) as { RayID: string }).RayID);
    lines.push(json);
  }
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const conf = `s3://${bucket}/logs/{DATE}?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}&access-key-id=${s3.accessKeyId}&secret-access-key=${s3.secretAccessKey}`;
  const config = parseConfig({
    data_dir: join(dir, 'state'),
    limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
    pipeline: { workers: 2, in_flight_bytes: 8 * 1024 * 1024 },
    sources: [{ type: 'ndjson', path: input, dataset: 'http_requests', tenant: ZONE }],
    destinations: LOOPBACK_DESTINATIONS, // versitygw on 127.0.0.1
    jobs: [{ id: 21, zone_id: ZONE, dataset: 'http_requests', destination_conf: conf, compression: 'gzip', max_upload_records: 1000, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID', 'EdgeStartTimestamp'] } }],
  }, 's3 pipeline test', {});

  let pipeline!: Pipeline;
  let sawError = false;
  const running = runService({
    config,
    sources: [new NdjsonSource({ path: input, dataset: 'http_requests', tenant: ZONE })],
    log: createLogger('silent'),
    print: () => {},
    handleSignals: false,
    backoff: { baseMs: 50, capMs: 500 },
    onStarted: (p) => (pipeline = p),
  });
  running.catch(() => {});
  await waitFor(() => pipeline !== undefined && pipeline.stats.batchesDelivered >= 2, 'the first deliveries');
  await stopS3('kill');
  await waitFor(() => {
    const health = pipeline.runtimes[0]!.health;
    if (health.error_message !== null) sawError = true;
    return sawError;
  }, 'the job to report the outage');
  assert.match(pipeline.runtimes[0]!.health.last_error ?? '', /^\d{4}-\d\d-\d\dT/);
  await startS3();
  const outcome = await running;

  assert.equal(outcome.undelivered, 0);
  const health = outcome.runtimes[0]!.health;
  assert.equal(health.error_message, null, 'a success clears error_message');
  // Every batch is delivered, so last_complete is the newest event time of all (a log time, not the push's).
  const newest = lines.map((line) => BigInt(/"EdgeStartTimestamp":(\d+)/.exec(line)![1]!)).reduce((a, b) => (b > a ? b : a));
  assert.equal(health.last_complete, new Date(Number(newest / 1_000_000n)).toISOString(), 'last_complete is the newest event time delivered');
  const keys = await listKeys(bucket, 'logs/');
  assert.ok(keys.every((k) => /^logs\/\d{8}\/\d{8}T\d{6}Z_\d{8}T\d{6}Z_[0-9a-f]{16}\.log\.gz$/.test(k)), keys.join(', '));
  const seen = new Map<string, number>();
  for (const key of keys) {
    for (const line of gunzipSync(await getObjectBytes(bucket, key)).toString('utf8').split('\n')) {
      if (line === '') continue;
      const rayId = (JSON.parse(line) as { RayID: string }).RayID;
      seen.set(rayId, (seen.get(rayId) ?? 0) + 1);
    }
  }
  assert.equal(rayIds.filter((id) => !seen.has(id)).length, 0, 'no record lost');
  assert.equal([...seen.values()].filter((n) => n > 1).length, 0, 'no record twice: a retried batch overwrites its own key');
  assert.deepEqual(await listMultipartUploads(bucket), [], 'no multipart upload left behind');
});
