// Logpush's output_options defaults, which depend on output_type: ndjson records are wrapped
// in braces ({ + "k":v,"k":v + }\n), csv records are bare lines.

import type { OutputOptions, OutputType } from './types.ts';

export type OutputDefaults = Omit<OutputOptions, 'field_names' | 'output_type'>;

const NDJSON_DEFAULTS: OutputDefaults = Object.freeze({
  timestamp_format: 'unixnano',
  sample_rate: 1,
  batch_prefix: '',
  batch_suffix: '',
  record_prefix: '{',
  record_suffix: '}\n',
  record_delimiter: '',
  field_delimiter: ',',
  record_template: null,
  'CVE-2021-44228': false,
});

const CSV_DEFAULTS: OutputDefaults = Object.freeze({
  ...NDJSON_DEFAULTS,
  record_prefix: '',
  record_suffix: '\n',
});

export const DEFAULT_OUTPUT_TYPE: OutputType = 'ndjson';

export function outputDefaults(outputType: OutputType): OutputDefaults {
  return outputType === 'csv' ? CSV_DEFAULTS : NDJSON_DEFAULTS;
}
