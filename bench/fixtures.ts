// Realistic inputs for the worker benchmarks: batches of http_requests events from the
// built-in generator (src/generator/http-requests.ts — ~60 catalog fields, 19-digit unixnano
// integers, Zipf-skewed repetition over a few hundred IPs, paths and user agents, so compression
// ratios are those of real logs), packed exactly as the batcher hands them to a worker.

import type { BatchTask } from '../workers/batch-task.ts';
import type { Compression, Job, OutputOptions } from '../src/jobs/types.ts';
import { createHttpRequestsGenerator } from '../src/generator/http-requests.ts';
import { DEFAULT_OUTPUT_TYPE, outputDefaults } from '../src/jobs/output-defaults.ts';

/** The 10 fields a typical Logpush job selects (the scan benchmark uses the same set). */
export const TEN_FIELDS = [
  'ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeEndTimestamp',
  'EdgeResponseBytes', 'EdgeResponseStatus', 'EdgeStartTimestamp', 'RayID', 'ZoneName',
];

/** `count` generated records (JSON texts), deterministic for a seed (fixed clock too). */
export function generateRecords(count: number, seed = 42): string[] {
  let now = 1_759_000_000_123_456_789n;
  const generator = createHttpRequestsGenerator({
    seed,
    clock: () => (now += 97_531n),
  });
  const records: string[] = [];
  for (let i = 0; i < count; i++) records.push(generator.next().json);
  return records;
}

export interface PackedBatch {
  data: SharedArrayBuffer;
  ends: Uint32Array;
}

/** Packs records into one shared buffer plus end offsets, as the batcher does (workers/batch-task.ts). */
export function packBatch(records: readonly string[]): PackedBatch {
  const encoded = records.map((r) => Buffer.from(r, 'utf8'));
  const total = encoded.reduce((sum, b) => sum + b.length, 0);
  const data = new Uint8Array(new SharedArrayBuffer(total));
  const ends = new Uint32Array(new SharedArrayBuffer(records.length * 4));
  let pos = 0;
  encoded.forEach((bytes, i) => {
    data.set(bytes, pos);
    pos += bytes.length;
    ends[i] = pos;
  });
  return { data: data.buffer as SharedArrayBuffer, ends };
}

/** Output options as validation resolves them for `output_type` (src/jobs/output-defaults.ts). */
export function outputOptions(overrides: Partial<OutputOptions> = {}): OutputOptions {
  const outputType = overrides.output_type ?? DEFAULT_OUTPUT_TYPE;
  return { field_names: TEN_FIELDS, output_type: outputType, ...outputDefaults(outputType), ...overrides };
}

let nextJobId = 1;

/** A validated-looking http_requests job. */
export function benchJob(compression: Compression, options: Partial<OutputOptions> = {}, filter: Job['filter'] = null): Job {
  return {
    id: nextJobId++,
    version: 1,
    name: 'bench',
    enabled: true,
    dataset: 'http_requests',
    tenant: { zone_id: '023e105f4ecef8ad9ca31a8372d0c353' },
    destination_conf: 'file:///tmp/bench',
    filter,
    output_options: outputOptions(options),
    max_upload_bytes: 32 * 1024 * 1024,
    max_upload_records: 100_000,
    max_upload_interval_seconds: 30,
    compression,
  };
}

/** A BatchTask over a packed batch (workers only read the buffers, so one batch serves many tasks). */
export function batchTask(job: Job, batch: PackedBatch, chunkBytes = 0, sampleSeed = 7): BatchTask {
  return { job, data: batch.data, ends: batch.ends, count: batch.ends.length, sampleSeed, chunkBytes };
}
