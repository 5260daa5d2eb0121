import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecordTemplate } from '../../src/jobs/record-template.ts';

test('splits literals and {{.Field}} placeholders', () => {
  assert.deepEqual(parseRecordTemplate('{{.A}} - {{ .B_2 }}}\n'), {
    ok: true, parts: [{ field: 'A' }, { literal: ' - ' }, { field: 'B_2' }, { literal: '}\n' }],
  });
  assert.deepEqual(parseRecordTemplate('plain'), { ok: true, parts: [{ literal: 'plain' }] });
  assert.deepEqual(parseRecordTemplate(''), { ok: true, parts: [] });
});

test('refuses everything else inside {{ }}', () => {
  for (const bad of ['{{if .A}}x{{end}}', '{{ .A | printf "%s" }}', '{{.}}', '{{.A.B}}', '{{$x := .A}}', '{{- .A -}}', '{{ A }}', '{{/* c */}}', '{{.A}}{{']) {
    const result = parseRecordTemplate(bad);
    assert.equal(result.ok, false, bad);
  }
  const unclosed = parseRecordTemplate('ab{{.A');
  assert.ok(!unclosed.ok && unclosed.message.includes('character 2'));
});
