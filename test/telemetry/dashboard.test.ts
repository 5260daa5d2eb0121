// The Grafana dashboard and the Prometheus alert rules may only use metrics sluice exports:
// every metric name in their PromQL must be declared in the /metrics output of a running
// service (histogram series by their _bucket/_sum/_count names), and every label they name (in
// matchers, by (…), on (…), group_left (…), a legend's {{label}}, an annotation's
// {{ $labels.x }}) must be one those series carry (promql-labels.ts); docs/metrics.md lists
// exactly the sluice_* metrics that output declares. The same run checks /healthz and that
// /readyz turns 200 once the sources run. (Syntax: promtool-checks.test.ts.)

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
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { dashboardQueries } from './grafana-queries.ts';
import { metricNames } from './promql.ts';
import { checkLabels, resultLabelProblems, type LabelsOf } from './promql-labels.ts';
import { declaredNames, parseSamples, valueOf, waitFor } from './support.ts';

const root = new URL('../../', import.meta.url);
/** Series Prometheus makes itself, not exported by sluice. */
const PROMETHEUS_OWN = new Set(['up']);

interface AlertRule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}

function alertRules(): AlertRule[] {
  const rules = YAML.parse(readFileSync(new URL('deploy/prometheus/alerts.yaml', root), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return rules.groups.flatMap((group) => group.rules);
}

/** The labels an alert's annotations print ({{ $labels.instance }}): its expression must keep them. */
function templateLabels(rule: AlertRule): string[] {
  return Object.values(rule.annotations ?? {}).flatMap((text) => [...text.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]!));
}

/**
 * The label names each series name of a scrape carries (Prometheus's own `up`: only target
 * labels). A metric the scrape declares without a series in this run (the Kafka source's: only
 * the generator runs here) has the label names sluice declares it with.
 */
function scrapedLabels(exposition: string): LabelsOf {
  const labels = new Map<string, Set<string>>([...PROMETHEUS_OWN].map((name) => [name, new Set<string>()]));
  for (const sample of parseSamples(exposition)) {
    if (!labels.has(sample.name)) labels.set(sample.name, new Set());
    for (const label of Object.keys(sample.labels)) labels.get(sample.name)!.add(label);
  }
  const declared = declaredNames(exposition);
  const definitions = new SluiceMetrics({ defaultMetrics: false }).registry;
  return (name) => {
    const scraped = labels.get(name);
    if (scraped) return scraped;
    const base = declared.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    const metric = declared.has(base) ? definitions.getSingleMetric(base) : undefined;
    if (!metric) return undefined;
    const names = (metric as unknown as { labelNames?: string[] }).labelNames ?? [];
    return new Set(name.endsWith('_bucket') && base !== name ? [...names, 'le'] : names);
  };
}

describe('label check', () => {
  const labels: Record<string, string[]> = { a_total: ['dataset', 'reason'], h_bucket: ['le', 'destination_type'], b: ['topic'] };
  const labelsOf: LabelsOf = (metric) => (labels[metric] ? new Set(labels[metric]) : undefined);

  it('follows labels through aggregations, functions and operators', () => {
    const { problems, result } = checkLabels('histogram_quantile(0.9, sum by (le, destination_type) (rate(h_bucket[5m]))) > on (destination_type) group_left (instance) sum by (destination_type, instance) (rate(h_bucket[5m]))', labelsOf);
    assert.deepEqual(problems, []);
    assert.deepEqual([...result!].sort(), ['destination_type', 'instance']);
    assert.deepEqual([...checkLabels('(sum by (instance, topic) (b) > 0) and sum by (instance) (b) > 1', labelsOf).result!].sort(), ['instance', 'topic']);
  });

  it('finds a label no series has, in a matcher, by (…), on (…), histogram_quantile and a legend', () => {
    const cases: Array<[string, RegExp]> = [
      ['a_total{zone="z"}', /a_total\{zone="z"\}: no series has label zone/],
      ['sum by (topic) (rate(a_total[5m]))', /sum by \(topic\): no series has label topic \(it has dataset, instance, job, reason\)/],
      ['sum by (dataset) (a_total) / on (topic) sum by (dataset) (a_total)', /on \(topic\), left side: no series has label topic/],
      ['histogram_quantile(0.9, sum by (destination_type) (rate(h_bucket[5m])))', /histogram_quantile\(…\): no series has label le/],
      ['sum by (dataset) (sum by (reason) (a_total))', /sum by \(dataset\): no series has label dataset \(it has reason\)/],
    ];
    for (const [expr, problem] of cases) {
      const { problems } = checkLabels(expr, labelsOf);
      assert.ok(problems.some((p) => problem.test(p)), `${expr}: expected ${problem}, got ${JSON.stringify(problems)}`);
    }
    assert.deepEqual(resultLabelProblems(['topic'], checkLabels('sum by (dataset) (a_total)', labelsOf).result), ['the result has no label topic (it has dataset)']);
  });
});

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

  for (const [what, exprs] of [['dashboard', dashboardQueries().map((q) => q.expr)], ['alert rules', alertRules().map((rule) => rule.expr)]] as const) {
    it(`uses only metrics that /metrics exports (${what})`, () => {
      const declared = declaredNames(exposition);
      const used = new Set(exprs.flatMap(metricNames));
      assert.ok(used.size >= 5, `found only ${[...used].join(', ')}`);
      const missing = [...used].filter((name) => !PROMETHEUS_OWN.has(name) && !declared.has(name) && !declared.has(name.replace(/_(bucket|sum|count)$/, '')));
      assert.deepEqual(missing, []);
    });
  }

  const queries = [
    ...dashboardQueries().map((q) => ({ where: `dashboard ${q.where}`, expr: q.expr, resultLabels: q.resultLabels })),
    ...alertRules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr, resultLabels: templateLabels(rule) })),
  ];

  it('uses only labels the series have: matchers, by (…), on (…), legends, $labels in alert templates', () => {
    const labelsOf = scrapedLabels(exposition);
    const unknown = [...new Set(queries.flatMap((q) => metricNames(q.expr)))].filter((name) => labelsOf(name) === undefined);
    assert.deepEqual(unknown, [], 'metrics whose labels are not known (so not checked)');
    const problems = queries.flatMap(({ where, expr, resultLabels }) => {
      const { problems, result } = checkLabels(expr, labelsOf);
      return [...problems, ...resultLabelProblems(resultLabels, result)].map((problem) => `${where}: ${problem}`);
    });
    assert.deepEqual(problems, []);
  });
});
