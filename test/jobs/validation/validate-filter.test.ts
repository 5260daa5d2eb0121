import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getCatalog } from '../../../src/datasets/catalog.ts';
import type { Problem } from '../../../src/jobs/types.ts';
import { validateFilter } from '../../../src/jobs/validation/validate-filter.ts';
import { assertOneProblem, goodJob } from '../helpers.ts';

const http = getCatalog('http_requests');

function leaf(i: number) {
  return { key: 'EdgeResponseStatus', operator: 'eq', value: 200 + i };
}

/** A string filter of exactly `bytes` UTF-8 bytes (padding a string value). */
function filterOfBytes(bytes: number): string {
  const shell = (pad: string) => JSON.stringify({ where: { key: 'ClientRequestURI', operator: 'startsWith', value: pad } });
  const text = shell('a'.repeat(bytes - shell('').length));
  assert.equal(Buffer.byteLength(text), bytes);
  return text;
}

function check(raw: unknown): { result: ReturnType<typeof validateFilter>; problems: Problem[] } {
  const problems: Problem[] = [];
  return { result: validateFilter(raw, http, '$.filter', problems), problems };
}

describe('filter limits', () => {
  test('exactly 30 operators are accepted, 31 are not', () => {
    // 30 leaves never fit in 1000 bytes of JSON (a leaf is ~40 bytes), so the two limits are
    // checked independently: at 30 only the size is reported, at 31 the count is too.
    const operatorProblems = (n: number) => check({ where: { and: Array.from({ length: n }, (_, i) => leaf(i)) } })
      .problems.filter((p) => p.message.includes('operators'));
    assert.deepEqual(operatorProblems(30), []);
    assert.deepEqual(operatorProblems(31), [{ path: '$.filter', message: 'has 31 operators; at most 30 are allowed' }]);
    // Counted across nesting too: 16 + 15 leaves in two groups.
    const nested = { where: { or: [{ and: Array.from({ length: 16 }, (_, i) => leaf(i)) }, { and: Array.from({ length: 15 }, (_, i) => leaf(i)) }] } };
    const problems = check(JSON.stringify(nested)).problems;
    assert.ok(problems.some((p) => p.path === '$.filter' && p.message === 'has 31 operators; at most 30 are allowed'));
    // Within the size limit the count check leaves a valid filter alone.
    assert.deepEqual(check({ where: { and: Array.from({ length: 20 }, (_, i) => ({ key: 'RayID', operator: 'eq', value: String(i) })) } }).problems, []);
  });

  test('exactly 1000 bytes are accepted, 1001 are not (string as given)', () => {
    assert.deepEqual(check(filterOfBytes(1000)).problems, []);
    assertOneProblem(goodJob({ filter: filterOfBytes(1001) }), '$.filter', 'is 1001 bytes; at most 1000');
  });

  test('an object filter is measured as JSON.stringify of it', () => {
    const ok = JSON.parse(filterOfBytes(1000)) as unknown;
    assert.deepEqual(check(ok).problems, []);
    assertOneProblem(goodJob({ filter: JSON.parse(filterOfBytes(1001)) }), '$.filter', 'is 1001 bytes');
  });

  test('size is counted in UTF-8 bytes, not characters', () => {
    const text = JSON.stringify({ where: { key: 'ClientRequestURI', operator: 'contains', value: 'é'.repeat(480) } });
    assert.ok(text.length < 1000 && Buffer.byteLength(text) > 1000);
    assertOneProblem(goodJob({ filter: text }), '$.filter', `is ${Buffer.byteLength(text)} bytes`);
  });

  test('a huge string filter is refused without parsing', () => {
    assertOneProblem(goodJob({ filter: `{"where":${'['.repeat(200_000)}` }), '$.filter', 'is 200009 bytes');
  });

  test('deep nesting is a problem, not a crash', () => {
    let node: unknown = leaf(0);
    for (let i = 0; i < 100_000; i++) node = { and: [node] };
    const problems = check({ where: node }).problems;
    assert.ok(problems.some((p) => p.message.includes('cannot be written as JSON') || p.message.includes('nested more than')));
    let shallow: unknown = leaf(0);
    for (let i = 0; i < 80; i++) shallow = { and: [shallow] };
    assert.ok(check({ where: shallow }).problems.some((p) => p.message.includes('nested more than 64 levels')));
  });
});

describe('filter structure', () => {
  test('absent, null and empty string mean no filter', () => {
    for (const raw of [undefined, null, '', ' \n']) assert.equal(check(raw).result, null);
  });

  test('not JSON, wrong types, missing where, extra keys', () => {
    assertOneProblem(goodJob({ filter: '{"where":' }), '$.filter', 'is not valid JSON');
    assertOneProblem(goodJob({ filter: 5 }), '$.filter', 'must be a JSON string or an object');
    assertOneProblem(goodJob({ filter: [] }), '$.filter', 'must be a JSON string or an object');
    assertOneProblem(goodJob({ filter: '[1]' }), '$.filter', 'must be a JSON object {"where": …}; got an array');
    assertOneProblem(goodJob({ filter: '{}' }), '$.filter.where', 'is required');
    assertOneProblem(goodJob({ filter: { where: leaf(0), limit: 3 } }), '$.filter.limit', 'unknown key "limit"');
    assertOneProblem(goodJob({ filter: { wehre: leaf(0), where: leaf(1) } }), '$.filter.wehre', 'did you mean "where"?');
  });

  test('nodes: and/or must be non-empty arrays and stand alone', () => {
    assertOneProblem(goodJob({ filter: { where: { and: [] } } }), '$.filter.where.and', 'non-empty array');
    assertOneProblem(goodJob({ filter: { where: { or: leaf(0) } } }), '$.filter.where.or', 'non-empty array');
    assertOneProblem(goodJob({ filter: { where: { and: [leaf(0)], key: 'RayID' } } }), '$.filter.where.key', 'next to "and"');
    assertOneProblem(goodJob({ filter: { where: { and: [leaf(0), 'RayID'] } } }), '$.filter.where.and[1]', 'must be an object');
    assertOneProblem(goodJob({ filter: { where: { nand: [leaf(0)] } } }), '$.filter.where', 'must be an object: {"and"');
  });

  test('leaves: key, operator and value are required; unknown keys are reported', () => {
    assertOneProblem(goodJob({ filter: { where: { operator: 'eq', value: 1 } } }), '$.filter.where.key', 'is required');
    assertOneProblem(goodJob({ filter: { where: { key: 'RayID', value: 'x' } } }), '$.filter.where.operator', 'is required, one of eq');
    assertOneProblem(goodJob({ filter: { where: { key: 'RayID', operator: 'eq' } } }), '$.filter.where.value', 'is required');
    assertOneProblem(goodJob({ filter: { where: { key: 'RayID', operator: 'eq', value: 'x', vaule: 'y' } } }), '$.filter.where.vaule', 'did you mean "value"?');
    assertOneProblem(goodJob({ filter: { where: { key: 5, operator: 'eq', value: 'x' } } }), '$.filter.where.key', 'must be a field name');
  });

  test('keys must be catalog fields; operators must exist — exact paths', () => {
    const filter = (second: object) => ({ where: { and: [leaf(0), second] } });
    assertOneProblem(goodJob({ filter: filter({ key: 'ClientIp', operator: 'eq', value: '1.1.1.1' }) }),
      '$.filter.where.and[1].key', 'unknown field "ClientIp" for dataset http_requests; did you mean "ClientIP"?');
    assertOneProblem(goodJob({ filter: filter({ key: 'ClientIP', operator: 'neq', value: '1.1.1.1' }) }),
      '$.filter.where.and[1].operator', 'got "neq"');
    assertOneProblem(goodJob({ filter: JSON.stringify(filter({ key: 'ClientIP', operator: 'startswith', value: '1.' })) }),
      '$.filter.where.and[1].operator', 'did you mean "startsWith"?');
  });

  test('value rules are applied with the field type', () => {
    assertOneProblem(goodJob({ filter: { where: { key: 'EdgeResponseStatus', operator: 'gt', value: 'five hundred' } } }),
      '$.filter.where.value', 'gt on EdgeResponseStatus needs a number (30, or "30" as Logpush\'s docs write it); got "five hundred"');
    assertOneProblem(goodJob({ filter: { where: { key: 'ClientCountry', operator: 'in', value: 'us' } } }),
      '$.filter.where.value', 'in needs a non-empty array');
  });

  test('the clean filter drops nothing and adds nothing', () => {
    const where = { and: [{ key: 'ClientRequestHost', operator: 'endsWith', value: '.example.com' }, { or: [leaf(1), { key: 'BotScore', operator: 'lt', value: 30 }] }] };
    assert.deepEqual(check(JSON.stringify({ where })).result, { where });
  });
});
