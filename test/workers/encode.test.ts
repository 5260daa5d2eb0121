import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutputOptions } from '../../src/jobs/types.ts';
import { utf8Bytes } from '../../workers/byte-text.ts';
import { compileEncoder, encoderFields } from '../../workers/encode.ts';
import { JobCompileError } from '../../workers/job-compile-error.ts';
import { createFieldScanner, createScannedRecord } from '../../workers/scan.ts';
import { ByteWriter } from '../../workers/encoders/byte-writer.ts';
import { LOGPUSH_RECORD, concat, options } from './helpers/batch.ts';

const TIMESTAMPS = ['EdgeEndTimestamp', 'EdgeStartTimestamp'];

/**
 * Encodes records the way the worker does: the records' UTF-8 bytes back to back in one batch,
 * each scanned in place by byte offsets, joined with batch prefix, delimiter between and batch
 * suffix. Returns the output bytes decoded as UTF-8.
 */
function encode(opts: OutputOptions, records: readonly string[]): string {
  const scanner = createFieldScanner(encoderFields(opts));
  const encoder = compileEncoder(opts, (f) => scanner.slotOf(f), TIMESTAMPS);
  const record = createScannedRecord(scanner.slotCount);
  const out = new ByteWriter(16);
  const encoded = records.map(utf8Bytes);
  const batch = new Uint8Array(concat(encoded));
  out.reset();
  out.fragment(encoder.batchPrefix);
  let start = 0;
  records.forEach((json, i) => {
    const end = start + encoded[i]!.length;
    assert.ok(scanner.scan(batch, start, end, record), `fixture is valid JSON: ${json}`);
    start = end;
    if (i > 0) out.fragment(encoder.recordDelimiter);
    encoder.encodeRecord(record, out);
  });
  out.fragment(encoder.batchSuffix);
  return Buffer.from(out.view()).toString('utf8');
}

describe('encoders: Logpush documentation examples, byte for byte', () => {
  it('ndjson', () => {
    assert.equal(
      encode(options(), [LOGPUSH_RECORD]),
      '{"ClientIP":"89.163.242.206","EdgeStartTimestamp":1506702504433000200,"RayID":"3a6050bcbe121a87"}\n',
    );
  });

  it('csv', () => {
    assert.equal(
      encode(options({ output_type: 'csv' }), [LOGPUSH_RECORD]),
      '"89.163.242.206",1506702504433000200,"3a6050bcbe121a87"\n',
    );
  });
});

describe('encoders: framing options', () => {
  const two = [LOGPUSH_RECORD, LOGPUSH_RECORD.replace('89.163.242.206', '10.0.0.1')];

  it('batch_prefix/batch_suffix wrap the batch and record_delimiter separates records (a JSON array)', () => {
    const out = encode(options({
      field_names: ['ClientIP'], batch_prefix: '[', batch_suffix: ']', record_suffix: '}', record_delimiter: ',',
    }), two);
    assert.equal(out, '[{"ClientIP":"89.163.242.206"},{"ClientIP":"10.0.0.1"}]');
    assert.deepEqual(JSON.parse(out), [{ ClientIP: '89.163.242.206' }, { ClientIP: '10.0.0.1' }]);
  });

  it('custom record_prefix, record_suffix and field_delimiter', () => {
    const out = encode(options({
      output_type: 'csv', record_prefix: '<', record_suffix: '>\n', field_delimiter: '\t',
      field_names: ['RayID', 'ClientIP'],
    }), [LOGPUSH_RECORD]);
    assert.equal(out, '<"3a6050bcbe121a87"\t"89.163.242.206">\n');
  });

  it('field order follows field_names, not the record', () => {
    const out = encode(options({ field_names: ['RayID', 'ClientIP'] }), [LOGPUSH_RECORD]);
    assert.equal(out, '{"RayID":"3a6050bcbe121a87","ClientIP":"89.163.242.206"}\n');
  });

  it('objects and arrays are copied as raw JSON', () => {
    const out = encode(options({ field_names: ['RequestHeaders', 'BotTags'] }), [LOGPUSH_RECORD]);
    assert.equal(out, '{"RequestHeaders":{"a":"b"},"BotTags":["x","y"]}\n');
  });
});

describe('encoders: missing fields', () => {
  const sparse = '{"RayID":"r1","Other":1}';

  it('ndjson omits a missing field (and the delimiter stays correct)', () => {
    const out = encode(options({ field_names: ['ClientIP', 'RayID', 'EdgeStartTimestamp'] }), [sparse]);
    assert.equal(out, '{"RayID":"r1"}\n');
    assert.deepEqual(JSON.parse(out), { RayID: 'r1' });
  });

  it('ndjson with no field present is an empty object', () => {
    assert.equal(encode(options({ field_names: ['ClientIP'] }), [sparse]), '{}\n');
  });

  it('csv writes an empty cell, keeping the column count', () => {
    assert.equal(encode(options({ output_type: 'csv', field_names: ['ClientIP', 'RayID', 'EdgeStartTimestamp'] }), [sparse]), ',"r1",\n');
  });

  it('a template writes null', () => {
    assert.equal(encode(options({ record_template: '"ip":{{.ClientIP}},"ray":{{.RayID}}' }), [sparse]), '{"ip":null,"ray":"r1"}\n');
  });
});

describe('encoders: values stay exact', () => {
  it('19-digit integers, escapes and unicode are copied untouched', () => {
    const record = '{"EdgeStartTimestamp":9223372036854775807,"ClientRequestUserAgent":"a \\"q\\" \\\\ \\u00e9 é 😀","ClientIP":"::1"}';
    const out = encode(options({
      field_names: ['EdgeStartTimestamp', 'ClientRequestUserAgent', 'ClientIP'],
    }), [record]);
    assert.equal(out, '{"EdgeStartTimestamp":9223372036854775807,"ClientRequestUserAgent":"a \\"q\\" \\\\ \\u00e9 é 😀","ClientIP":"::1"}\n');
    assert.ok(out.includes('9223372036854775807'));
  });

  it('non-ASCII fragments and values come out as the same UTF-8, also through the CVE rewrite', () => {
    const opts = options({ field_names: ['ClientCity', 'RayID'], record_prefix: '«{', record_suffix: '}»\n', 'CVE-2021-44228': true });
    const record = '{"ClientCity":"Zürich ${x} 😀","RayID":"é"}';
    assert.equal(encode(opts, [record]), '«{"ClientCity":"Zürich x{x} 😀","RayID":"é"}»\n');
  });

  it('a timestamp that cannot be read passes through with its non-ASCII bytes intact', () => {
    const record = '{"EdgeStartTimestamp":"gestern ü 😀 ${x}","RayID":"r"}';
    for (const format of ['unixnano', 'unix', 'rfc3339'] as const) {
      const opts = options({ field_names: ['EdgeStartTimestamp', 'RayID'], timestamp_format: format, 'CVE-2021-44228': true });
      assert.equal(encode(opts, [record]), '{"EdgeStartTimestamp":"gestern ü 😀 x{x}","RayID":"r"}\n', format);
    }
  });

  it('grows its buffer for large records (the writer starts at 16 bytes here)', () => {
    const big = `{"RayID":"${'r'.repeat(100_000)}","ClientIP":"${'1'.repeat(40)}"}`;
    const out = encode(options({ field_names: ['RayID', 'ClientIP'] }), [big, big]);
    const line = `{"RayID":"${'r'.repeat(100_000)}","ClientIP":"${'1'.repeat(40)}"}\n`;
    assert.equal(out, line + line);
  });

  it('a value in the last bytes of the batch is copied whole (no word read past the end)', () => {
    // The record ends right after the value (no closing brace spacing), for every value length
    // 1..9, so the tail of the copy falls in the final 3 bytes of the batch.
    for (let n = 1; n <= 9; n++) {
      const value = '7'.repeat(n);
      const out = encode(options({ field_names: ['RayID', 'OriginResponseTime'] }), [`{"RayID":"ü","OriginResponseTime":${value}}`]);
      assert.equal(out, `{"RayID":"ü","OriginResponseTime":${value}}\n`, `length ${n}`);
    }
  });
});

describe('encoders: record_template', () => {
  // Templates that are not JSON set record_prefix/record_suffix to plain lines, as a Logpush user would.
  const lines = { record_prefix: '', record_suffix: '\n' };

  it("the docs' example: wrapped in the ndjson record_prefix and record_suffix, final newline included", () => {
    const opts = options({ record_template: '"client-ip":{{.ClientIP}},"timestamp":{{.EdgeStartTimestamp}},"ray-id":{{.RayID}}' });
    assert.deepEqual(encoderFields(opts), ['ClientIP', 'EdgeStartTimestamp', 'RayID']);
    const line = '{"client-ip":"89.163.242.206","timestamp":1506702504433000200,"ray-id":"3a6050bcbe121a87"}\n';
    assert.equal(encode(opts, [LOGPUSH_RECORD, LOGPUSH_RECORD]), line + line);
  });

  it('inserts raw JSON values between literals', () => {
    const opts = options({ ...lines, record_template: 'ip={{.ClientIP}} start={{ .EdgeStartTimestamp }} ray={{.RayID}}' });
    const out = encode(opts, [LOGPUSH_RECORD, LOGPUSH_RECORD]);
    const line = 'ip="89.163.242.206" start=1506702504433000200 ray="3a6050bcbe121a87"\n';
    assert.equal(out, line + line);
  });

  it('uses record_prefix, record_suffix and record_delimiter, and ignores field_delimiter', () => {
    const opts = options({
      record_template: '{{.RayID}}', record_prefix: 'P', record_suffix: 'S', field_delimiter: 'D', record_delimiter: '|',
      batch_prefix: '<', batch_suffix: '>',
    });
    assert.equal(encode(opts, [LOGPUSH_RECORD, LOGPUSH_RECORD]), '<P"3a6050bcbe121a87"S|P"3a6050bcbe121a87"S>');
  });

  it('no newline of its own: with empty record_suffix and record_delimiter, records run together', () => {
    const opts = options({ record_template: '{{.RayID}}', record_prefix: '', record_suffix: '' });
    assert.equal(encode(opts, [LOGPUSH_RECORD, LOGPUSH_RECORD]), '"3a6050bcbe121a87""3a6050bcbe121a87"');
  });

  it('csv defaults wrap a template in nothing before and a newline after', () => {
    const opts = options({ output_type: 'csv', record_prefix: '', record_suffix: '\n', record_template: '{{.RayID}};{{.ClientIP}}' });
    assert.equal(encode(opts, [LOGPUSH_RECORD]), '"3a6050bcbe121a87";"89.163.242.206"\n');
  });

  it('a placeholder for a field not in field_names prints null, and that field is not read', () => {
    const opts = options({ ...lines, field_names: ['RayID'], record_template: '{{.ClientIP}} {{.RayID}} {{.EdgeStartTimestamp}}' });
    assert.deepEqual(encoderFields(opts), ['RayID']);
    assert.equal(encode(opts, [LOGPUSH_RECORD]), 'null "3a6050bcbe121a87" null\n');
  });

  it('string constants and raw strings print their text; comments print nothing', () => {
    const opts = options({ ...lines, record_template: '{{/* header */}}{{ "ray\\t=" }}{{.RayID}} {{`{{braces}}`}}' });
    assert.equal(encode(opts, [LOGPUSH_RECORD]), 'ray\t="3a6050bcbe121a87" {{braces}}\n');
  });

  it('the same field may appear twice; literal-only templates work', () => {
    assert.equal(encode(options({ ...lines, record_template: '{{.RayID}}-{{.RayID}}' }), [LOGPUSH_RECORD]), '"3a6050bcbe121a87"-"3a6050bcbe121a87"\n');
    assert.equal(encode(options({ ...lines, record_template: 'hello' }), [LOGPUSH_RECORD]), 'hello\n');
    assert.equal(encode(options({ record_template: '' }), [LOGPUSH_RECORD]), '{}\n');
  });

  it('timestamp formatting applies inside templates', () => {
    const opts = options({ ...lines, record_template: 't={{.EdgeStartTimestamp}}', timestamp_format: 'unix' });
    assert.equal(encode(opts, [LOGPUSH_RECORD]), 't=1506702504\n');
  });

  it('rejects template actions outside the documented subset (never executed)', () => {
    for (const bad of ['{{.A}} {{range .X}}', '{{printf "%s" .A}}', '{{.A.B}}', 'x {{ }}', '{{- .A }}']) {
      assert.throws(() => encoderFields(options({ record_template: bad })), (e: unknown) =>
        e instanceof JobCompileError && e.code === 'ERR_JOB_COMPILE', bad);
    }
  });
});

describe('encoders: CVE-2021-44228', () => {
  const evil = '{"ClientRequestUserAgent":"${jndi:ldap://x/a} and ${env:X}","ClientIP":"1.2.3.4","RayID":"$ {ok}$"}';

  it('rewrites every ${ in values to x{ when enabled', () => {
    const opts = options({ field_names: ['ClientRequestUserAgent', 'ClientIP', 'RayID'], 'CVE-2021-44228': true });
    assert.equal(encode(opts, [evil]), '{"ClientRequestUserAgent":"x{jndi:ldap://x/a} and x{env:X}","ClientIP":"1.2.3.4","RayID":"$ {ok}$"}\n');
    const csv = encode({ ...opts, output_type: 'csv', record_prefix: '', record_suffix: '\n' }, [evil]);
    assert.equal(csv, '"x{jndi:ldap://x/a} and x{env:X}","1.2.3.4","$ {ok}$"\n');
  });

  it('leaves values alone when disabled, and never rewrites literal fragments', () => {
    const opts = options({ field_names: ['ClientRequestUserAgent'] });
    assert.ok(encode(opts, [evil]).includes('${jndi'));
    const tpl = options({ field_names: ['ClientRequestUserAgent'], record_template: '${lit}{{.ClientRequestUserAgent}}', 'CVE-2021-44228': true });
    assert.equal(encode(tpl, [evil]), '{${lit}"x{jndi:ldap://x/a} and x{env:X}"}\n');
  });
});

describe('encoders: timestamp_format', () => {
  const opts = (format: OutputOptions['timestamp_format']): OutputOptions =>
    options({ field_names: ['EdgeStartTimestamp', 'RayID'], timestamp_format: format });

  it('unixnano passes the 19-digit value through', () => {
    assert.equal(encode(opts('unixnano'), [LOGPUSH_RECORD]), '{"EdgeStartTimestamp":1506702504433000200,"RayID":"3a6050bcbe121a87"}\n');
  });
  it('unix writes integer seconds', () => {
    assert.equal(encode(opts('unix'), [LOGPUSH_RECORD]), '{"EdgeStartTimestamp":1506702504,"RayID":"3a6050bcbe121a87"}\n');
  });
  it('rfc3339 writes a quoted RFC 3339 string (csv too)', () => {
    assert.equal(encode(opts('rfc3339'), [LOGPUSH_RECORD]), '{"EdgeStartTimestamp":"2017-09-29T16:28:24Z","RayID":"3a6050bcbe121a87"}\n');
    const csv = encode({ ...opts('rfc3339'), output_type: 'csv', record_prefix: '', record_suffix: '\n' }, [LOGPUSH_RECORD]);
    assert.equal(csv, '"2017-09-29T16:28:24Z","3a6050bcbe121a87"\n');
  });
  it('only the dataset timestamp fields are formatted', () => {
    const record = '{"EdgeStartTimestamp":1506702504433000200,"OriginResponseTime":1506702504433000200}';
    const out = encode(options({ field_names: ['EdgeStartTimestamp', 'OriginResponseTime'], timestamp_format: 'unix' }), [record]);
    assert.equal(out, '{"EdgeStartTimestamp":1506702504,"OriginResponseTime":1506702504433000200}\n');
  });
});

describe('encoders: unixnano formats timestamps that are not canonical integers', () => {
  // Guards any fast path that passes integer timestamps through unformatted: a string or a
  // negative integer in a timestamp field must still come out as the formatter makes it.
  const record = '{"EdgeStartTimestamp":"2017-09-29T16:28:24Z","EdgeEndTimestamp":-12,"RayID":"r"}';
  const fields = { field_names: ['EdgeStartTimestamp', 'EdgeEndTimestamp', 'RayID'], timestamp_format: 'unixnano' as const };

  it('ndjson', () => {
    assert.equal(encode(options(fields), [record]), '{"EdgeStartTimestamp":1506702504000000000,"EdgeEndTimestamp":-12,"RayID":"r"}\n');
  });
  it('csv', () => {
    const csv = encode(options({ ...fields, output_type: 'csv', record_prefix: '', record_suffix: '\n' }), [record]);
    assert.equal(csv, '1506702504000000000,-12,"r"\n');
  });
  it('template', () => {
    const tpl = options({ ...fields, record_template: '{{.EdgeStartTimestamp}} {{.EdgeEndTimestamp}}' });
    assert.equal(encode(tpl, [record]), '{1506702504000000000 -12}\n');
  });
});
