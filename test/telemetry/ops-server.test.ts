// The ops listener: /healthz always 200, /readyz 200 only when every check passes (else 503
// with the failing checks in JSON), /metrics in the Prometheus text format.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { METRICS_CONTENT_TYPE, SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { startOpsServer, type OpsServer } from '../../src/telemetry/ops-server.ts';
import { Readiness } from '../../src/telemetry/readiness.ts';

describe('ops server', () => {
  const readiness = new Readiness();
  const metrics = new SluiceMetrics({ defaultMetrics: false });
  let ops: OpsServer;
  let poolAlive = false;

  before(async () => {
    readiness.set('worker_pool', () => (poolAlive ? null : 'the worker pool is not running'));
    readiness.set('sources', () => null);
    ops = await startOpsServer({ listen: '127.0.0.1:0', metrics, readiness });
  });
  after(() => ops.close());

  it('is healthy while up', async () => {
    const response = await fetch(`${ops.url}/healthz`);
    assert.equal(response.status, 200);
  });

  it('says which readiness check fails, then turns ready', async () => {
    const notReady = await fetch(`${ops.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(await notReady.json(), { ready: false, checks: { worker_pool: { ok: false, reason: 'the worker pool is not running' }, sources: { ok: true } } });
    poolAlive = true;
    const isReady = await fetch(`${ops.url}/readyz`);
    assert.equal(isReady.status, 200);
    assert.deepEqual(await isReady.json(), { ready: true, checks: { worker_pool: { ok: true }, sources: { ok: true } } });
  });

  it('reports a check that throws as failing', async () => {
    const local = new Readiness();
    local.set('job_store', () => { throw new Error('boom'); });
    assert.deepEqual(local.report(), { ready: false, checks: { job_store: { ok: false, reason: 'check failed: boom' } } });
    assert.equal(new Readiness().report().ready, false, 'no checks registered yet means not ready');
  });

  it('serves metrics in the text format', async () => {
    metrics.deliveryRetried('s3', 'ERR_S3_SLOW_DOWN');
    metrics.deliveryRetried('ftp', 'ECONNRESET');
    const response = await fetch(`${ops.url}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), METRICS_CONTENT_TYPE);
    const text = await response.text();
    assert.match(text, /^sluice_destination_retries_total\{destination_type="s3",error_code="ERR_S3_SLOW_DOWN"\} 1$/m);
    // Unknown kinds and non-ERR_ codes are folded into bounded values.
    assert.match(text, /^sluice_destination_retries_total\{destination_type="other",error_code="ERR_OTHER"\} 1$/m);
  });

  it('refuses other paths and methods', async () => {
    assert.equal((await fetch(`${ops.url}/jobs`)).status, 404);
    assert.equal((await fetch(`${ops.url}/metrics`, { method: 'POST' })).status, 405);
  });

  it('fails to start on a taken port with a typed error', async () => {
    const port = new URL(ops.url).port;
    await assert.rejects(startOpsServer({ listen: `127.0.0.1:${port}`, metrics, readiness }), { code: 'ERR_TELEMETRY_LISTEN' });
  });
});
