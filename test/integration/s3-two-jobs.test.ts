// Two jobs writing to the same bucket at the same time, under different prefixes, through the
// real service (runService) against the real S3 server: each job's batches are large enough to
// go multipart, every record of each job arrives exactly once under its own prefix and never
// under the other's, and no multipart upload is left open in the bucket.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { parseConfig } from '../../src/config/load.ts';
import type { Pipeline } from '../../src/core/pipeline.ts';
import { createHttpRequestsGenerator } from '../../src/generator/http-requests.ts';
import { runService } from '../../src/service.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { createLogger } from '../../src/shared/log.ts';
import { createBucket, ensureS3, getObjectBytes, listKeys, listMultipartUploads, s3Client, uniqueBucket } from '../helpers/s3.ts';
import { LOOPBACK_DESTINATIONS } from '../helpers/network.ts';

const MiB = 1024 * 1024;
const PART_SIZE = 5 * MiB; // S3's minimum part size
const RECORDS_PER_JOB = 15_000;
const RECORDS_PER_BATCH = 6_000; // ~1.4 KB a record with every field: ~8 MB batches, two parts

const dir = mkdtempSync(join(tmpdir(), 'sluice-s3-two-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Side {
  zone: string;
  prefix: string;
  input: string;
  rayIds: string[];
  /** Every field the generator writes: the output is about as large as the input. */
  fields: string[];
}

function writeInput(name: string, zone: string, seed: number): Side {
  const generator = createHttpRequestsGenerator({ seed, tenants: [zone] });
  const rayIds: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < RECORDS_PER_JOB; i++) {
    const { json } = generator.next();
    rayIds.push((JSON.parse(json) as { RayID: string }).RayID);
    lines.push(json);
  }
  const input = join(dir, `${name}.ndjson`);
  writeFileSync(input, `${lines.join('\n')}\n`);
  return { zone, prefix: `${name}/`, input, rayIds, fields: Object.keys(JSON.parse(lines[0]!) as object) };
}

it('two jobs write multipart objects to one bucket at once, each record exactly once under its own prefix', { timeout: 240_000 }, async (t) => {
  const s3 = await ensureS3();
  const bucket = uniqueBucket('sluice-two-jobs');
  await createBucket(bucket);
  const a = writeInput('tenant-a', '023e105f4ecef8ad9ca31a8372d0c353', 21);
  const b = writeInput('tenant-b', '9a7806061c88ada191ed06f989cc3dac', 22);
  assert.equal(new Set([...a.rayIds, ...b.rayIds]).size, 2 * RECORDS_PER_JOB, 'the two inputs share no RayID');

  const conf = (side: Side) =>
    `s3://${bucket}/${side.prefix}{DATE}?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}` +
    `&access-key-id=${s3.accessKeyId}&secret-access-key=${s3.secretAccessKey}&part-size=${PART_SIZE}&parts-in-flight=2`;
  const job = (id: number, side: Side) => ({
    id, zone_id: side.zone, dataset: 'http_requests', destination_conf: conf(side), compression: 'none',
    max_upload_records: RECORDS_PER_BATCH, max_upload_interval_seconds: 60, output_options: { field_names: side.fields },
  });
  const source = (side: Side) => ({ type: 'ndjson', path: side.input, dataset: 'http_requests', tenant: side.zone });
  const config = parseConfig({
    data_dir: join(dir, 'state'),
    limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
    pipeline: { workers: 2, in_flight_bytes: 64 * MiB, chunk_bytes: MiB }, // parts of whole 1 MiB chunks
    sources: [source(a), source(b)],
    destinations: LOOPBACK_DESTINATIONS, // versitygw on 127.0.0.1
    jobs: [job(31, a), job(32, b)],
  }, 's3 two jobs test', {});

  // Whether both jobs had a batch in flight at the same moment is reported, not asserted: both
  // sources are read side by side, but how their batches interleave is up to the scheduler.
  let pipeline: Pipeline | undefined;
  let overlapped = false;
  const sampler = setInterval(() => {
    if (pipeline && pipeline.runtimes.length === 2 && pipeline.runtimes.every((r) => r.inFlight > 0)) overlapped = true;
  }, 5);
  let outcome;
  try {
    outcome = await runService({
      config,
      sources: [a, b].map((side) => new NdjsonSource({ path: side.input, dataset: 'http_requests', tenant: side.zone })),
      log: createLogger('silent'),
      print: () => {},
      handleSignals: false,
      backoff: { baseMs: 50, capMs: 500 },
      onStarted: (p) => (pipeline = p),
    });
  } finally {
    clearInterval(sampler);
  }

  assert.equal(outcome.undelivered, 0);
  for (const runtime of outcome.runtimes) assert.equal(runtime.health.error_message, null, `job ${runtime.job.id}`);
  t.diagnostic(`the two jobs had batches in flight at the same time: ${overlapped ? 'yes' : 'not observed'}`);

  const allKeys = await listKeys(bucket);
  const head = s3Client();
  try {
    for (const side of [a, b]) {
      const other = side === a ? b : a;
      const keys = await listKeys(bucket, side.prefix);
      assert.ok(keys.every((k) => /^tenant-[ab]\/\d{8}\/\d{8}T\d{6}Z_\d{8}T\d{6}Z_[0-9a-f]{16}\.log$/.test(k)), keys.join(', '));
      const seen = new Map<string, number>();
      let multipart = 0;
      for (const key of keys) {
        const bytes = await getObjectBytes(bucket, key);
        // A multipart object's ETag ends in -<number of parts>.
        const parts = Number(/-(\d+)"?$/.exec((await head.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '')?.[1] ?? 1);
        if (bytes.length > PART_SIZE) assert.ok(parts >= 2, `${key}: ${bytes.length} bytes in ${parts} part(s)`);
        if (parts >= 2) multipart++;
        for (const line of bytes.toString('utf8').split('\n')) {
          if (line === '') continue;
          const rayId = (JSON.parse(line) as { RayID: string }).RayID;
          seen.set(rayId, (seen.get(rayId) ?? 0) + 1);
        }
      }
      assert.ok(multipart >= 1, `${side.prefix}: ${multipart} of ${keys.length} objects went multipart`);
      assert.equal(side.rayIds.filter((id) => !seen.has(id)).length, 0, `${side.prefix}: no record lost`);
      assert.equal([...seen.values()].filter((n) => n > 1).length, 0, `${side.prefix}: no record twice`);
      assert.equal(other.rayIds.filter((id) => seen.has(id)).length, 0, `${side.prefix}: none of ${other.prefix}'s records`);
      assert.equal(seen.size, RECORDS_PER_JOB);
    }
  } finally {
    head.destroy();
  }
  assert.equal(allKeys.length, (await listKeys(bucket, a.prefix)).length + (await listKeys(bucket, b.prefix)).length, 'nothing outside the two prefixes');
  assert.deepEqual(await listMultipartUploads(bucket), [], 'no multipart upload left open');
});
