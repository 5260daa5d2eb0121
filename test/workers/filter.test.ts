import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FilterNode, FilterOperator, FilterValue } from '../../src/jobs/types.ts';
import { compileFilter, filterFields, FilterVerdict } from '../../workers/filter.ts';
import { createFieldScanner, createScannedRecord } from '../../workers/scan.ts';
import { utf8Bytes } from '../../workers/byte-text.ts';

const { REJECT, KEEP, WRONG_TYPE } = FilterVerdict;

/** Compiles `where`, scans `json` (embedded in other text, as in a batch) and evaluates. */
function verdict(where: FilterNode, json: string): number {
  const scanner = createFieldScanner(filterFields(where));
  const filter = compileFilter(where, (field) => scanner.slotOf(field));
  const record = createScannedRecord(scanner.slotCount);
  const prefix = '{"before":1}\n';
  const bytes = utf8Bytes(`${prefix}${json}\n{"after":"x"}`);
  const start = utf8Bytes(prefix).length;
  assert.equal(scanner.scan(bytes, start, start + utf8Bytes(json).length, record), true, `valid JSON: ${json}`);
  return filter.test(record);
}

const leaf = (key: string, operator: FilterOperator, value: FilterValue): FilterNode => ({ key, operator, value });

/** Checks one leaf against records and, for negatable operators, that `!op` is the complement. */
function check(operator: FilterOperator, value: FilterValue, cases: Array<[string, number]>): void {
  for (const [json, expected] of cases) {
    assert.equal(verdict(leaf('f', operator, value), json), expected, `${json} ${operator} ${String(value)}`);
    if (operator === 'eq' || operator === 'startsWith' || operator === 'endsWith' || operator === 'contains' || operator === 'in') {
      const negated = `!${operator}` as FilterOperator;
      const complement = expected === WRONG_TYPE ? WRONG_TYPE : expected === KEEP ? REJECT : KEEP;
      assert.equal(verdict(leaf('f', negated, value), json), complement, `${json} ${negated} ${String(value)}`);
    }
  }
}

describe('compileFilter leaves', () => {
  it('eq / !eq on strings (case-sensitive, escapes decoded)', () => {
    check('eq', 'GET', [
      ['{"f":"GET"}', KEEP], ['{"f":"get"}', REJECT], ['{"f":"GETX"}', REJECT], ['{"f":"\\u0047ET"}', KEEP],
      ['{"f":1}', REJECT], ['{"f":null}', REJECT], ['{"g":"GET"}', REJECT], ['{"f":["GET"]}', REJECT],
    ]);
    check('eq', 'say "hi"\n', [['{"f":"say \\"hi\\"\\n"}', KEEP], ['{"f":"say \\"hi\\""}', REJECT]]);
    check('eq', '', [['{"f":""}', KEEP], ['{"f":" "}', REJECT]]);
  });

  it('eq / !eq on numbers, including 19-digit integers', () => {
    check('eq', 404, [['{"f":404}', KEEP], ['{"f":404.0}', KEEP], ['{"f":4.04e2}', KEEP], ['{"f":405}', REJECT], ['{"f":"404"}', REJECT], ['{}', REJECT]]);
    check('eq', 1506702504433000200, [['{"f":1506702504433000200}', KEEP], ['{"f":1506702504433000201}', REJECT]]);
    check('eq', -1.5, [['{"f":-1.5}', KEEP], ['{"f":-15e-1}', KEEP], ['{"f":1.5}', REJECT]]);
  });

  it('a number given as a string, as Logpush\'s docs write it: eq, in, contains and lt compare it as that number', () => {
    check('eq', '404', [['{"f":404}', KEEP], ['{"f":4.04e2}', KEEP], ['{"f":"404"}', KEEP], ['{"f":405}', REJECT], ['{"f":"0404"}', REJECT], ['{}', REJECT]]);
    check('eq', '1506702504433000200', [['{"f":1506702504433000200}', KEEP], ['{"f":1506702504433000201}', REJECT]]);
    check('in', ['200', '304'], [['{"f":304}', KEEP], ['{"f":"304"}', KEEP], ['{"f":500}', REJECT], ['{"f":[1,200]}', KEEP]]);
    check('contains', '3', [['{"f":[1,3]}', KEEP], ['{"f":[1,2]}', REJECT]]);
    // The documentation's own example: {"key":"BotScore","operator":"lt","value":"30"}.
    assert.equal(verdict(leaf('f', 'lt', '30'), '{"f":29}'), KEEP);
    assert.equal(verdict(leaf('f', 'lt', '30'), '{"f":30}'), REJECT);
    assert.equal(verdict(leaf('f', 'geq', '30'), '{"f":30.0}'), KEEP);
    // A string that is not a JSON number stays a string.
    check('eq', 'x404', [['{"f":"x404"}', KEEP], ['{"f":404}', REJECT]]);
  });

  it('eq / !eq on bools and null; missing behaves as null', () => {
    check('eq', true, [['{"f":true}', KEEP], ['{"f":false}', REJECT], ['{"f":"true"}', REJECT], ['{"f":1}', REJECT], ['{}', REJECT]]);
    check('eq', false, [['{"f":false}', KEEP], ['{"f":true}', REJECT], ['{"f":null}', REJECT]]);
    check('eq', null, [['{"f":null}', KEEP], ['{}', KEEP], ['{"f":0}', REJECT], ['{"f":""}', REJECT], ['{"f":false}', REJECT]]);
  });

  it('lt leq gt geq on numbers', () => {
    const cases = (op: FilterOperator, expect: [number, number, number]): void => {
      check(op, 500, [['{"f":499}', expect[0]], ['{"f":500}', expect[1]], ['{"f":501}', expect[2]]]);
    };
    cases('lt', [KEEP, REJECT, REJECT]);
    cases('leq', [KEEP, KEEP, REJECT]);
    cases('gt', [REJECT, REJECT, KEEP]);
    cases('geq', [REJECT, KEEP, KEEP]);
    check('lt', 0.5, [['{"f":0.25}', KEEP], ['{"f":1}', REJECT], ['{"f":-3}', KEEP], ['{"f":5e-1}', REJECT]]);
    check('geq', -10, [['{"f":-10}', KEEP], ['{"f":-11}', REJECT], ['{"f":0}', KEEP]]);
  });

  it('numeric comparisons on 19-digit integers are exact', () => {
    // As doubles, 1506702504433000201 and 1506702504433000200 are the same number.
    assert.equal(Number('1506702504433000201') > 1506702504433000200, false);
    check('gt', 1506702504433000200, [
      ['{"f":1506702504433000201}', KEEP], ['{"f":1506702504433000200}', REJECT], ['{"f":1506702504433000199}', REJECT],
    ]);
    check('leq', 1506702504433000200, [['{"f":1506702504433000201}', REJECT], ['{"f":1506702504433000200}', KEEP]]);
    check('lt', 1506702504433000200, [['{"f":1506702504433000195}', KEEP], ['{"f":15067025044330002}', KEEP]]);
  });

  it('numeric comparisons: missing or null rejects, other types are WRONG_TYPE', () => {
    check('gt', 1, [
      ['{}', REJECT], ['{"f":null}', REJECT], ['{"f":"5"}', WRONG_TYPE], ['{"f":"1506702504433000201"}', WRONG_TYPE],
      ['{"f":true}', WRONG_TYPE], ['{"f":[5]}', WRONG_TYPE], ['{"f":{"a":5}}', WRONG_TYPE],
    ]);
  });

  it('startsWith / endsWith / contains on strings', () => {
    check('startsWith', '/api', [
      ['{"f":"/api/v1"}', KEEP], ['{"f":"/api"}', KEEP], ['{"f":"/ap"}', REJECT], ['{"f":"/API/v1"}', REJECT],
      ['{"f":"\\/api\\/v1"}', KEEP], ['{"f":"x/api"}', REJECT],
    ]);
    check('endsWith', '.png', [['{"f":"a.png"}', KEEP], ['{"f":".png"}', KEEP], ['{"f":"a.PNG"}', REJECT], ['{"f":"png"}', REJECT], ['{"f":"a.pn\\u0067"}', KEEP]]);
    check('contains', 'bot', [['{"f":"Googlebot/2.1"}', KEEP], ['{"f":"bot"}', KEEP], ['{"f":"Bot"}', REJECT], ['{"f":"b\\u006ft"}', KEEP], ['{"f":""}', REJECT]]);
  });

  it('string operators: missing or null → x rejects and !x keeps; other types are WRONG_TYPE', () => {
    for (const op of ['startsWith', 'endsWith', 'contains'] as const) {
      check(op, 'a', [['{}', REJECT], ['{"f":null}', REJECT], ['{"f":1}', WRONG_TYPE], ['{"f":true}', WRONG_TYPE], ['{"f":{"a":"a"}}', WRONG_TYPE]]);
    }
    check('startsWith', 'a', [['{"f":["a"]}', WRONG_TYPE]]);
    check('endsWith', 'a', [['{"f":["a"]}', WRONG_TYPE]]);
  });

  it('contains on arrays: an element equal to the value', () => {
    check('contains', 'api', [
      ['{"f":["web","api"]}', KEEP], ['{"f":["apis"]}', REJECT], ['{"f":[]}', REJECT], ['{"f":["a\\u0070i"]}', KEEP],
      ['{"f":[["api"]]}', REJECT], ['{"f":[1,"api"]}', KEEP],
    ]);
    check('contains', 7, [['{"f":[1,7]}', KEEP], ['{"f":[1,"7"]}', REJECT], ['{"f":[1506702504433000201,7.0]}', KEEP]]);
    check('contains', 1506702504433000201n as unknown as FilterValue, [['{"f":[1506702504433000201]}', KEEP], ['{"f":[1506702504433000200]}', REJECT]]);
  });

  it('in / !in on strings, numbers, bools and arrays', () => {
    check('in', ['GET', 'HEAD', 'PUT'], [
      ['{"f":"GET"}', KEEP], ['{"f":"PUT"}', KEEP], ['{"f":"POST"}', REJECT], ['{"f":"get"}', REJECT], ['{"f":"\\u0048EAD"}', KEEP],
      ['{}', REJECT], ['{"f":null}', REJECT], ['{"f":["POST","HEAD"]}', KEEP], ['{"f":["POST"]}', REJECT], ['{"f":[]}', REJECT],
      ['{"f":{"GET":1}}', WRONG_TYPE],
    ]);
    check('in', [200, 304, 1506702504433000200], [
      ['{"f":200}', KEEP], ['{"f":304.0}', KEEP], ['{"f":404}', REJECT], ['{"f":"200"}', REJECT],
      ['{"f":1506702504433000200}', KEEP], ['{"f":1506702504433000201}', REJECT], ['{"f":[404,200]}', KEEP],
    ]);
    check('in', [true], [['{"f":true}', KEEP], ['{"f":false}', REJECT], ['{"f":"true"}', REJECT]]);
    check('in', ['1', 1, false], [['{"f":"1"}', KEEP], ['{"f":1}', KEEP], ['{"f":false}', KEEP], ['{"f":true}', REJECT]]);
  });

  it('string operators on non-ASCII values, raw UTF-8 or \\u escapes in the record', () => {
    check('eq', 'Zürich', [
      ['{"f":"Zürich"}', KEEP], ['{"f":"Z\\u00fcrich"}', KEEP], ['{"f":"Zurich"}', REJECT], ['{"f":"Zärich"}', REJECT],
      ['{"f":"Zürich "}', REJECT], ['{"f":["Zürich"]}', REJECT], ['{}', REJECT],
    ]);
    check('eq', '東京', [['{"f":"東京"}', KEEP], ['{"f":"\\u6771\\u4eac"}', KEEP], ['{"f":"京都"}', REJECT]]);
    check('startsWith', 'Zür', [['{"f":"Zürich"}', KEEP], ['{"f":"Z\\u00fcrich"}', KEEP], ['{"f":"Zurich"}', REJECT], ['{"f":"Zü"}', REJECT]]);
    check('endsWith', 'ève', [['{"f":"Genève"}', KEEP], ['{"f":"Gen\\u00e8ve"}', KEEP], ['{"f":"Geneve"}', REJECT]]);
    check('contains', 'ürich', [
      ['{"f":"in Zürich today"}', KEEP], ['{"f":"in Z\\u00fcrich today"}', KEEP], ['{"f":"in Zurich today"}', REJECT],
      ['{"f":["Bern","ürich"]}', KEEP], ['{"f":["Bern","\\u00fcrich"]}', KEEP], ['{"f":["Zürich"]}', REJECT],
    ]);
    check('in', ['Zürich', 'Genève', 'Bern'], [
      ['{"f":"Zürich"}', KEEP], ['{"f":"Z\\u00fcrich"}', KEEP], ['{"f":"Gen\\u00e8ve"}', KEEP], ['{"f":"Bern"}', KEEP],
      ['{"f":"Zurich"}', REJECT], ['{"f":"Zärich"}', REJECT], ['{"f":["Basel","Genève"]}', KEEP], ['{"f":["Basel"]}', REJECT],
    ]);
  });
});

describe('compileFilter and/or', () => {
  const host = leaf('ClientRequestHost', 'eq', 'example.com');
  const status = leaf('EdgeResponseStatus', 'geq', 500);
  const path = leaf('ClientRequestPath', 'startsWith', '/api');

  it('evaluates nesting three levels deep', () => {
    // host = example.com AND (status >= 500 OR (path startsWith /api AND method in [POST, PUT]))
    const where: FilterNode = {
      and: [host, { or: [status, { and: [path, leaf('ClientRequestMethod', 'in', ['POST', 'PUT'])] }] }],
    };
    const rec = (h: string, s: number, p: string, m: string): string =>
      JSON.stringify({ ClientRequestHost: h, EdgeResponseStatus: s, ClientRequestPath: p, ClientRequestMethod: m });
    assert.equal(verdict(where, rec('example.com', 502, '/', 'GET')), KEEP);
    assert.equal(verdict(where, rec('example.com', 200, '/api/x', 'POST')), KEEP);
    assert.equal(verdict(where, rec('example.com', 200, '/api/x', 'GET')), REJECT);
    assert.equal(verdict(where, rec('example.com', 200, '/web', 'POST')), REJECT);
    assert.equal(verdict(where, rec('other.com', 502, '/api/x', 'POST')), REJECT);
    assert.deepEqual(filterFields(where), ['ClientRequestHost', 'EdgeResponseStatus', 'ClientRequestPath', 'ClientRequestMethod']);
  });

  it('short-circuits and propagates WRONG_TYPE from evaluated leaves only', () => {
    const wrong = '{"ClientRequestHost":"example.com","EdgeResponseStatus":"500","ClientRequestPath":"/api"}';
    assert.equal(verdict({ and: [host, status] }, wrong), WRONG_TYPE);
    assert.equal(verdict({ or: [status, path] }, wrong), WRONG_TYPE);
    // The failing leaf is never evaluated when an earlier child decides.
    assert.equal(verdict({ or: [path, status] }, wrong), KEEP);
    assert.equal(verdict({ and: [leaf('ClientRequestHost', 'eq', 'x'), status] }, wrong), REJECT);
    // More than two children take the general loop.
    assert.equal(verdict({ and: [host, path, status] }, wrong), WRONG_TYPE);
    assert.equal(verdict({ or: [leaf('ClientRequestHost', 'eq', 'x'), path, status] }, wrong), KEEP);
    assert.equal(verdict({ or: [leaf('ClientRequestHost', 'eq', 'x'), leaf('ClientRequestPath', 'eq', 'y'), status] }, wrong), WRONG_TYPE);
  });

  it('treats empty and/or as KEEP/REJECT and single children as themselves', () => {
    assert.equal(verdict({ and: [] }, '{}'), KEEP);
    assert.equal(verdict({ or: [] }, '{}'), REJECT);
    assert.equal(verdict({ and: [host] }, '{"ClientRequestHost":"example.com"}'), KEEP);
    assert.equal(verdict({ or: [host] }, '{"ClientRequestHost":"example.org"}'), REJECT);
  });
});

describe('compileFilter on odd input', () => {
  it('treats keys the scanner does not track as missing', () => {
    const filter = compileFilter(leaf('f', '!eq', 'x'), () => -1);
    assert.equal(filter.test(createScannedRecord(0)), KEEP);
    assert.equal(compileFilter(leaf('f', 'eq', null), () => -1).test(createScannedRecord(0)), KEEP);
  });

  it('rejects unknown operators and non-numeric comparison values with ERR_JOB_COMPILE', () => {
    for (const bad of [
      { key: 'f', operator: 'like', value: 'x' },
      { key: 'f', operator: '!lt', value: 1 },
      { key: 'f', operator: 'toString', value: 1 },
      { key: 'f', operator: 'gt', value: 'abc' },
      { nor: [] },
      null,
    ]) {
      assert.throws(() => compileFilter(bad as unknown as FilterNode, () => 0), { code: 'ERR_JOB_COMPILE' }, JSON.stringify(bad));
    }
    assert.deepEqual(filterFields({ and: [null, { or: 'x' }, { key: 'a' }] } as unknown as FilterNode), ['a']);
  });
});
