// The Content-Type of a job's output, for destinations that label what they send (object
// metadata, HTTP headers). The content coding (gzip, zstd, …) is added by each destination.

import type { OutputOptions } from '../jobs/types.ts';

export const NDJSON = 'application/x-ndjson';
/** What DeliveryObject.contentType means when absent (destination.ts). */
export const DEFAULT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/**
 * ndjson → application/x-ndjson, csv → text/csv. A record template, or a batch prefix/suffix
 * around the records, can make any text, so those are text/plain.
 */
export function contentTypeForOutput(options: Pick<OutputOptions, 'output_type' | 'record_template' | 'batch_prefix' | 'batch_suffix'>): string {
  if (options.record_template !== null || options.batch_prefix !== '' || options.batch_suffix !== '') return DEFAULT_CONTENT_TYPE;
  return options.output_type === 'csv' ? 'text/csv; charset=utf-8' : NDJSON;
}
