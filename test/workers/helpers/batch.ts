// Test helpers for worker tests: jobs with resolved output options and packed batches.

import type { BatchTask } from '../../../src/core/batch-task.ts';
import type { Compression, Job, JobFilter, OutputOptions } from '../../../src/jobs/types.ts';

export function options(overrides: Partial<OutputOptions> = {}): OutputOptions {
  const csv = overrides.output_type === 'csv';
  return {
    field_names: ['ClientIP', 'EdgeStartTimestamp', 'RayID'],
    output_type: 'ndjson',
    timestamp_format: 'unixnano',
    sample_rate: 1,
    batch_prefix: '',
    batch_suffix: '',
    record_prefix: csv ? '' : '{',
    record_suffix: csv ? '\n' : '}\n',
    record_delimiter: '',
    field_delimiter: ',',
    record_template: null,
    'CVE-2021-44228': false,
    ...overrides,
  };
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
  const encoded = records.map((r) => Buffer.from(r, 'utf8'));
  const total = encoded.reduce((sum, b) => sum + b.length, 0);
  const data = new Uint8Array(new SharedArrayBuffer(total));
  const ends = new Uint32Array(new SharedArrayBuffer(Math.max(4, records.length * 4)), 0, records.length);
  let pos = 0;
  encoded.forEach((b, i) => {
    data.set(b, pos);
    pos += b.length;
    ends[i] = pos;
  });
  return {
    job: j,
    data: data.buffer as SharedArrayBuffer,
    ends,
    count: records.length,
    sampleSeed: more.sampleSeed ?? 1,
    chunkBytes: more.chunkBytes ?? 0,
  };
}

/** The Logpush docs' example record, with more fields around the three the examples select. */
export const LOGPUSH_RECORD =
  '{"CacheCacheStatus":"hit","ClientIP":"89.163.242.206","ClientRequestHost":"example.com",' +
  '"EdgeEndTimestamp":1506702504461999900,"EdgeStartTimestamp":1506702504433000200,' +
  '"RayID":"3a6050bcbe121a87","RequestHeaders":{"a":"b"},"BotTags":["x","y"]}';

export function concat(chunks: readonly Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}
