// The Logpush-compatible job, after validation and with defaults applied.
// This is the only job shape the rest of sluice sees: nothing unvalidated reaches a worker.

export type FilterOperator =
  | 'eq' | '!eq'
  | 'lt' | 'leq' | 'gt' | 'geq'
  | 'startsWith' | '!startsWith'
  | 'endsWith' | '!endsWith'
  | 'contains' | '!contains'
  | 'in' | '!in';

export type FilterValue = string | number | boolean | null | Array<string | number | boolean>;

export interface FilterLeaf {
  key: string;
  operator: FilterOperator;
  value: FilterValue;
}

export interface FilterAnd { and: FilterNode[] }
export interface FilterOr { or: FilterNode[] }
export type FilterNode = FilterLeaf | FilterAnd | FilterOr;

/** `{"where": …}` — the parsed form of the job's `filter` string. */
export interface JobFilter { where: FilterNode }

export type OutputType = 'ndjson' | 'csv';
export type TimestampFormat = 'unixnano' | 'unix' | 'rfc3339' | 'rfc3339ms' | 'rfc3339ns';
export type Compression = 'gzip' | 'zstd' | 'snappy' | 'none';

/** output_options with every field resolved (Logpush defaults filled in per output_type). */
export interface OutputOptions {
  field_names: string[];
  output_type: OutputType;
  timestamp_format: TimestampFormat;
  sample_rate: number;
  batch_prefix: string;
  batch_suffix: string;
  record_prefix: string;
  record_suffix: string;
  record_delimiter: string;
  field_delimiter: string;
  /** null when not set; otherwise the template text (`{{.Field}}` and literals only). */
  record_template: string | null;
  'CVE-2021-44228': boolean;
}

/** Who the job belongs to. Exactly one of the two is set. */
export type Tenant = { zone_id: string; account_id?: undefined } | { account_id: string; zone_id?: undefined };

export interface Job {
  id: number;
  /** Increases on every change. (Workers key compiled forms by their inputs, not by version: workers/compile-job.ts jobKey.) */
  version: number;
  name: string | null;
  enabled: boolean;
  dataset: string;
  tenant: Tenant;
  destination_conf: string;
  /** null when the job keeps every record. */
  filter: JobFilter | null;
  output_options: OutputOptions;
  /** Effective limits: 0 in the job JSON has already been replaced by the default or ceiling. */
  max_upload_bytes: number;
  max_upload_records: number;
  max_upload_interval_seconds: number;
  compression: Compression;
}

/** The operator's limits that bound what a job may ask for (config `limits`). */
export interface JobLimits {
  /** Lowest allowed max_upload_interval_seconds (Logpush: 30). Tests and demos lower it. */
  min_upload_interval_seconds: number;
  /** Lowest allowed max_upload_records (Logpush: 1000). */
  min_upload_records: number;
  /** Lowest allowed max_upload_bytes (Logpush: 5 MB). */
  min_upload_bytes: number;
  /** Uncompressed bytes a batch may reach when the job leaves max_upload_bytes at 0. */
  default_upload_bytes: number;
}

export const LOGPUSH_LIMITS: JobLimits = {
  min_upload_interval_seconds: 30,
  min_upload_records: 1_000,
  min_upload_bytes: 5_000_000,
  // 8 MiB rather than 32: one job's batches (open, encoding, idle buffers) are most of what
  // it holds, and at 1M records to S3 peak RSS fell from 411-418 to 348-392 MB at the same
  // records/s within the noise (bench/README.md "Batch size"). 8 MiB is still 1-2 objects a
  // second at a core's worth of input.
  default_upload_bytes: 8 * 1024 * 1024,
};

/** One validation problem: where in the input (JSON path) and why, in words a person understands. */
export interface Problem {
  path: string;
  message: string;
}
