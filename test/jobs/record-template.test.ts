import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecordTemplate } from '../../src/jobs/record-template.ts';

function parts(template: string) {
  const result = parseRecordTemplate(template);
  assert.ok(result.ok, `${template}: ${result.ok ? '' : result.message}`);
  return result.parts;
}

function refusal(template: string): string {
  const result = parseRecordTemplate(template);
  assert.ok(!result.ok, `${template} should be refused`);
  return result.message;
}

test('splits literals and {{.Field}} placeholders', () => {
  assert.deepEqual(parts('{{.A}} - {{ .B_2 }}}\n'), [{ field: 'A' }, { literal: ' - ' }, { field: 'B_2' }, { literal: '}\n' }]);
  assert.deepEqual(parts('plain'), [{ literal: 'plain' }]);
  assert.deepEqual(parts(''), []);
  assert.deepEqual(parts('{{\t.A\n}}'), [{ field: 'A' }], 'Go allows any space, newlines too, inside an action');
});

test('the documentation example parses into its fields and literals', () => {
  assert.deepEqual(parts('"client-ip":{{.ClientIP}},"timestamp":{{.EdgeStartTimestamp}},"ray-id":{{.RayID}}'), [
    { literal: '"client-ip":' }, { field: 'ClientIP' }, { literal: ',"timestamp":' }, { field: 'EdgeStartTimestamp' },
    { literal: ',"ray-id":' }, { field: 'RayID' },
  ]);
});

test('string constants become literal text: interpreted with Go escapes, raw as written', () => {
  assert.deepEqual(parts('a{{ "const" }}b'), [{ literal: 'a' }, { literal: 'const' }, { literal: 'b' }]);
  assert.deepEqual(parts('{{"{{"}}x{{"}}"}}'), [{ literal: '{{' }, { literal: 'x' }, { literal: '}}' }], 'braces inside a string do not end the action');
  assert.deepEqual(parts('"{{`doublecurlybraces`}}"'), [{ literal: '"' }, { literal: 'doublecurlybraces' }, { literal: '"' }], "the docs' literal-braces example");
  assert.deepEqual(parts('{{`double{{curly}}braces`}}'), [{ literal: 'double{{curly}}braces' }]);
  assert.deepEqual(parts('{{"tab\\there \\"q\\" \\\\ \\n \\x41\\101 \\u00e9 \\U0001F600"}}'), [{ literal: 'tab\there "q" \\ \n AA é 😀' }]);
  assert.deepEqual(parts('{{`a\\n\r\nb`}}'), [{ literal: 'a\\n\nb' }], 'raw: no escapes, carriage returns dropped as Go does');
});

test('comments are dropped, and may hold braces and newlines', () => {
  assert.deepEqual(parts('a{{/* a comment */}}b'), [{ literal: 'a' }, { literal: 'b' }]);
  assert.deepEqual(parts('{{/* }} {{ \n */}}{{.A}}'), [{ field: 'A' }]);
});

test('refuses everything else, naming the construct and where it starts', () => {
  const cases: Array<[string, string]> = [
    ['{{if .A}}x{{end}}', 'the "if" action'],
    ['x{{range .A}}{{end}}', 'the "range" action'],
    ['{{ .A | printf "%s" }}', 'a pipeline ("|")'],
    ['{{ printf "%s" .A }}', 'a function call ("printf")'],
    ['{{.}}', 'the dot ({{.}})'],
    ['{{.A.B}}', 'a field chain (.A.B)'],
    ['{{$x := .A}}', 'a variable'],
    ['{{- .A }}', 'a trim marker ("{{- ")'],
    ['{{ .A -}}', 'a trim marker (" -}}")'],
    ['{{ A }}', 'a function call ("A")'],
    ['{{ 30 }}', 'a number constant'],
    ['{{ -3 }}', 'a number constant'],
    ["{{ 'a' }}", 'a character constant'],
    ['{{ true }}', 'a boolean constant'],
    ['{{ nil }}', 'nil'],
    ['{{ (.A) }}', 'parentheses'],
    ['{{ .A .B }}', 'a second operand in one action'],
    ['{{ "a" "b" }}', 'a second operand in one action'],
    ['{{ }}', 'an empty action'],
    ['{{ /* c */ }}', 'the character "/"'],
    ['{{/* c */ }}', 'a comment not followed at once by "}}"'],
    ['{{/* c }}', 'an unclosed comment'],
    ['{{ "abc }}', 'an unterminated string constant'],
    ['{{ "a\nb" }}', 'an unterminated string constant'],
    ['{{ `abc }}', 'an unterminated raw string'],
    ['{{ "\\q" }}', 'an unknown escape ("\\\\q")'],
    ['{{ "\\xff" }}', 'a byte escape above \\x7f'],
    ['{{ "\\377" }}', 'a byte escape above \\x7f'],
    ['{{ "\\u12" }}', 'without 4 hex digits'],
    ['{{ "\\ud800" }}', 'an invalid Unicode code point'],
    ['{{template "x"}}', 'the "template" action'],
    ['{{.A}}{{', 'never closed'],
  ];
  for (const [template, construct] of cases) {
    const message = refusal(template);
    assert.ok(message.includes(construct), `${JSON.stringify(template)}: ${message}`);
    assert.ok(message.includes('is not supported in a record template'), message);
    assert.ok(message.includes('{{.Field}}, {{"text"}}, {{`text`}} and {{/* comment */}}'), `names what is allowed: ${message}`);
  }
  assert.ok(refusal('ab{{.A').includes('at character 2'));
  assert.ok(refusal('ab {{ .A | x }} cd').includes('"{{ .A | x }}" at character 3'), 'quotes the refused action');
});
