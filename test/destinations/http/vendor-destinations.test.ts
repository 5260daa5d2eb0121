// Each HTTP-based vendor destination against a local receiver standing in for the vendor:
// the request it gets (method, path, headers, decoded body), the vendor's documented
// per-request bound, a 4xx answered as a clear error that is not retried, 429 and 5xx retried,
// and the credential never in a message. Sumo Logic's ownership challenge is a POST of the token.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { isHttpOwnershipDestination, writeHttpOwnershipChallenge } from '../../../src/destinations/http/ownership.ts';
import { gzipBatch, receiverSuite, records, rejection, type Reply } from '../../helpers/http-receiver.ts';
import { LOOPBACK_ALLOWED } from '../../helpers/network.ts';

const SUMO_CODE = 'ZaVnC4dhaV3ZkfnJlWiwO2WB3MqVgOSdv7GbmTz6ojjMd_7yl7TNkQBIf8wXy8FPqWgcYQ==';
const NR_KEY = 'eu01xx0123456789abcdef0123456789NRAL';
const S1_TOKEN = 'sentinelone-token-0e6d94e8c-5792-4ad1';
const ELASTIC_SECRET = 'elastic-shared-secret-0123456789';
const IBM_KEY = 'ibm-api-key-0123456789abcdefABCDEF';
const IAM_TOKEN = 'eyJraWQiOiIyMDI0MTIwMSIsImFsZyI6IlJTMjU2In0.iam-access-token';
const SECRETS = [SUMO_CODE, NR_KEY, S1_TOKEN, ELASTIC_SECRET, IBM_KEY, IAM_TOKEN];

describe('HTTP-based vendor destinations against a local receiver', () => {
  const { receiver, port: receiverPort, destination } = receiverSuite();
  const vendors = {
    sumo: () => `sumo://127.0.0.1:${receiverPort()}/receiver/v1/http/${SUMO_CODE}?header_X-Sumo-Category=cloudflare/http`,
    newRelic: () => `http://127.0.0.1:${receiverPort()}/log/v1?Api-Key=${NR_KEY}&format=cloudflare`,
    sentinelOne: () => `sentinelone://127.0.0.1:${receiverPort()}/services/collector/raw?sourcetype=marketplace-cloudflare-latest&header_Authorization=Bearer%20${S1_TOKEN}`,
    elastic: () => `http://127.0.0.1:${receiverPort()}?header_X-Elastic-Secret=${ELASTIC_SECRET}`,
    qradar: () => `http://127.0.0.1:${receiverPort()}`,
    ibm: () => `ibmcl://127.0.0.1:${receiverPort()}/logs/v1/singles?ibm_api_key=${IBM_KEY}`,
  };
  const ibmOptions = () => ({ ibmIamUrl: `http://127.0.0.1:${receiverPort()}/identity/token` });
  /** The receiver as IBM: IAM hands out IAM_TOKEN (or `iam`'s answer), the ingress answers `ingress`. */
  const actAsIbm = (ingress: (index: number) => Reply = () => ({ status: 200 }), iam: () => Reply = () => ({ status: 200, body: JSON.stringify({ access_token: IAM_TOKEN, expires_in: 3600 }) })): void => {
    let ingresses = 0;
    receiver.reply = (request) => (request.url === '/identity/token' ? iam() : ingress(ingresses++));
  };

  it('Sumo Logic: gzip POSTs of raw lines to the source URL, each at most 1 MB uncompressed', async () => {
    const lines = records(3000);
    await destination(vendors.sumo(), { lineRequestBytes: 50_000 }).deliver(gzipBatch(lines, 'sumo', 1000));
    assert.ok(receiver.requests.length > 2, `${receiver.requests.length} requests`);
    for (const request of receiver.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, `/receiver/v1/http/${SUMO_CODE}`);
      assert.equal(request.headers['content-encoding'], 'gzip');
      assert.equal(request.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(request.headers['x-sumo-category'], 'cloudflare/http');
      assert.ok(Buffer.byteLength(request.text) <= 50_000, `${Buffer.byteLength(request.text)} bytes`);
    }
    assert.deepEqual(receiver.requests.flatMap((r) => r.text.trimEnd().split('\n')), lines);
  });

  it('Sumo Logic: the default bound is the documented 1 MB', async () => {
    const lines = records(50_000); // ≈ 2.2 MB
    await destination(vendors.sumo()).deliver(gzipBatch(lines, 'sumo-big', 10_000));
    assert.ok(receiver.requests.length >= 3, `${receiver.requests.length} requests`);
    for (const request of receiver.requests) assert.ok(Buffer.byteLength(request.text) <= 1_000_000);
    assert.equal(receiver.requests.flatMap((r) => r.text.trimEnd().split('\n')).length, lines.length);
  });

  it('Sumo Logic: 401 (a regenerated URL) is not retried and says to check the source address, without it', async () => {
    receiver.reply = () => ({ status: 401, body: `unknown source /receiver/v1/http/${SUMO_CODE}` });
    const error = await rejection(destination(vendors.sumo()).deliver(gzipBatch(records(5))), SECRETS);
    assert.deepEqual([error.code, error.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
    assert.match(error.message, /HTTP source address/);
    assert.match(error.message, /receiver\/v1\/http\/REDACTED/);
    assert.equal(receiver.requests.length, 1);
  });

  it('Sumo Logic: 429 (throttled) is retried after Retry-After, 503 and 504 are retried', async () => {
    const sumo = destination(vendors.sumo());
    for (const [status, code] of [[429, 'ERR_HTTP_RATE_LIMITED'], [503, 'ERR_HTTP_UNAVAILABLE'], [504, 'ERR_HTTP_SERVER']] as const) {
      receiver.reply = () => ({ status, headers: { 'retry-after': '7' } });
      const error = await rejection(sumo.deliver(gzipBatch(records(3), `throttled-${status}`)), SECRETS);
      assert.deepEqual([error.code, error.retryable], [code, true]);
      if (status !== 504) assert.equal(error.retryAfterMs, 7000);
    }
  });

  it('Sumo Logic: the ownership challenge POSTs the token to the source', async () => {
    assert.equal(isHttpOwnershipDestination(vendors.sumo()), true);
    assert.equal(isHttpOwnershipDestination(vendors.newRelic()), false);
    // The writer sends a sumo:// conf over TLS (test/integration/http-vendor-destinations.test.ts
    // covers that); this plain-http receiver is reached through an http:// conf with Sumo's path.
    const written = await writeHttpOwnershipChallenge(`http://127.0.0.1:${receiverPort()}/receiver/v1/http/${SUMO_CODE}`, { name: 'ownership-challenge.txt', content: '1765000000.token' }, { network: LOOPBACK_ALLOWED });
    assert.equal(written.filename, 'ownership-challenge.txt');
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0]!.text, '1765000000.token\n');
    assert.match(String(receiver.requests[0]!.headers['idempotency-key']), /^0-ownership-/);
  });

  it('New Relic: gzip JSON POSTs to /log/v1?format=cloudflare with the key in the Api-Key header', async () => {
    const lines = records(2000);
    await destination(vendors.newRelic(), { lineRequestBytes: 40_000 }).deliver(gzipBatch(lines, 'nr', 500));
    assert.ok(receiver.requests.length > 2);
    for (const request of receiver.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/log/v1?format=cloudflare');
      assert.equal(request.headers['api-key'], NR_KEY);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['content-encoding'], 'gzip');
      assert.ok(Buffer.byteLength(request.text) <= 40_000);
    }
    assert.deepEqual(receiver.requests.flatMap((r) => r.text.trimEnd().split('\n')), lines);
  });

  it('New Relic: 403 is a non-retryable credentials error naming Api-Key; 413 is not retried; 500 is', async () => {
    const nr = destination(vendors.newRelic());
    receiver.reply = () => ({ status: 403, body: `invalid key ${NR_KEY}` });
    const denied = await rejection(nr.deliver(gzipBatch(records(2), 'nr-403')), SECRETS);
    assert.deepEqual([denied.code, denied.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
    assert.match(denied.message, /check Api-Key/);
    receiver.reply = () => ({ status: 413 });
    const large = await rejection(nr.deliver(gzipBatch(records(2), 'nr-413')), SECRETS);
    assert.deepEqual([large.code, large.retryable], ['ERR_HTTP_PAYLOAD_TOO_LARGE', false]);
    receiver.reply = () => ({ status: 500 });
    const broken = await rejection(nr.deliver(gzipBatch(records(2), 'nr-500')), SECRETS);
    assert.deepEqual([broken.code, broken.retryable], ['ERR_HTTP_SERVER', true]);
  });

  it('SentinelOne: raw lines to the HEC raw endpoint with sourcetype and the bearer token', async () => {
    const lines = records(100);
    await destination(vendors.sentinelOne()).deliver(gzipBatch(lines));
    const [request] = receiver.requests;
    assert.equal(request!.url, '/services/collector/raw?sourcetype=marketplace-cloudflare-latest');
    assert.equal(request!.headers.authorization, `Bearer ${S1_TOKEN}`);
    assert.equal(request!.headers['content-type'], 'text/plain; charset=utf-8');
    assert.deepEqual(request!.text.trimEnd().split('\n'), lines);

    receiver.reply = () => ({ status: 400, body: 'bad sourcetype' });
    const error = await rejection(destination(vendors.sentinelOne()).deliver(gzipBatch(records(1), 's1-400')), SECRETS);
    assert.deepEqual([error.code, error.retryable], ['ERR_HTTP_REJECTED', false]);
  });

  it('Elastic: the job output as one gzip POST to /, with the shared secret header', async () => {
    const lines = records(200);
    await destination(vendors.elastic()).deliver(gzipBatch(lines));
    const [request] = receiver.requests;
    assert.equal(request!.url, '/');
    assert.equal(request!.headers['x-elastic-secret'], ELASTIC_SECRET);
    assert.equal(request!.headers['content-type'], 'application/x-ndjson');
    assert.deepEqual(request!.text.trimEnd().split('\n'), lines);

    receiver.reply = () => ({ status: 401 });
    const error = await rejection(destination(vendors.elastic()).deliver(gzipBatch(records(1), 'el-401')), SECRETS);
    assert.deepEqual([error.code, error.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
  });

  it('IBM QRadar: the job output to the log source port', async () => {
    const lines = records(50);
    await destination(vendors.qradar()).deliver(gzipBatch(lines));
    assert.equal(receiver.requests[0]!.url, '/');
    assert.deepEqual(receiver.requests[0]!.text.trimEnd().split('\n'), lines);
    receiver.reply = () => ({ status: 429, headers: { 'retry-after': '2' } });
    const error = await rejection(destination(vendors.qradar()).deliver(gzipBatch(records(1), 'qr-429')), SECRETS);
    assert.deepEqual([error.code, error.retryable, error.retryAfterMs], ['ERR_HTTP_RATE_LIMITED', true, 2000]);
  });

  it('IBM Cloud Logs: trades the API key for an IAM token once, then POSTs the whole batch with it', async () => {
    actAsIbm();
    // The docs' output_options make the batch one JSON array of IBM log entries.
    const entries = records(300).map((record) => `{"applicationName":"ibm-platform-log","subsystemName":"internet-svcs:logpush","text":${record}}`);
    const ibm = destination(vendors.ibm(), { ...ibmOptions(), maxRequestBytes: 1000 });
    for (const id of ['ibm1', 'ibm2']) {
      const chunks = [`[${entries.slice(0, 150).join(',')}`, `,${entries.slice(150).join(',')}]`];
      await ibm.deliver({ ...gzipBatch([], id), chunks: ChunkStream.of(chunks.map((chunk) => gzipSync(chunk))), records: 300 });
    }
    const [iam, ...ingress] = receiver.requests;
    assert.equal(iam!.url, '/identity/token');
    assert.equal(iam!.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(iam!.text)), { grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: IBM_KEY });
    assert.equal(ingress.length, 2, 'one token for both batches; each batch whole despite maxRequestBytes');
    for (const request of ingress) {
      assert.equal(request.url, '/logs/v1/singles');
      assert.equal(request.headers.authorization, `Bearer ${IAM_TOKEN}`);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal((JSON.parse(request.text) as unknown[]).length, 300);
    }
  });

  it('IBM Cloud Logs: a refused key is not retried; an IAM outage is; a 401 from the ingress fetches a new token', async () => {
    actAsIbm(undefined, () => ({ status: 400, body: `{"errorMessage":"Provided API key could not be found: ${IBM_KEY}"}` }));
    const refused = await rejection(destination(vendors.ibm(), ibmOptions()).deliver(gzipBatch(records(1), 'ibm-key')), SECRETS);
    assert.deepEqual([refused.code, refused.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
    assert.match(refused.message, /IBM IAM refused the API key; check ibm_api_key/);

    actAsIbm(undefined, () => ({ status: 503, headers: { 'retry-after': '4' } }));
    const down = await rejection(destination(vendors.ibm(), ibmOptions()).deliver(gzipBatch(records(1), 'ibm-down')), SECRETS);
    assert.deepEqual([down.code, down.retryable, down.retryAfterMs], ['ERR_HTTP_UNAVAILABLE', true, 4000]);

    receiver.reset();
    actAsIbm((index) => (index === 0 ? { status: 401, body: `token ${IAM_TOKEN} expired` } : { status: 200 }));
    const ibm = destination(vendors.ibm(), ibmOptions());
    const expired = await rejection(ibm.deliver(gzipBatch(records(1), 'ibm-401')), SECRETS);
    assert.deepEqual([expired.code, expired.retryable], ['ERR_HTTP_UNAUTHORIZED', false]);
    await ibm.deliver(gzipBatch(records(1), 'ibm-after'));
    assert.deepEqual(receiver.requests.map((r) => r.url), ['/identity/token', '/logs/v1/singles', '/identity/token', '/logs/v1/singles']);
  });
});
