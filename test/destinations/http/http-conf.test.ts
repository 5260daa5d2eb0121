import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { resolveHttpTarget } from '../../../src/destinations/http/http-conf.ts';

const SECRET = 'c2VjcmV0LXRva2VuLXZhbHVlLTEyMzQ1Njc4OTA';
const CHANNEL = '0e7b4c4e-1f2a-4b3c-9d8e-123456789abc';

function confError(conf: string, part: RegExp): void {
  assert.throws(() => resolveHttpTarget(conf), (error: unknown) => {
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.code, 'ERR_DESTINATION_CONF');
    assert.equal(error.retryable, false);
    assert.match(error.message, part);
    assert.ok(!error.message.includes(SECRET), error.message);
    return true;
  });
}

describe('resolveHttpTarget', () => {
  it('turns header_* parameters into headers and keeps other parameters on the URL', () => {
    const target = resolveHttpTarget(`https://logs.example.com/ingest?header_Authorization=Basic%20${SECRET}&header_X-Custom=1&tags=a%2Cb&env=prod`);
    assert.equal(target.kind, 'generic');
    assert.equal(target.origin, 'https://logs.example.com');
    assert.equal(target.path, '/ingest?tags=a%2Cb&env=prod');
    assert.deepEqual(target.headers, { Authorization: `Basic ${SECRET}`, 'X-Custom': '1' });
    assert.ok(target.secrets.includes(SECRET), 'the bare token is scrubbed too');
    assert.ok(!target.redacted.includes(SECRET));
    assert.equal(target.rejectUnauthorized, true);
  });

  it('keeps the port and turns URL userinfo into Basic authentication', () => {
    const target = resolveHttpTarget('https://user:pa55word-long@logs.example.com:8443/in');
    assert.equal(target.origin, 'https://logs.example.com:8443');
    assert.equal(target.headers.Authorization, `Basic ${Buffer.from('user:pa55word-long').toString('base64')}`);
    assert.ok(target.secrets.includes('pa55word-long'));
  });

  it('allows plain http only on loopback hosts', () => {
    assert.equal(resolveHttpTarget('http://127.0.0.1:8080/x').origin, 'http://127.0.0.1:8080');
    assert.equal(resolveHttpTarget('http://localhost/x').origin, 'http://localhost');
    assert.equal(resolveHttpTarget('http://[::1]:9000/x').origin, 'http://[::1]:9000');
    confError(`http://logs.example.com/x?header_Authorization=${SECRET}`, /only allowed for loopback hosts/);
    confError('http://127.0.0.1.evil.example/x', /only allowed for loopback/);
  });

  it('builds the Splunk HEC raw request: https, channel header, insecure-skip-verify off the URL', () => {
    const target = resolveHttpTarget(`splunk://splunk.example.com:8088/services/collector/raw?channel=${CHANNEL}&insecure-skip-verify=true&sourcetype=cloudflare:json&header_Authorization=Splunk%20${SECRET}`);
    assert.equal(target.kind, 'splunk');
    assert.equal(target.origin, 'https://splunk.example.com:8088');
    assert.equal(target.path, `/services/collector/raw?channel=${CHANNEL}&sourcetype=cloudflare%3Ajson`);
    assert.equal(target.headers['X-Splunk-Request-Channel'], CHANNEL);
    assert.equal(target.headers.Authorization, `Splunk ${SECRET}`);
    assert.equal(target.rejectUnauthorized, false);
    assert.equal(resolveHttpTarget(`splunk://s.example.com:8088?channel=${CHANNEL}&header_Authorization=Splunk%20x`).path, `/services/collector/raw?channel=${CHANNEL}`);
  });

  it('names the wrong part of a Splunk conf', () => {
    const auth = `header_Authorization=Splunk%20${SECRET}`;
    confError(`splunk://s.example.com:8088/services/collector/raw?${auth}`, /channel=<GUID>/);
    confError(`splunk://s.example.com:8088/services/collector/raw?channel=abc&${auth}`, /channel must be a GUID/);
    confError(`splunk://s.example.com:8088/services/collector/raw?channel=${CHANNEL}&insecure-skip-verify=maybe&${auth}`, /insecure-skip-verify must be true or false/);
    confError(`splunk://s.example.com:8088/services/collector/event?channel=${CHANNEL}&${auth}`, /raw endpoint/);
    confError(`splunk://s.example.com:8088/services/collector/raw?channel=${CHANNEL}`, /header_Authorization/);
  });

  it('takes the Datadog entry fields out of the query', () => {
    const target = resolveHttpTarget(`datadog://http-intake.logs.datadoghq.com/api/v2/logs?header_DD-API-KEY=${SECRET}&ddsource=cloudflare&service=web&host=edge&ddtags=env:prod,team:a`);
    assert.equal(target.kind, 'datadog');
    assert.equal(target.origin, 'https://http-intake.logs.datadoghq.com');
    assert.equal(target.path, '/api/v2/logs');
    assert.deepEqual(target.datadog, { ddsource: 'cloudflare', service: 'web', hostname: 'edge', ddtags: 'env:prod,team:a' });
    assert.equal(target.headers['DD-API-KEY'], SECRET);
    confError('datadog://http-intake.logs.datadoghq.com/api/v2/logs?ddsource=cloudflare', /header_DD-API-KEY/);
  });

  it('sends splunk: and datadog: over plain http only when asked and only on loopback', () => {
    const conf = `datadog://127.0.0.1:9999/api/v2/logs?header_DD-API-KEY=${SECRET}`;
    assert.equal(resolveHttpTarget(conf).origin, 'https://127.0.0.1:9999');
    assert.equal(resolveHttpTarget(conf, { plainHttpOnLoopback: true }).origin, 'http://127.0.0.1:9999');
    assert.equal(resolveHttpTarget(`datadog://intake.example.com/api/v2/logs?header_DD-API-KEY=${SECRET}`, { plainHttpOnLoopback: true }).origin, 'https://intake.example.com');
  });

  it('names bad headers, hosts and ports without echoing a value', () => {
    confError(`https://h.example.com/in?header_=${SECRET}`, /invalid header name/);
    confError(`https://h.example.com/in?header_Bad%20Name=${SECRET}`, /invalid header name/);
    confError(`https://h.example.com/in?header_Content-Length=${SECRET}`, /header_Content-Length cannot be set/);
    confError(`https://h.example.com/in?header_X-A=a%0D%0A${SECRET}`, /header_X-A contains a line break/);
    confError(`https://h_x!.example.com/in?header_X-A=${SECRET}`, /host name is not valid/);
    confError(`https://h.example.com:99999/in?header_X-A=${SECRET}`, /port must be between 1 and 65535/);
    confError(`https://h.example.com:abc/in?header_X-A=${SECRET}`, /port must be a number/);
    confError(`https:///in?header_X-A=${SECRET}`, /needs a host name/);
  });
});
