// No Grafana panel draws two units on one axis: bytes next to records, or a 0..1 ratio next to a
// queue length, put one series on a scale that makes the other unreadable. A target's unit is
// derived from its metric names' suffixes (docs/metrics.md: sluice_<component>_<what>_<unit>);
// a target moved to the right axis by a byFrameRefID override (with its own unit) is a second
// axis. Static: reads the dashboard JSON only.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { metricNames } from './promql.ts';

interface Override {
  matcher: { id: string; options?: unknown };
  properties: Array<{ id: string; value?: unknown }>;
}

interface Panel {
  id: number;
  title: string;
  targets?: Array<{ refId: string; expr: string }>;
  fieldConfig?: { overrides?: Override[] };
}

/** The unit suffixes of docs/metrics.md, plus the things sluice counts as units. */
const UNITS = new Set(['records', 'bytes', 'seconds', 'tasks', 'ratio', 'partitions', 'threads', 'topics']);

/**
 * A metric's unit from its name: the last word that is a unit (`_buffered_bytes_budget` is
 * bytes); a histogram's _count counts observations; a name without a unit is a plain count.
 */
export function unitOf(metric: string): string {
  if (metric.endsWith('_count')) return 'count';
  const words = metric.replace(/_(?:total|bucket|sum)$/, '').split('_');
  return words.findLast((word) => UNITS.has(word)) ?? 'count';
}

/** A target's unit: its metrics' units, or several joined when it combines different ones. */
function targetUnit(expr: string): string {
  return [...new Set(metricNames(expr).map(unitOf))].sort().join('+');
}

/** Panels whose targets on one axis derive different units, described for the assertion message. */
export function mixedUnitPanels(panels: readonly Panel[]): string[] {
  const mixed: string[] = [];
  for (const panel of panels) {
    const axes = new Map<string, Set<string>>();
    for (const target of panel.targets ?? []) {
      const override = panel.fieldConfig?.overrides?.find((o) => o.matcher.id === 'byFrameRefID' && o.matcher.options === target.refId);
      const right = override?.properties.some((p) => p.id === 'custom.axisPlacement' && p.value === 'right') === true;
      // A right axis without its own unit would be labelled with the panel's unit.
      if (right && !override!.properties.some((p) => p.id === 'unit')) mixed.push(`${panel.id} "${panel.title}": target ${target.refId} is on the right axis without a unit`);
      const axis = right ? 'right' : 'left';
      if (!axes.has(axis)) axes.set(axis, new Set());
      axes.get(axis)!.add(targetUnit(target.expr));
    }
    for (const [axis, units] of axes) if (units.size > 1) mixed.push(`${panel.id} "${panel.title}": ${[...units].sort().join(' and ')} on the ${axis} axis`);
  }
  return mixed;
}

describe('dashboard units', () => {
  it('derives units from metric name suffixes', () => {
    assert.equal(unitOf('sluice_source_received_records_total'), 'records');
    assert.equal(unitOf('sluice_batcher_batch_bytes_bucket'), 'bytes');
    assert.equal(unitOf('sluice_destination_upload_duration_seconds_count'), 'count');
    assert.equal(unitOf('nodejs_eventloop_lag_p99_seconds'), 'seconds');
    assert.equal(unitOf('sluice_worker_pool_utilization_ratio'), 'ratio');
    assert.equal(unitOf('sluice_destination_retries_total'), 'count');
    assert.equal(unitOf('sluice_jobs'), 'count');
    assert.equal(unitOf('sluice_pipeline_buffered_bytes_budget'), 'bytes');
  });

  it('finds a panel that mixes units on one axis, and accepts the second one on its own axis', () => {
    const targets = [{ refId: 'A', expr: 'rate(sluice_source_received_records_total[5m])' }, { refId: 'B', expr: 'rate(sluice_source_received_bytes_total[5m])' }];
    assert.deepEqual(mixedUnitPanels([{ id: 1, title: 'in', targets }]), ['1 "in": bytes and records on the left axis']);
    const rightAxis: Override = { matcher: { id: 'byFrameRefID', options: 'B' }, properties: [{ id: 'unit', value: 'Bps' }, { id: 'custom.axisPlacement', value: 'right' }] };
    assert.deepEqual(mixedUnitPanels([{ id: 1, title: 'in', targets, fieldConfig: { overrides: [rightAxis] } }]), []);
  });

  it('deploy/grafana/sluice-dashboard.json has no panel mixing units on one axis', () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/sluice-dashboard.json', import.meta.url), 'utf8')) as { panels: Panel[] };
    assert.ok(dashboard.panels.length >= 10);
    assert.deepEqual(mixedUnitPanels(dashboard.panels), []);
  });
});
