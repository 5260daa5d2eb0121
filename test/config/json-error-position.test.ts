import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonErrorOffset, lineColumn } from '../../src/config/json-error-position.ts';

test('valid JSON has no error offset', () => {
  for (const text of ['{}', '[]', ' 1 ', '"a\\u00e9\\n"', '{"a":[1,-2.5e3,true,false,null,{"b":{}}]}', '\n{\n "a" : "b"\n}\n']) {
    assert.equal(jsonErrorOffset(text), -1, text);
  }
});

test('finds the first bad character', () => {
  const cases: Array<[string, number]> = [
    ['{"a":tru}', 5],
    ['{"a":1,}', 7],
    ['{"a":1 "b":2}', 7],
    ["{'a':1}", 1],
    ['{"a":1', 6],
    ['', 0],
    ['[1,2', 4],
    ['{"a": 01}', 7],
    ['{"a":1}}', 7],
    ['{"a":"x\ny"}', 7],
    ['{"a":"\\x"}', 7],
    ['["\\u12G4"]', 6],
    ['{"a" 1}', 5],
    ['[1,]', 3],
  ];
  for (const [text, offset] of cases) assert.equal(jsonErrorOffset(text), offset, JSON.stringify(text));
});

test('agrees with V8 wherever V8 names a position', () => {
  const texts = ['{"a":1,}', '[1,2', '{"a":1 "b":2}', "{'a':1}", '{"a":"x\ny"}', '{"a": 01}', '{"a":1}}', '[1,]', '{"a" 1}', '{"a":"\\x"}', '["\\u12G4"]'];
  for (const text of texts) {
    try {
      JSON.parse(text);
      assert.fail('should not parse');
    } catch (error) {
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      if (position !== undefined) assert.equal(jsonErrorOffset(text), Number(position), text);
    }
  }
});

test('survives deep nesting and converts offsets to line/column', () => {
  assert.equal(jsonErrorOffset('['.repeat(1_000_000)), 1_000_000);
  assert.deepEqual(lineColumn('ab\ncd\nef', 0), { line: 1, column: 1 });
  assert.deepEqual(lineColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
  assert.deepEqual(lineColumn('ab\ncd\nef', 6), { line: 3, column: 1 });
});
