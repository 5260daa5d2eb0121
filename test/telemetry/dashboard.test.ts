// The Grafana dashboard and the Prometheus alert rules may only use metrics sluice exports:
// every metric name in their PromQL must be declared in the /metrics output of a running
// service (histogram series by their _bucket/_sum/_count names); docs/metrics.md lists exactly
// the sluice_* metrics that output declares. The same run checks /healthz
// and that /readyz turns 200 once the sources run.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runService, type ServiceOutcome } from '../../src/service.ts';
import { GeneratorSource } from '../../src/sources/generator.ts';
import { createLogger } from '../../src/shared/log.ts';
import { metricNames } from './promql.ts';
import { declaredNames, parseSamples, valueOf, waitFor } from './support.ts';

const root = new URL('../../', import.meta.url);
/** Series Prometheus makes itself, not exported by sluice. */
const PROMETHEUS_OWN = new Set(['up']);

function dashboardExprs(): string[] {
  const dashboard = JSON.parse(readFileSync(new URL('deploy/grafana/sluice-dashboard.json', root), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }>; templating: { list: Array<{ query?: unknown }> } };
  const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
  for (const variable of dashboard.templating.list) {
    const match = typeof variable.query === 'string' ? /label_values\((\w+)/.exec(variable.query) : null;
    if (match) exprs.push(match[1]!);
  }
  return exprs;
}

function alertExprs(): string[] {
  const rules = YAML.parse(readFileSync(new URL('deploy/prometheus/alerts.yaml', root), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

describe('dashboard and alert rules against a running service', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-'));
  const source = new GeneratorSource({ dataset: 'http_requests', rate: 2000, seed: 3, tenants: DEFAULT_TENANTS.slice(0, 2) });
  let running: Promise<ServiceOutcome>;
  let url = '';
  let exposition = '';
  let ready: { status: number; body: unknown };
  let health: number;

  before(async () => {
    const config = parseConfig({
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator' }],
      telemetry: { listen: '127.0.0.1:0' },
      jobs: [{ id: 1, zone_id: DEFAULT_TENANTS[0], dataset: 'http_requests', destination_conf: `${pathToFileURL(join(dir, 'out')).href}/{DATE}`, max_upload_interval_seconds: 0.2 }],
    }, 'dashboard test');
    running = runService({ config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false, onTelemetryListening: (u) => (url = u) });
    running.catch(() => {});
    await waitFor('the ops listener', () => (url === '' ? undefined : url));
    health = (await fetch(`${url}/healthz`)).status;
    ready = await waitFor('/readyz 200', async () => {
      const response = await fetch(`${url}/readyz`);
      const body = await response.json();
      return response.status === 200 ? { status: response.status, body } : undefined;
    });
    // Scrape once a batch was uploaded, so the histograms have series too.
    exposition = await waitFor('an upload', async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return valueOf(parseSamples(text), 'sluice_destination_upload_duration_seconds_count') > 0 ? text : undefined;
    });
  });

  after(async () => {
    source.stop();
    await running;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz while running', () => {
    assert.equal(health, 200);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { ready: true, checks: { job_store: { ok: true }, worker_pool: { ok: true }, sources: { ok: true } } });
  });

  it('extracts metric names from PromQL', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.99, sum by (le, destination_type) (rate(a_bucket{outcome="success", x=~"or"}[5m]))) / on(instance) b and up == 0'),
      ['a_bucket', 'b', 'up'],
    );
  });

  it('documents in docs/metrics.md exactly the sluice_* metrics /metrics exports', () => {
    const table = readFileSync(new URL('docs/metrics.md', root), 'utf8').split('## Metrics')[1]!.split('\n## ')[0]!;
    const documented = new Set([...table.matchAll(/^\| `(sluice_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
    const exported = new Set([...declaredNames(exposition)].filter((name) => name.startsWith('sluice_')));
    assert.deepEqual([...exported].filter((name) => !documented.has(name)).sort(), [], 'exported but not documented');
    assert.deepEqual([...documented].filter((name) => !exported.has(name)).sort(), [], 'documented but not exported');
  });

  for (const [what, exprs] of [['dashboard', dashboardExprs()], ['alert rules', alertExprs()]] as const) {
    it(`uses only metrics that /metrics exports (${what})`, () => {
      const declared = declaredNames(exposition);
      const used = new Set(exprs.flatMap(metricNames));
      assert.ok(used.size >= 5, `found only ${[...used].join(', ')}`);
      const missing = [...used].filter((name) => !PROMETHEUS_OWN.has(name) && !declared.has(name) && !declared.has(name.replace(/_(bucket|sum|count)$/, '')));
      assert.deepEqual(missing, []);
    });
  }
});
