// The embedded default: what `npm start` runs on a fresh machine with no Kafka and no bucket.
// The built-in generator feeds a few sample jobs that show the range of the job JSON —
// filters, field selection, both output types, a record template, timestamp formats,
// sampling and every codec — each delivering to files under ./data/out.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_TENANTS } from '../generator/http-requests.ts';

export function embeddedConfig(dataDir = 'data'): Record<string, unknown> {
  const out = (name: string) => `${pathToFileURL(resolve(dataDir, 'out', name)).href}/{DATE}`;
  const [bigZone, smallZone, thirdZone] = DEFAULT_TENANTS;
  return {
    data_dir: dataDir,
    // Demo batches close every few seconds instead of Logpush's 30 s minimum.
    limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
    sources: [{ type: 'generator', dataset: 'http_requests', rate: 20_000, seed: 1 }],
    // Prometheus metrics and health probes: http://127.0.0.1:9464/metrics, /healthz, /readyz.
    telemetry: { listen: '127.0.0.1:9464' },
    jobs: [
      {
        id: 1,
        name: 'all-requests-zstd',
        zone_id: bigZone,
        dataset: 'http_requests',
        destination_conf: out('all-requests-zstd'),
        output_options: {
          field_names: ['ClientIP', 'ClientRequestHost', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeStartTimestamp', 'EdgeEndTimestamp', 'EdgeResponseBytes', 'EdgeResponseStatus', 'CacheCacheStatus', 'RayID'],
        },
        compression: 'zstd',
        max_upload_interval_seconds: 5,
      },
      {
        id: 2,
        name: 'errors-csv-gzip',
        zone_id: bigZone,
        dataset: 'http_requests',
        destination_conf: out('errors-csv-gzip'),
        filter: JSON.stringify({ where: { or: [{ key: 'EdgeResponseStatus', operator: 'geq', value: 500 }, { and: [{ key: 'ClientRequestMethod', operator: 'eq', value: 'POST' }, { key: 'EdgeResponseStatus', operator: 'geq', value: 400 }] }] } }),
        output_options: {
          output_type: 'csv',
          field_names: ['EdgeStartTimestamp', 'ClientIP', 'ClientRequestMethod', 'ClientRequestURI', 'EdgeResponseStatus', 'RayID'],
          timestamp_format: 'rfc3339',
          batch_prefix: 'EdgeStartTimestamp,ClientIP,ClientRequestMethod,ClientRequestURI,EdgeResponseStatus,RayID\n',
        },
        compression: 'gzip',
        max_upload_interval_seconds: 5,
      },
      {
        id: 3,
        name: 'sampled-template-snappy',
        zone_id: smallZone,
        dataset: 'http_requests',
        destination_conf: out('sampled-template-snappy'),
        output_options: {
          record_template: '{{.EdgeStartTimestamp}} {{.ClientIP}} {{.ClientRequestMethod}} {{.ClientRequestURI}} {{.EdgeResponseStatus}}',
          // A plain-text line: the ndjson defaults would wrap each record in { and }\n.
          record_prefix: '',
          record_suffix: '\n',
          timestamp_format: 'unix',
          sample_rate: 0.1,
        },
        compression: 'snappy',
        max_upload_interval_seconds: 5,
      },
      {
        id: 4,
        name: 'bots-uncompressed',
        zone_id: thirdZone,
        dataset: 'http_requests',
        destination_conf: out('bots-uncompressed'),
        filter: { where: { key: 'BotScore', operator: 'lt', value: 30 } },
        output_options: {
          field_names: ['EdgeStartTimestamp', 'ClientIP', 'ClientRequestUserAgent', 'BotScore', 'ClientCountry'],
          'CVE-2021-44228': true,
        },
        compression: 'none',
        max_upload_interval_seconds: 5,
      },
    ],
  };
}
