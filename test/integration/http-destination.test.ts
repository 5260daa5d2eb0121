// HTTP destinations against a real peer: a node:http server on 127.0.0.1 that checks headers,
// gunzips bodies and answers 429/401/500 or slowly on demand. Then the whole service, NDJSON
// file in, through runService, out to that server.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { validateHttpDestination } from '../../src/destinations/http/validate.ts';
import { createHttpRequestsGenerator } from '../../src/generator/http-requests.ts';
import { runService } from '../../src/service.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { createLogger } from '../../src/shared/log.ts';
import { gzipBatch, HttpReceiver, receiverSuite, records, rejection, type Received } from '../helpers/http-receiver.ts';
import { LOOPBACK_ALLOWED, LOOPBACK_DESTINATIONS } from '../helpers/network.ts';
import { DESTINATION_UNREACHABLE, DESTINATION_UNREACHABLE_MESSAGE } from '../../src/destinations/net/unreachable.ts';

const TOKEN = 'receiver-test-token-5f4e3d2c1b';
const CHANNEL = '0e7b4c4e-1f2a-4b3c-9d8e-123456789abc';

describe('HTTP destinations against a local receiver', () => {
  const { receiver, port: receiverPort, destination } = receiverSuite();
  const genericConf = (): string => `http://127.0.0.1:${receiverPort()}/ingest?header_Authorization=Bearer%20${TOKEN}&header_X-Custom=1&tags=a%2Cb`;

  it('delivers a batch as one gzip POST with the conf headers and an idempotency key', async () => {
    const lines = records(500);
    const receipt = await destination(genericConf()).deliver(gzipBatch(lines));
    assert.equal(receiver.requests.length, 1);
    const [request] = receiver.requests as [Received];
    assert.equal(request.url, '/ingest?tags=a%2Cb');
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(request.headers['x-custom'], '1');
    assert.equal(request.headers['content-encoding'], 'gzip');
    assert.equal(request.headers['content-type'], 'application/x-ndjson');
    assert.equal(request.headers['idempotency-key'], '7-b0001-0');
    assert.deepEqual(request.text.trimEnd().split('\n'), lines);
    assert.ok(!receipt.location.includes(TOKEN));
  });

  it('splits a large batch into size-bounded requests with distinct, ordered keys', async () => {
    const lines = records(300);
    await destination(genericConf(), { maxRequestBytes: 4000 }).deliver(gzipBatch(lines, 'big', 50));
    assert.ok(receiver.requests.length > 1, `${receiver.requests.length} requests`);
    assert.deepEqual(receiver.requests.map((r) => r.headers['idempotency-key']), receiver.requests.map((_, i) => `7-big-${i}`));
    assert.deepEqual(receiver.requests.flatMap((r) => r.text.trimEnd().split('\n')), lines);
  });

  it('honours 429 Retry-After and resends with the same Idempotency-Key', async () => {
    receiver.reply = (_, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 });
    const http = destination(genericConf());
    const object = gzipBatch(records(20));
    const error = await rejection(http.deliver(object), [TOKEN]);
    assert.deepEqual([error.code, error.retryable, error.retryAfterMs], ['ERR_HTTP_RATE_LIMITED', true, 3000]);
    await http.deliver(object);
    assert.equal(receiver.requests.length, 2);
    assert.equal(receiver.requests[0]!.headers['idempotency-key'], '7-b0001-0');
    assert.equal(receiver.requests[1]!.headers['idempotency-key'], receiver.requests[0]!.headers['idempotency-key']);
    assert.equal(receiver.requests[1]!.text, receiver.requests[0]!.text);
  });

  it('after a 500 in the middle of a batch, a retry resends only the requests not yet accepted', async () => {
    receiver.reply = (_, index) => (index === 1 ? { status: 500, body: 'internal trouble' } : { status: 200 });
    const http = destination(genericConf(), { maxRequestBytes: 2000 });
    const lines = records(100);
    const object = gzipBatch(lines, 'mid', 20);
    const error = await rejection(http.deliver(object), [TOKEN]);
    assert.deepEqual([error.code, error.retryable], ['ERR_HTTP_SERVER', true]);
    // The receiver is on loopback, a network the operator opened: its body is not quoted back.
    assert.match(error.message, /HTTP 500$/);
    await http.deliver(object);
    const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
    assert.deepEqual(keys.slice(0, 2), ['7-mid-0', '7-mid-1']);
    assert.equal(keys[2], '7-mid-1', 'the retry starts at the failed request');
    const accepted = receiver.requests.filter((_, i) => i !== 1);
    assert.deepEqual(accepted.flatMap((r) => r.text.trimEnd().split('\n')), lines);
  });

  it('reports 401 as non-retryable ERR_HTTP_UNAUTHORIZED after exactly one request', async () => {
    receiver.reply = () => ({ status: 401, body: `denied: Bearer ${TOKEN}` });
    const error = await rejection(destination(genericConf()).deliver(gzipBatch(records(5))), [TOKEN]);
    assert.deepEqual([error.code, error.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
    assert.match(error.message, /rejected the credentials/);
    assert.equal(receiver.requests.length, 1);
  });

  it('times out a destination that does not answer, as a retryable error', async () => {
    receiver.reply = () => ({ status: 200, hang: true });
    const error = await rejection(destination(genericConf(), { headersTimeoutMs: 300 }).deliver(gzipBatch(records(5))), [TOKEN]);
    assert.deepEqual([error.code, error.message, error.retryable], [DESTINATION_UNREACHABLE, DESTINATION_UNREACHABLE_MESSAGE, true]);
    assert.match(error.detail ?? '', /headers timeout/);
  });

  it('reuses keep-alive connections across deliveries', async () => {
    // undici's Pool may open a second connection for the second request (the first client is
    // still marked busy for a tick); after that, deliveries must open no new connections.
    const http = destination(genericConf());
    for (let i = 0; i < 2; i++) await http.deliver(gzipBatch(records(10, `w${i}-`), `warm${i}`));
    const warm = receiver.connections;
    for (let i = 0; i < 10; i++) await http.deliver(gzipBatch(records(10, `k${i}-`), `ka${i}`));
    assert.equal(receiver.requests.length, 12);
    assert.ok(warm <= 2, `${warm} connections for 2 deliveries`);
    assert.equal(receiver.connections, warm, 'no new connection after warm-up');
  });

  it('uses exactly one connection when the pool is bounded to one', async () => {
    const http = destination(genericConf(), { connections: 1 });
    for (let i = 0; i < 6; i++) await http.deliver(gzipBatch(records(10, `s${i}-`), `one${i}`));
    assert.equal(receiver.requests.length, 6);
    assert.equal(receiver.connections, 1);
  });

  it('posts raw lines to the Splunk HEC raw endpoint with the channel header', async () => {
    receiver.reply = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"text":"Success","code":0}' });
    const lines = records(50);
    const conf = `splunk://127.0.0.1:${receiverPort()}/services/collector/raw?channel=${CHANNEL}&insecure-skip-verify=false&sourcetype=cloudflare:json&header_Authorization=Splunk%20${TOKEN}`;
    await destination(conf).deliver(gzipBatch(lines));
    const [request] = receiver.requests as [Received];
    assert.equal(request.url, `/services/collector/raw?channel=${CHANNEL}&sourcetype=cloudflare%3Ajson`);
    assert.equal(request.headers['x-splunk-request-channel'], CHANNEL);
    assert.equal(request.headers.authorization, `Splunk ${TOKEN}`);
    assert.deepEqual(request.text.trimEnd().split('\n'), lines);
  });

  it('maps a Splunk HEC error body to a clear message', async () => {
    receiver.reply = () => ({ status: 403, body: '{"text":"Invalid token","code":4}' });
    const conf = `splunk://127.0.0.1:${receiverPort()}/services/collector/raw?channel=${CHANNEL}&header_Authorization=Splunk%20${TOKEN}`;
    const error = await rejection(destination(conf).deliver(gzipBatch(records(1))), [TOKEN]);
    assert.deepEqual([error.code, error.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
    assert.match(error.message, /Splunk HEC code 4: invalid HEC token/);
  });

  it('sends Datadog a gzipped JSON array of entries, at most 1000 per request', async () => {
    receiver.reply = () => ({ status: 202, body: '{}' });
    const lines = records(2300);
    const conf = `datadog://127.0.0.1:${receiverPort()}/api/v2/logs?header_DD-API-KEY=${TOKEN}&ddsource=cloudflare&service=edge&host=sluice-1&ddtags=env:test`;
    await destination(conf).deliver(gzipBatch(lines, 'dd', 700));
    assert.equal(receiver.requests.length, 3);
    for (const request of receiver.requests) {
      assert.equal(request.url, '/api/v2/logs');
      assert.equal(request.headers['dd-api-key'], TOKEN);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['content-encoding'], 'gzip');
    }
    const payloads = receiver.requests.map((r) => JSON.parse(r.text) as Array<Record<string, string>>);
    assert.deepEqual(payloads.map((p) => p.length), [1000, 1000, 300]);
    assert.deepEqual(payloads[0]![0], { message: lines[0], ddsource: 'cloudflare', service: 'edge', hostname: 'sluice-1', ddtags: 'env:test' });
    assert.deepEqual(payloads.flat().map((e) => e.message), lines);
  });

  it('validates a destination with a gzipped test POST and says why it fails', async () => {
    const ok = await validateHttpDestination(genericConf(), { network: LOOPBACK_ALLOWED });
    assert.equal(ok.ok, true);
    assert.equal(JSON.parse(receiver.requests[0]!.text.trim()).content, 'test');
    assert.match(String(receiver.requests[0]!.headers['idempotency-key']), /^0-validate-/);

    receiver.reply = () => ({ status: 403 });
    const denied = await validateHttpDestination(genericConf(), { network: LOOPBACK_ALLOWED });
    assert.deepEqual(denied.ok ? null : [denied.code, denied.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await validateHttpDestination(`http://127.0.0.1:${closedPort}/x?header_Authorization=${TOKEN}`, { network: LOOPBACK_ALLOWED });
    assert.ok(!refused.ok && refused.code === DESTINATION_UNREACHABLE && refused.message === DESTINATION_UNREACHABLE_MESSAGE, JSON.stringify(refused));

    const badConf = await validateHttpDestination(`http://logs.example.com/x?header_Authorization=${TOKEN}`, { network: LOOPBACK_ALLOWED });
    assert.ok(!badConf.ok && badConf.code === 'ERR_DESTINATION_CONF' && !badConf.message.includes(TOKEN), JSON.stringify(badConf));
  });
});

describe('runService end to end to an HTTP destination', () => {
  const RECORDS = 5000;
  const TENANT = '023e105f4ecef8ad9ca31a8372d0c353';
  const dir = mkdtempSync(join(tmpdir(), 'sluice-http-e2e-'));
  const receiver = new HttpReceiver();

  after(async () => {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every record of an NDJSON file exactly once', async () => {
    const port = await receiver.start();
    let unauthorized = 0;
    receiver.reply = (request) => {
      if (request.headers.authorization !== 'Bearer x') unauthorized++;
      return { status: 200 };
    };
    const generator = createHttpRequestsGenerator({ seed: 7 });
    const events = Array.from({ length: RECORDS }, () => generator.next().json);
    const input = join(dir, 'events.ndjson');
    writeFileSync(input, `${events.join('\n')}\n`);

    const config = parseConfig(
      {
        data_dir: join(dir, 'state'),
        limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
        pipeline: { workers: 2 },
        sources: [{ type: 'ndjson', path: input, dataset: 'http_requests', tenant: TENANT }],
        destinations: LOOPBACK_DESTINATIONS,
        jobs: [{ id: 11, zone_id: TENANT, dataset: 'http_requests', destination_conf: `http://127.0.0.1:${port}/ingest?header_Authorization=Bearer%20x`, compression: 'gzip', max_upload_records: 1000, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID', 'ClientIP'] } }],
      },
      'http e2e',
    );
    const source = new NdjsonSource({ path: input, dataset: 'http_requests', tenant: TENANT });
    const outcome = await runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false });

    assert.equal(outcome.undelivered, 0);
    assert.equal(unauthorized, 0);
    assert.ok(receiver.requests.length >= 5, `${receiver.requests.length} requests`);
    const seen = new Map<string, number>();
    for (const request of receiver.requests) {
      assert.equal(request.headers['content-encoding'], 'gzip');
      for (const line of request.text.split('\n')) {
        if (line === '') continue;
        const rayId = (JSON.parse(line) as { RayID: string }).RayID;
        seen.set(rayId, (seen.get(rayId) ?? 0) + 1);
      }
    }
    const expected = new Set(events.map((e) => (JSON.parse(e) as { RayID: string }).RayID));
    assert.equal(expected.size, RECORDS);
    assert.deepEqual(
      { missing: [...expected].filter((id) => !seen.has(id)).length, unexpected: [...seen.keys()].filter((id) => !expected.has(id)).length, duplicated: [...seen.values()].filter((n) => n > 1).length },
      { missing: 0, unexpected: 0, duplicated: 0 },
    );
  });
});
