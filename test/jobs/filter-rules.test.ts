import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldType } from '../../src/datasets/catalog.ts';
import { FILTER_OPERATORS, isFilterOperator, leafValueProblem, MAX_FILTER_BYTES, MAX_FILTER_OPERATORS } from '../../src/jobs/filter-rules.ts';
import type { FilterOperator } from '../../src/jobs/types.ts';

type Case = [FilterOperator, FieldType, unknown];

const ACCEPTED: Case[] = [
  ['eq', 'string', 'x'], ['!eq', 'string', ''], ['eq', 'int', 200], ['eq', 'float', 1.5], ['eq', 'bool', true],
  ['!eq', 'bool', false], ['eq', 'int or string', 1700000000], ['eq', 'int or string', '2024-01-01T00:00:00Z'],
  ['eq', 'string', null], ['eq', 'object', null], ['!eq', 'array[string]', null],
  ['lt', 'int', 5], ['leq', 'float', 0.5], ['gt', 'int or string', 1], ['geq', 'int', -1.5],
  ['startsWith', 'string', '/api'], ['!startsWith', 'string', ''], ['endsWith', 'string', '.js'], ['!endsWith', 'string', 'x'],
  ['contains', 'string', 'bot'], ['!contains', 'string', 'x'], ['contains', 'array[string]', 'tag'], ['contains', 'array[int]', 3],
  ['in', 'string', ['us', 'ca']], ['contains', 'string', '😀'], ['eq', 'string', 'Zürich'], ['!in', 'int', [200, 304]], ['in', 'bool', [true]], ['in', 'float', [1.5, 2]],
  // Numbers as strings, as Logpush's docs write them (lt/leq/gt/geq, and eq / in as seen in use).
  ['lt', 'int', '30'], ['geq', 'float', '-1.5e3'], ['gt', 'int or string', '1506702504433000200'], ['eq', 'int', '200'], ['!eq', 'float', '0.5'],
  ['in', 'int', [200, '304']], ['contains', 'array[int]', '3'],
];

const REFUSED: Array<[...Case, string]> = [
  ['eq', 'string', 5, 'needs a string'],
  ['eq', 'int', '2e2', 'needs an integer'],
  ['eq', 'int', '030', 'needs an integer'],
  ['eq', 'int', 1.5, 'needs an integer'],
  ['eq', 'bool', 'true', 'needs true or false'],
  ['eq', 'float', [1], 'needs a number'],
  ['eq', 'object', {}, 'can only compare with null'],
  ['eq', 'array[string]', 'x', 'use contains'],
  ['lt', 'string', 5, 'needs a numeric field'],
  ['gt', 'int', '5x', 'needs a number'],
  ['lt', 'int', ' 30', 'needs a number'],
  ['leq', 'bool', 1, 'needs a numeric field'],
  ['geq', 'int or string', '2024-01-01', 'needs a number'],
  ['startsWith', 'int', '1', 'needs a string field'],
  ['endsWith', 'string', 3, 'needs a string'],
  ['!startsWith', 'array[string]', 'x', 'needs a string field'],
  ['contains', 'int', 3, 'needs a string or array field'],
  ['contains', 'string', 3, 'needs a string'],
  ['contains', 'array[int]', 'three', 'needs one element, an integer'],
  ['!contains', 'array[string]', ['x'], 'needs one element, a string'],
  ['in', 'string', 'us', 'needs a non-empty array'],
  ['!in', 'string', [], 'got an empty array'],
  ['in', 'int', [200, '304.5'], 'value[1] must be an integer'],
  ['in', 'string', [['x']], 'value[0] must be a string, number or boolean'],
  ['in', 'array[string]', ['x'], 'needs a scalar field'],
  ['startsWith', 'string', '\ud83d', 'the value holds a lone surrogate'],
  ['eq', 'string', 'x\ude00', 'the value holds a lone surrogate'],
  ['in', 'string', ['ok', '\ud800'], 'value[1] holds a lone surrogate'],
];

test('values that fit the operator and the field type are accepted', () => {
  for (const [operator, type, value] of ACCEPTED) {
    assert.equal(leafValueProblem(operator, 'F', type, value), null, `${operator} ${type} ${JSON.stringify(value)}`);
  }
});

test('values that do not fit are refused with a reason', () => {
  for (const [operator, type, value, fragment] of REFUSED) {
    const problem = leafValueProblem(operator, 'F', type, value);
    assert.ok(problem?.includes(fragment), `${operator} ${type} ${JSON.stringify(value)} → ${problem}`);
  }
});

test('operators and limits are Logpush\'s', () => {
  assert.equal(FILTER_OPERATORS.length, 14);
  assert.ok(isFilterOperator('!startsWith'));
  assert.ok(!isFilterOperator('neq'));
  assert.ok(!isFilterOperator('toString'));
  assert.equal(MAX_FILTER_OPERATORS, 30);
  assert.equal(MAX_FILTER_BYTES, 1000);
});
