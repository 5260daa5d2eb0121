// Compiles a job's output_options into a record encoder, once per job version.
//
// Every configuration decision (output type, template, timestamp format, CVE rewrite,
// delimiters) is taken here; the returned encodeRecord only copies precomputed UTF-8 fragments
// and the raw value bytes the scanner located into a ByteWriter (encoders/byte-writer.ts).
// Options arrive fully resolved (Logpush defaults filled in by validation), so nothing here
// defaults prefixes or delimiters. A record_template replaces only the `"Name":value` list:
// record_prefix and record_suffix still wrap it (as Logpush's docs show), field_delimiter does
// not apply.
//
// Missing fields: ndjson omits the pair, csv writes an empty cell, a template writes `null` (also
// for a placeholder whose field is not in field_names, as Logpush documents).

import type { OutputOptions } from '../src/jobs/types.ts';
import type { ScannedRecord } from './scanned-record.ts';
import { utf8, type ByteWriter, type Fragment } from './encoders/byte-writer.ts';
import { createCsvRecordEncoder } from './encoders/csv.ts';
import { planFields } from './encoders/field-values.ts';
import { createNdjsonRecordEncoder } from './encoders/ndjson.ts';
import { parseRecordTemplate } from './encoders/template-parse.ts';
import { createTemplateRecordEncoder } from './encoders/template.ts';
import { JobCompileError } from './job-compile-error.ts';
import { createTimestampFormatter } from './timestamp.ts';

export interface RecordEncoder {
  /** The record fields the encoder reads (the scanner must track them). */
  readonly fields: readonly string[];
  /** UTF-8, written once before the first record of a batch with output. */
  readonly batchPrefix: Fragment;
  /** UTF-8, written once after the last record. */
  readonly batchSuffix: Fragment;
  /** UTF-8, written between consecutive records of a batch. */
  readonly recordDelimiter: Fragment;
  /** Appends the record's output (without record_delimiter) to `out`. */
  encodeRecord(record: ScannedRecord, out: ByteWriter): void;
}

/** The fields an encoder for `options` reads, in output order (field_names, or the template's placeholders among them). */
export function encoderFields(options: OutputOptions): string[] {
  return options.record_template === null
    ? [...options.field_names]
    : parseRecordTemplate(options.record_template, options.field_names).fields;
}

/**
 * @param slotOf the scanner slot of each field in encoderFields(options)
 * @param timestampFields the dataset's timestamp fields (catalog `timestamp_fields`)
 */
export function compileEncoder(
  options: OutputOptions,
  slotOf: (field: string) => number,
  timestampFields: readonly string[],
): RecordEncoder {
  const valueOptions = {
    timestampFields: new Set(timestampFields),
    timestampFormat: options.timestamp_format,
    formatTimestamp: createTimestampFormatter(options.timestamp_format),
    rewriteLog4j: options['CVE-2021-44228'],
  };

  let fields: string[];
  let encodeRecord: (record: ScannedRecord, out: ByteWriter) => void;
  const framing = batchFraming(options);
  if (options.record_template !== null) {
    const template = parseRecordTemplate(options.record_template, options.field_names);
    fields = template.fields;
    const plan = planFields(fields, slotOf, valueOptions);
    encodeRecord = createTemplateRecordEncoder(template, plan, options.record_prefix, options.record_suffix);
  } else {
    fields = [...options.field_names];
    const plan = planFields(fields, slotOf, valueOptions);
    const { record_prefix: prefix, record_suffix: suffix, field_delimiter: delimiter } = options;
    switch (options.output_type) {
      case 'ndjson':
        encodeRecord = createNdjsonRecordEncoder(fields, plan, prefix, suffix, delimiter);
        break;
      case 'csv':
        encodeRecord = createCsvRecordEncoder(plan, prefix, suffix, delimiter);
        break;
      default:
        throw new JobCompileError(`unknown output_type ${JSON.stringify(options.output_type)}`);
    }
  }

  return {
    fields,
    batchPrefix: utf8(framing.prefix),
    batchSuffix: utf8(framing.suffix),
    recordDelimiter: utf8(framing.delimiter),
    encodeRecord,
  };
}

/**
 * The text before a batch, after it, and between its records. The main thread uses this too,
 * when it frames a batch encoded in several parts.
 */
export function batchFraming(options: OutputOptions): { prefix: string; suffix: string; delimiter: string } {
  return { prefix: options.batch_prefix, suffix: options.batch_suffix, delimiter: options.record_delimiter };
}
