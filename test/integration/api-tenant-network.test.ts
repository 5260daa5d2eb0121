// Issue 9, the network half of docs/architecture.md invariant 8, against a running `sluice run`: a token
// scoped to one zone must not make sluice send anything to loopback, private, link-local or
// metadata addresses, and the answers must not tell an open port from a closed one. Every
// refusal — job create (HTTP, Splunk, Datadog, Sumo Logic, SentinelOne, New Relic, IBM Cloud
// Logs, S3 endpoint=), validate/destination and the ownership challenge, to open and closed
// ports — reads exactly the same.
//
// The operator allows only 127.0.0.2/32: a receiver there gets deliveries, and a 302 from it
// to 127.0.0.1 is not followed. No traffic ever leaves loopback: 10.0.0.1 and 169.254.169.254
// are refused before a socket exists (test/destinations/net/guarded-connect.test.ts proves
// that with a fake connector, so a regression fails there rather than sending packets).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { DESTINATION_UNREACHABLE_MESSAGE } from '../../src/destinations/net/unreachable.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE = 'zone-net-a';
const TOKEN = 'sluice-net-token-0123456789abcdef';
const WAIT = { timeoutMs: 30_000 };
const CHANNEL = '0e7b4c4e-1f2a-4b3c-9d8e-123456789abc';
const KEYS = 'access-key-id=AKIAEXAMPLE&secret-access-key=not-a-real-secret-0123';

interface Hit {
  method: string;
  url: string;
  bytes: number;
}

/** An HTTP server that records every request it gets; `answer` decides the reply. */
async function recorder(host: string, answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string> }): Promise<{ server: Server; port: number; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', bytes });
      const { status, headers } = answer(req);
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end('internal service body: admin secrets live here\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('a tenant cannot reach loopback, private or metadata addresses', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-net-it-'));
  let sluice: SluiceProcess;
  let api = '';
  let metricsPort = 0;
  let closed = 0;
  let inside: Awaited<ReturnType<typeof recorder>>; // on 127.0.0.1: must never get a request
  let allowed: Awaited<ReturnType<typeof recorder>>; // on 127.0.0.2: the operator allows it

  before(async () => {
    inside = await recorder('127.0.0.1', () => ({ status: 404 }));
    allowed = await recorder('127.0.0.2', (req) =>
      req.url?.startsWith('/redirect') ? { status: 302, headers: { location: `http://127.0.0.1:${inside.port}/` } }
        : req.url?.startsWith('/reject') ? { status: 400 } : { status: 200 });
    closed = await closedPort();
    const tokens = join(dir, 'api-tokens.json');
    writeFileSync(tokens, JSON.stringify([{ id: 'net-a', hash: createHash('sha256').update(TOKEN).digest('hex'), scopes: [{ zone_id: ZONE, access: 'write' }] }]));
    const config = join(dir, 'sluice.yaml');
    writeFileSync(config, stringify({
      data_dir: join(dir, 'data'),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 200, tenants: [ZONE] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokens, rate_per_second: 10_000, rate_burst: 10_000 },
      telemetry: { listen: '127.0.0.1:0' },
      destinations: { allow_networks: ['127.0.0.2/32'] },
      // Seeded into the store without the API's check: delivery itself must refuse it.
      jobs: [{ name: 'seeded', zone_id: ZONE, dataset: 'http_requests', destination_conf: `http://127.0.0.1:${inside.port}/seeded`, max_upload_interval_seconds: 0.2, output_options: { field_names: ['RayID'] } }],
    }));
    sluice = new SluiceProcess('net', config);
    await waitUntil(() => /admin API on (http:\/\/\S+)/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { ...WAIT, detail: () => sluice.tail() });
    api = /admin API on (http:\/\/\S+)/.exec(sluice.stdout)?.[1] ?? assert.fail(sluice.tail());
    metricsPort = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(sluice.stdout)?.[1] ?? assert.fail(sluice.tail()));
  });

  after(async () => {
    await killAllSluice();
    await Promise.all([inside, allowed].map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))));
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${api}/zones/${ZONE}/logpush${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: await response.json() };
  }

  const job = (conf: string, name = 'net'): Record<string, unknown> => ({
    name, enabled: true, dataset: 'http_requests', destination_conf: conf, compression: 'gzip', max_upload_interval_seconds: 0.2, output_options: { field_names: ['RayID'] },
  });

  /** Every kind of destination at host:port; plain http only where the clear-text rule allows it (loopback). */
  function confs(host: string, port: number): string[] {
    const loopback = host !== '10.0.0.1' && host !== '169.254.169.254';
    const endpoint = encodeURIComponent(`http://${host}:${port}`);
    return [
      ...(loopback ? [`http://${host}:${port}/metrics`] : []),
      `https://${host}:${port}/ingest?header_Authorization=Bearer%20x`,
      `splunk://${host}:${port}/services/collector/raw?channel=${CHANNEL}&header_Authorization=Splunk%20x`,
      `datadog://${host}:${port}/api/v2/logs?header_DD-API-KEY=x`,
      `sumo://${host}:${port}/receiver/v1/http/ZaVnC4dhaV3ZkfnJlWiwO2WB3MqV==`,
      `sentinelone://${host}:${port}/services/collector/raw?header_Authorization=Bearer%20x`,
      `https://${host}:${port}/log/v1?Api-Key=x&format=cloudflare`,
      `ibmcl://${host}:${port}/logs/v1/singles?ibm_api_key=x`,
      `s3://bucket-net/logs/{DATE}?region=us-east-1&endpoint=${endpoint}&${KEYS}`,
    ];
  }

  it('refuses every such destination with one message, open port or closed', async () => {
    const hosts = ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '10.0.0.1', '169.254.169.254', 'localhost'];
    const ports = [metricsPort, inside.port, closed];
    const createErrors = new Set<string>();
    const validateMessages = new Set<string>();
    let cases = 0;
    for (const host of hosts) {
      for (const port of ports) {
        for (const conf of confs(host, port)) {
          cases++;
          const created = await call('POST', '/jobs', job(conf));
          assert.equal(created.status, 400, `${conf}: ${JSON.stringify(created.json)}`);
          createErrors.add(JSON.stringify(created.json.errors));
          const validated = await call('POST', '/validate/destination', { destination_conf: conf });
          assert.equal(validated.status, 200, `${conf}: ${JSON.stringify(validated.json)}`);
          assert.equal(validated.json.result.valid, false, conf);
          validateMessages.add(validated.json.result.message);
        }
      }
    }
    assert.ok(cases > 80, `only ${cases} cases`);
    assert.deepEqual([...createErrors], [JSON.stringify([{ code: 1004, message: `$.destination_conf: ${DESTINATION_UNREACHABLE_MESSAGE}` }])]);
    assert.deepEqual([...validateMessages], [`destination_conf ${DESTINATION_UNREACHABLE_MESSAGE}`]);

    const ownership = await call('POST', '/ownership', { destination_conf: `s3://bucket-net/logs?endpoint=${encodeURIComponent(`http://127.0.0.1:${metricsPort}`)}&${KEYS}` });
    assert.deepEqual([ownership.status, ownership.json.errors], [400, [{ code: 1004, message: `$.destination_conf: ${DESTINATION_UNREACHABLE_MESSAGE}` }]]);

    assert.deepEqual(inside.hits, [], 'a refused destination received a request');
    const jobs = await call('GET', '/jobs');
    assert.deepEqual(jobs.json.result.map((j: { name: string }) => j.name), ['seeded'], 'a refused job was stored');
  });

  it('refuses at delivery a loopback job that did not come through the API, with the same message', async () => {
    const seeded = (await call('GET', '/jobs')).json.result.find((j: { name: string }) => j.name === 'seeded');
    await waitUntil(async () => (await call('GET', `/jobs/${seeded.id}`)).json.result.error_message !== null, 'the seeded job to fail', { ...WAIT, detail: () => sluice.tail() });
    assert.equal((await call('GET', `/jobs/${seeded.id}`)).json.result.error_message, DESTINATION_UNREACHABLE_MESSAGE);
    assert.deepEqual(inside.hits, []);
    // The operator's log says what was refused.
    assert.ok(sluice.logs.some((line) => /is a loopback address/.test(String(line['detail'] ?? ''))), sluice.tail());
  });

  it('delivers to a network the operator allows, and does not follow its redirect to loopback', async () => {
    const delivering = await call('POST', '/jobs', job(`http://127.0.0.2:${allowed.port}/ingest?header_Authorization=Bearer%20x`, 'allowed'));
    assert.equal(delivering.status, 200, JSON.stringify(delivering.json));
    await waitUntil(() => allowed.hits.some((hit) => hit.url.startsWith('/ingest') && hit.bytes > 0), 'a delivery to 127.0.0.2', { ...WAIT, detail: () => sluice.tail() });

    const validated = await call('POST', '/validate/destination', { destination_conf: `http://127.0.0.2:${allowed.port}/redirect/validate` });
    assert.equal(validated.json.result.valid, false);
    assert.match(validated.json.result.message, /redirect/);

    const redirected = await call('POST', '/jobs', job(`http://127.0.0.2:${allowed.port}/redirect/job`, 'redirected'));
    assert.equal(redirected.status, 200, JSON.stringify(redirected.json));
    const id = redirected.json.result.id as number;
    await waitUntil(async () => ((await call('GET', `/jobs/${id}`)).json.result.error_message ?? '') !== '', 'the redirect to show in error_message', { ...WAIT, detail: () => sluice.tail() });
    const { error_message: errorMessage } = (await call('GET', `/jobs/${id}`)).json.result;
    assert.match(errorMessage, /HTTP 302 redirect; set destination_conf to the final URL \(redirects are not followed\)/);
    assert.ok(!errorMessage.includes('internal service body'), errorMessage);
    assert.ok(allowed.hits.some((hit) => hit.url === '/redirect/job'));
    assert.deepEqual(inside.hits, [], 'the redirect was followed to 127.0.0.1');
  });

  it('does not quote the bodies of servers on networks the operator opened', async () => {
    const rejected = await call('POST', '/validate/destination', { destination_conf: `http://127.0.0.2:${allowed.port}/reject` });
    assert.equal(rejected.json.result.valid, false);
    assert.match(rejected.json.result.message, /HTTP 400$/);
  });
});
