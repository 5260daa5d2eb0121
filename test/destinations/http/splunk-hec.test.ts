import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splunkHecError } from '../../../src/destinations/http/splunk-hec.ts';

describe('splunkHecError', () => {
  it('maps token problems to a non-retryable unauthorized error', () => {
    for (const code of [1, 2, 3, 4, 16]) {
      const error = splunkHecError(JSON.stringify({ text: 'x', code }));
      assert.equal(error?.code, 'ERR_HTTP_UNAUTHORIZED', `code ${code}`);
      assert.equal(error?.retryable, false);
    }
    assert.equal(splunkHecError('{"text":"Invalid token","code":4}')?.text, 'invalid HEC token');
  });

  it('maps data problems to non-retryable and busy states to retryable', () => {
    assert.deepEqual(splunkHecError('{"text":"Incorrect index","code":7,"invalid-event-number":0}'), { hecCode: 7, text: 'incorrect index: the token may not write to this index', code: 'ERR_SPLUNK_HEC_REJECTED', retryable: false });
    assert.equal(splunkHecError('{"text":"Invalid data channel","code":11}')?.retryable, false);
    assert.equal(splunkHecError('{"text":"Server is busy","code":9}')?.retryable, true);
    assert.equal(splunkHecError('{"text":"HEC is unhealthy","code":18}')?.code, 'ERR_SPLUNK_HEC_BUSY');
  });

  it('returns null for success, unknown codes and non-HEC bodies', () => {
    for (const body of ['{"text":"Success","code":0}', '{"text":"HEC is healthy","code":17}', '{"code":99}', '{"code":"4"}', 'Invalid token', '{broken', '']) {
      assert.equal(splunkHecError(body), null, body);
    }
  });
});
