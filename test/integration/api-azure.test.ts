// An azure: job through the admin API of a running `sluice run`, as a zone's token holder does
// it: ownership challenge written into the container, job created with its token, batches
// delivered as blobs. The operator allows only 127.0.0.2/32, where a Toxiproxy proxy forwards to
// Azurite; Azurite itself, on 127.0.0.1, is loopback the operator did not open, so an endpoint=
// pointing straight at it is refused by the network guard — job, validation and ownership alike —
// with the one generic message, and nothing reaches it.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { DESTINATION_UNREACHABLE_MESSAGE } from '../../src/destinations/net/unreachable.ts';
import { AZURITE_HOST_PORT, AZURITE_SERVICE_URL, azuriteConf, createContainer, ensureAzurite, getBlobBytes, listBlobNames, uniqueContainer } from '../helpers/azurite.ts';
import { createProxy, deleteProxy, uniqueProxyName, type ToxiProxy } from '../helpers/toxiproxy.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE = 'zone-azure-a';
const TOKEN = 'sluice-azure-token-0123456789abcdef';
const WAIT = { timeoutMs: 30_000 };

describe('azure: jobs through the admin API', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-azure-api-'));
  let sluice: SluiceProcess;
  let api = '';
  let proxy: ToxiProxy;
  let container = '';

  before(async () => {
    await ensureAzurite();
    container = uniqueContainer('sluice-azure-api');
    await createContainer(container);
    proxy = await createProxy(uniqueProxyName('azure-api'), '127.0.0.2:0', AZURITE_HOST_PORT);
    const tokens = join(dir, 'api-tokens.json');
    writeFileSync(tokens, JSON.stringify([{ id: 'azure-a', hash: createHash('sha256').update(TOKEN).digest('hex'), scopes: [{ zone_id: ZONE, access: 'write' }] }]));
    const config = join(dir, 'sluice.yaml');
    writeFileSync(config, stringify({
      data_dir: join(dir, 'data'),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 200, tenants: [ZONE] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokens, rate_per_second: 10_000, rate_burst: 10_000 },
      telemetry: { listen: '127.0.0.1:0' },
      destinations: { allow_networks: ['127.0.0.2/32'] },
    }));
    sluice = new SluiceProcess('azure-api', config);
    await waitUntil(() => /admin API on (http:\/\/\S+)/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { ...WAIT, detail: () => sluice.tail() });
    api = /admin API on (http:\/\/\S+)/.exec(sluice.stdout)?.[1] ?? assert.fail(sluice.tail());
  });

  after(async () => {
    await killAllSluice();
    if (proxy) await deleteProxy(proxy);
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

  const job = (conf: string, challenge?: string): Record<string, unknown> => ({
    name: 'azure', dataset: 'http_requests', destination_conf: conf, enabled: true, compression: 'gzip', max_upload_interval_seconds: 0.2,
    output_options: { field_names: ['RayID'] }, ...(challenge !== undefined ? { ownership_challenge: challenge } : {}),
  });

  it('creates a job after the ownership challenge and delivers its batches as blobs', async () => {
    const conf = azuriteConf(container, 'logs/{DATE}', { serviceUrl: `http://${proxy.listen}/devstoreaccount1` });
    const withoutChallenge = await call('POST', '/jobs', job(conf));
    assert.equal(withoutChallenge.status, 400, JSON.stringify(withoutChallenge.json));

    const ownership = await call('POST', '/ownership', { destination_conf: conf });
    assert.equal(ownership.status, 200, JSON.stringify(ownership.json));
    assert.equal(ownership.json.result.filename, `${container}/logs/ownership-challenge.txt`);
    const token = (await getBlobBytes(container, 'logs/ownership-challenge.txt')).toString();

    const validated = await call('POST', '/validate/destination', { destination_conf: conf });
    assert.deepEqual([validated.status, validated.json.result.valid], [200, true], JSON.stringify(validated.json));

    const created = await call('POST', '/jobs', job(conf, token));
    assert.equal(created.status, 200, JSON.stringify(created.json));
    // The SAS signature never comes back.
    assert.match(created.json.result.destination_conf, /sig=REDACTED/);
    const id = created.json.result.id as number;
    await waitUntil(async () => (await listBlobNames(container, 'logs/')).some((name) => /\/\d{8}T\d{6}Z_\d{8}T\d{6}Z_[0-9a-f]+\.log\.gz$/.test(name)), 'a delivered blob', { ...WAIT, detail: () => sluice.tail() });
    const health = (await call('GET', `/jobs/${id}`)).json.result;
    assert.equal(health.error_message, null, JSON.stringify(health));
  });

  it('refuses an endpoint on loopback the operator did not allow, with the generic message, and sends it nothing', async () => {
    const conf = azuriteConf(container, 'refused', { serviceUrl: AZURITE_SERVICE_URL });
    const unreachable = [{ code: 1004, message: `$.destination_conf: ${DESTINATION_UNREACHABLE_MESSAGE}` }];
    const ownership = await call('POST', '/ownership', { destination_conf: conf });
    assert.deepEqual([ownership.status, ownership.json.errors], [400, unreachable]);
    const created = await call('POST', '/jobs', job(conf, '1999999999.' + 'A'.repeat(43)));
    assert.deepEqual([created.status, created.json.errors], [400, unreachable]);
    const validated = await call('POST', '/validate/destination', { destination_conf: conf });
    assert.deepEqual([validated.json.result.valid, validated.json.result.message], [false, `destination_conf ${DESTINATION_UNREACHABLE_MESSAGE}`]);
    assert.deepEqual(await listBlobNames(container, 'refused'), []);
  });
});
