// Test helpers for worker tests: jobs with resolved output options and packed batches (packed
// as bench/fixtures.ts packs the benchmarks' batches).

import { batchTask, outputOptions, packBatch } from '../../../bench/fixtures.ts';
import type { BatchTask } from '../../../workers/batch-task.ts';
import type { Compression, Job, JobFilter, OutputOptions } from '../../../src/jobs/types.ts';

export function options(overrides: Partial<OutputOptions> = {}): OutputOptions {
  return outputOptions({ field_names: ['ClientIP', 'EdgeStartTimestamp', 'RayID'], ...overrides });
}

let nextId = 1000;

export function job(
  output: Partial<OutputOptions> = {},
  more: { compression?: Compression; filter?: JobFilter | null; dataset?: string; id?: number; version?: number } = {},
): Job {
  return {
    id: more.id ?? nextId++,
    version: more.version ?? 1,
    name: 'test',
    enabled: true,
    dataset: more.dataset ?? 'http_requests',
    tenant: { zone_id: 'z1' },
    destination_conf: 'file:///tmp/x',
    filter: more.filter ?? null,
    output_options: options(output),
    max_upload_bytes: 5_000_000,
    max_upload_records: 1000,
    max_upload_interval_seconds: 30,
    compression: more.compression ?? 'none',
  };
}

export function task(j: Job, records: readonly string[], more: { chunkBytes?: number; sampleSeed?: number } = {}): BatchTask {
  return batchTask(j, packBatch(records), more.chunkBytes ?? 0, more.sampleSeed ?? 1);
}

/** The Logpush docs' example record, with more fields around the three the examples select. */
export const LOGPUSH_RECORD =
  '{"CacheCacheStatus":"hit","ClientIP":"89.163.242.206","ClientRequestHost":"example.com",' +
  '"EdgeEndTimestamp":1506702504461999900,"EdgeStartTimestamp":1506702504433000200,' +
  '"RayID":"3a6050bcbe121a87","RequestHeaders":{"a":"b"},"BotTags":["x","y"]}';

export { concat } from '../codecs/helpers.ts';
