// A Job as the API returns it: Logpush's field names, the filter as a JSON string, health
// from the running pipeline, and destination_conf with every credential redacted
// (invariant 7: no response ever carries a secret).

import { redactDestinationConf } from '../destinations/destination-conf.ts';
import type { Job, OutputOptions } from '../jobs/types.ts';
import type { JobHealthView } from './types.ts';

export interface JobView {
  id: number;
  name: string | null;
  enabled: boolean;
  dataset: string;
  zone_id?: string;
  account_id?: string;
  destination_conf: string;
  filter: string | null;
  output_options: OutputOptions;
  logpull_options: null;
  max_upload_bytes: number;
  max_upload_records: number;
  max_upload_interval_seconds: number;
  compression: string;
  frequency: string;
  kind: string;
  last_complete: string | null;
  last_error: string | null;
  error_message: string | null;
}

const NO_HEALTH: JobHealthView = { last_complete: null, last_error: null, error_message: null };

export function jobView(job: Job, health: JobHealthView | undefined = NO_HEALTH): JobView {
  return {
    id: job.id,
    name: job.name,
    enabled: job.enabled,
    dataset: job.dataset,
    ...(job.tenant.zone_id !== undefined ? { zone_id: job.tenant.zone_id } : { account_id: job.tenant.account_id }),
    destination_conf: redactDestinationConf(job.destination_conf),
    filter: job.filter === null ? null : JSON.stringify(job.filter),
    output_options: { ...job.output_options, field_names: [...job.output_options.field_names] },
    logpull_options: null,
    max_upload_bytes: job.max_upload_bytes,
    max_upload_records: job.max_upload_records,
    max_upload_interval_seconds: job.max_upload_interval_seconds,
    compression: job.compression,
    frequency: 'high',
    kind: '',
    last_complete: health.last_complete,
    last_error: health.last_error,
    error_message: health.error_message,
  };
}
