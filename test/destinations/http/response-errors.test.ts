import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { errorForResponse, errorForTransport, sanitiseSnippet, SNIPPET_CHARS, type ErrorContext } from '../../../src/destinations/http/response-errors.ts';
import { AddressNotAllowedError, DESTINATION_UNREACHABLE, DESTINATION_UNREACHABLE_MESSAGE } from '../../../src/destinations/net/unreachable.ts';

const SECRET = 'tok-9f8e7d6c5b4a39281706';
const generic: ErrorContext = { kind: 'generic', redacted: 'https://h.example.com/in?header_Authorization=REDACTED', secrets: [`Bearer ${SECRET}`, SECRET], quoteBody: true };
const splunk: ErrorContext = { ...generic, kind: 'splunk' };
const now = Date.parse('2025-11-24T12:00:00Z');

function mapped(ctx: ErrorContext, status: number, body = '', retryAfter?: string): DeliveryError {
  const error = errorForResponse(ctx, { status, body, retryAfter }, now);
  assert.ok(error instanceof DeliveryError, `HTTP ${status} is an error`);
  assert.ok(!error.message.includes(SECRET), error.message);
  return error;
}

describe('errorForResponse', () => {
  it('accepts 2xx', () => {
    for (const status of [200, 201, 202, 204]) assert.equal(errorForResponse(generic, { status, body: '', retryAfter: undefined }, now), null);
    assert.equal(errorForResponse(splunk, { status: 200, body: '{"text":"Success","code":0}', retryAfter: undefined }, now), null);
  });

  it('makes 429 and 503 retryable with the Retry-After delay', () => {
    const limited = mapped(generic, 429, '', '12');
    assert.deepEqual([limited.code, limited.retryable, limited.retryAfterMs], ['ERR_HTTP_RATE_LIMITED', true, 12_000]);
    const unavailable = mapped(generic, 503, '', 'Mon, 24 Nov 2025 12:00:05 GMT');
    assert.deepEqual([unavailable.code, unavailable.retryable, unavailable.retryAfterMs], ['ERR_HTTP_UNAVAILABLE', true, 5000]);
    assert.equal(mapped(generic, 429).retryAfterMs, null);
  });

  it('makes other 5xx and 408 retryable', () => {
    for (const status of [500, 502, 504, 408]) assert.equal(mapped(generic, status).retryable, true, String(status));
  });

  it('makes 401/403 non-retryable ERR_HTTP_UNAUTHORIZED naming the header to check, not its value', () => {
    for (const status of [401, 403]) {
      const error = mapped(generic, status, `bad credentials: Bearer ${SECRET}`);
      assert.deepEqual([error.code, error.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
      assert.match(error.message, /check header_Authorization/);
    }
    assert.match(mapped({ ...generic, kind: 'datadog' }, 403).message, /header_DD-API-KEY/);
  });

  it('makes 400/404/413 non-retryable with a scrubbed body snippet', () => {
    const bad = mapped(generic, 400, `{"error":"unknown field","echo":"Bearer ${SECRET}"}`);
    assert.deepEqual([bad.code, bad.retryable], ['ERR_HTTP_REJECTED', false]);
    assert.match(bad.message, /HTTP 400.*unknown field.*REDACTED/);
    assert.equal(mapped(generic, 404).code, 'ERR_HTTP_NOT_FOUND');
    assert.equal(mapped(generic, 413, 'too big').code, 'ERR_HTTP_PAYLOAD_TOO_LARGE');
    assert.equal(mapped(generic, 301).code, 'ERR_HTTP_REDIRECT');
  });

  it('quotes nothing from a server on a network the operator opened (it may be an internal service)', () => {
    const inside: ErrorContext = { ...generic, quoteBody: false };
    for (const status of [400, 404, 413, 500]) {
      const error = mapped(inside, status, 'admin console: 12 users, build 4.2.1');
      assert.ok(!error.message.includes('admin console'), error.message);
      assert.match(error.message, new RegExp(`HTTP ${status}`));
    }
  });

  it('reads Splunk HEC codes in JSON bodies', () => {
    const token = mapped(splunk, 403, '{"text":"Invalid token","code":4}');
    assert.deepEqual([token.code, token.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
    assert.match(token.message, /Splunk HEC code 4: invalid HEC token/);
    const busy = mapped(splunk, 503, '{"text":"Server is busy","code":9}', '2');
    assert.deepEqual([busy.code, busy.retryable, busy.retryAfterMs], ['ERR_SPLUNK_HEC_BUSY', true, 2000]);
    assert.equal(mapped(splunk, 400, '{"text":"Invalid data channel","code":11}').code, 'ERR_SPLUNK_HEC_REJECTED');
  });
});

describe('errorForTransport', () => {
  const coded = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });

  it('maps refused addresses, closed ports, DNS failures, timeouts and resets to one retryable message', () => {
    const failures = [
      Object.assign(new AddressNotAllowedError('localhost', '127.0.0.1', 'loopback'), {}),
      coded('ECONNREFUSED'), coded('ENOTFOUND'), coded('UND_ERR_CONNECT_TIMEOUT'), coded('UND_ERR_HEADERS_TIMEOUT'),
      coded('UND_ERR_SOCKET'), new Error('x', { cause: coded('ECONNRESET') }), new Error('no code at all'),
    ];
    for (const failure of failures) {
      const mapped = errorForTransport(generic, failure);
      assert.deepEqual([mapped.code, mapped.message, mapped.retryable], [DESTINATION_UNREACHABLE, DESTINATION_UNREACHABLE_MESSAGE, true]);
    }
    // The operator's log keeps what happened.
    assert.match(errorForTransport(generic, coded('ECONNREFUSED')).detail ?? '', /ECONNREFUSED/);
    assert.match(errorForTransport(generic, failures[0]).detail ?? '', /127\.0\.0\.1 is a loopback address|localhost \(127\.0\.0\.1\)/);
  });

  it('maps certificate failures to non-retryable ERR_HTTP_TLS', () => {
    const tls = errorForTransport(generic, coded('DEPTH_ZERO_SELF_SIGNED_CERT'));
    assert.deepEqual([tls.code, tls.retryable], ['ERR_HTTP_TLS', false]);
  });

  it('never quotes the underlying message', () => {
    const error = errorForTransport(generic, coded('ESOMETHING', `leaked ${SECRET}`));
    assert.ok(!error.message.includes(SECRET));
    assert.ok(!(error.detail ?? '').includes(SECRET));
    assert.match(error.detail ?? '', /ESOMETHING/);
  });
});

describe('sanitiseSnippet', () => {
  it('replaces secrets, collapses control characters and truncates', () => {
    assert.equal(sanitiseSnippet(`a\n\tb ${SECRET}\u0000c`, [SECRET]), 'a b REDACTED c');
    const long = sanitiseSnippet('x'.repeat(1000), []);
    assert.equal(long.length, SNIPPET_CHARS + 1);
  });
});
