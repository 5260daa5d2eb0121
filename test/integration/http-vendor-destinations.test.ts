// Every HTTP-based vendor destination Logpush documents, created through the admin API of a
// running `sluice run` exactly as the documentation writes the job (Sumo Logic, New Relic,
// SentinelOne, Elastic, IBM QRadar), delivers to a receiver on loopback that the operator's
// allow-list permits. The receivers speak HTTPS with a certificate from a test CA the sluice
// process trusts (NODE_EXTRA_CA_CERTS): vendor schemes always use TLS, as in production.
// Sumo Logic needs an ownership challenge first; its token arrives at the receiver.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { createTestCa } from '../api/tls-certs.ts';
import { HttpReceiver } from '../helpers/http-receiver.ts';
import { LOOPBACK_DESTINATIONS } from '../helpers/network.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE = 'zone-vendors';
// Logpush allows 4 jobs per dataset and zone: the five vendors need two zones.
const ZONE_B = 'zone-vendors-b';
const TOKEN = 'sluice-vendor-token-0123456789abcdef';
const WAIT = { timeoutMs: 30_000 };
const SUMO_CODE = 'ZaVnC4dhaV3ZkfnJlWiwO2WB3MqVgOSdv7GbmTz6ojjMd_7yl7TNkQBIf8wXy8FPqWgcYQ==';
const NR_KEY = 'eu01xx0123456789abcdef0123456789NRAL';
const S1_TOKEN = 'sentinelone-token-0e6d94e8c-5792-4ad1';
const ELASTIC_SECRET = 'elastic-shared-secret-0123456789';
const VENDORS = ['sumo', 'newrelic', 'sentinelone', 'elastic', 'qradar'] as const;
type Vendor = (typeof VENDORS)[number];
const zoneOf = (vendor: Vendor): string => (vendor === 'elastic' || vendor === 'qradar' ? ZONE_B : ZONE);

/** The destination_conf of each vendor, in the documentation's form, at a loopback port. */
function conf(vendor: Vendor, port: number): string {
  switch (vendor) {
    case 'sumo': return `sumo://127.0.0.1:${port}/receiver/v1/http/${SUMO_CODE}`;
    case 'newrelic': return `https://127.0.0.1:${port}/log/v1?Api-Key=${NR_KEY}&format=cloudflare`;
    case 'sentinelone': return `sentinelone://127.0.0.1:${port}/services/collector/raw?sourcetype=marketplace-cloudflare-latest&header_Authorization=Bearer%20${S1_TOKEN}`;
    case 'elastic': return `https://127.0.0.1:${port}?header_X-Elastic-Secret=${ELASTIC_SECRET}`;
    case 'qradar': return `https://127.0.0.1:${port}`;
  }
}

describe('vendor HTTP destinations created through the API deliver to loopback receivers', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-vendors-it-'));
  const receivers = new Map<Vendor, { receiver: HttpReceiver; port: number }>();
  let sluice: SluiceProcess;
  let api = '';

  before(async () => {
    const ca = createTestCa(dir);
    const { certFile, keyFile } = ca.issue('receiver');
    for (const vendor of VENDORS) {
      const receiver = new HttpReceiver({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
      receivers.set(vendor, { receiver, port: await receiver.start() });
    }
    const tokens = join(dir, 'api-tokens.json');
    writeFileSync(tokens, JSON.stringify([{ id: 'vendors', hash: createHash('sha256').update(TOKEN).digest('hex'), scopes: [{ zone_id: ZONE, access: 'write' }, { zone_id: ZONE_B, access: 'write' }] }]));
    const config = join(dir, 'sluice.yaml');
    writeFileSync(config, stringify({
      data_dir: join(dir, 'data'),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 200, tenants: [ZONE, ZONE_B] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokens, rate_per_second: 10_000, rate_burst: 10_000 },
      destinations: LOOPBACK_DESTINATIONS,
    }));
    sluice = new SluiceProcess('vendors', config, { NODE_EXTRA_CA_CERTS: ca.caFile });
    await waitUntil(() => /admin API on (http:\/\/\S+)/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { ...WAIT, detail: () => sluice.tail() });
    api = /admin API on (http:\/\/\S+)/.exec(sluice.stdout)?.[1] ?? assert.fail(sluice.tail());
  });

  after(async () => {
    await killAllSluice();
    await Promise.all([...receivers.values()].map(({ receiver }) => receiver.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown, zone = ZONE): Promise<{ status: number; json: any }> {
    const response = await fetch(`${api}/zones/${zone}/logpush${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: await response.json() };
  }

  it('creates one job per vendor and each receiver gets its records, shaped as the vendor wants', async () => {
    const sumo = receivers.get('sumo')!;
    const sumoConf = conf('sumo', sumo.port);
    const refused = await call('POST', '/jobs', { dataset: 'http_requests', destination_conf: sumoConf, enabled: true });
    assert.equal(refused.status, 400, 'Sumo Logic needs an ownership challenge');
    const challenge = await call('POST', '/ownership', { destination_conf: sumoConf });
    assert.equal(challenge.status, 200, JSON.stringify(challenge.json));
    assert.equal(sumo.receiver.requests.length, 1);
    const ownershipToken = sumo.receiver.requests[0]!.text.trim();

    const ids = new Map<Vendor, number>();
    for (const vendor of VENDORS) {
      const created = await call('POST', '/jobs', {
        name: vendor,
        dataset: 'http_requests',
        destination_conf: conf(vendor, receivers.get(vendor)!.port),
        enabled: true,
        max_upload_interval_seconds: 0.2,
        output_options: { field_names: ['RayID', 'EdgeStartTimestamp'], timestamp_format: 'unix' },
        ...(vendor === 'sumo' ? { ownership_challenge: ownershipToken } : {}),
      }, zoneOf(vendor));
      assert.equal(created.status, 200, `${vendor}: ${JSON.stringify(created.json)}`);
      for (const secret of [SUMO_CODE, NR_KEY, S1_TOKEN, ELASTIC_SECRET]) assert.ok(!JSON.stringify(created.json).includes(secret), `${vendor} answer shows a secret`);
      ids.set(vendor, created.json.result.id);
    }

    for (const vendor of VENDORS) {
      const { receiver } = receivers.get(vendor)!;
      await waitUntil(() => receiver.requests.some((r) => r.text.includes('"RayID"')), `a delivery to the ${vendor} receiver`, { ...WAIT, detail: () => sluice.tail() });
    }
    const delivered = (vendor: Vendor) => receivers.get(vendor)!.receiver.requests.filter((r) => r.text.includes('"RayID"'));
    for (const vendor of VENDORS) {
      for (const request of delivered(vendor)) {
        assert.equal(request.method, 'POST');
        assert.equal(request.headers['content-encoding'], 'gzip');
        for (const line of request.text.trimEnd().split('\n')) assert.ok(typeof JSON.parse(line).RayID === 'string', `${vendor}: ${line}`);
      }
    }
    assert.ok(delivered('sumo').every((r) => r.url === `/receiver/v1/http/${SUMO_CODE}`));
    assert.ok(delivered('newrelic').every((r) => r.url === '/log/v1?format=cloudflare' && r.headers['api-key'] === NR_KEY && r.headers['content-type'] === 'application/json'));
    assert.ok(delivered('sentinelone').every((r) => r.url === '/services/collector/raw?sourcetype=marketplace-cloudflare-latest' && r.headers.authorization === `Bearer ${S1_TOKEN}`));
    assert.ok(delivered('elastic').every((r) => r.url === '/' && r.headers['x-elastic-secret'] === ELASTIC_SECRET));
    assert.ok(delivered('qradar').every((r) => r.url === '/'));

    // The jobs read back with their credentials redacted; none failed.
    for (const [vendor, id] of ids) {
      const job = await call('GET', `/jobs/${id}`, undefined, zoneOf(vendor));
      assert.equal(job.json.result.error_message, null, `${vendor}: ${job.json.result.error_message}`);
    }
    for (const secret of [SUMO_CODE, NR_KEY, S1_TOKEN, ELASTIC_SECRET]) {
      assert.ok(!sluice.stdout.includes(secret) && !sluice.logs.some((line) => JSON.stringify(line).includes(secret)), 'a secret reached the log');
    }
  });
});
