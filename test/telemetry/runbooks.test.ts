// Every alert of deploy/prometheus/alerts.yaml sends the on-call engineer to its own section of
// docs/runbook.md, and that section says what the alert means, how to check and what to do. The
// PrometheusRules of deploy/kubernetes/ link the same sections: as repository paths in the base,
// under a base URL in the example overlay (scripts/k8s-prometheus-rule.ts --runbook-base-url).
// Static: reads the files only.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { baseResources, one, overlayResources } from '../deploy/manifests.ts';
import { runbookBaseOf, splitRunbookUrl, type PrometheusRule } from '../deploy/prometheus-rules.ts';

const root = new URL('../../', import.meta.url);
const PARTS = ['**What it means.**', '**How to check.**', '**What to do.**'];

interface Rule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}

const rules = (YAML.parse(readFileSync(new URL('deploy/prometheus/alerts.yaml', root), 'utf8')) as { groups: Array<{ rules: Rule[] }> })
  .groups.flatMap((group) => group.rules);

/** `## Heading` sections of docs/runbook.md by their GitHub anchor (lower case, spaces to dashes). */
function runbookSections(): Map<string, { heading: string; body: string }> {
  const text = readFileSync(new URL('docs/runbook.md', root), 'utf8');
  const sections = new Map<string, { heading: string; body: string }>();
  for (const chunk of text.split(/^## /m).slice(1)) {
    const heading = chunk.slice(0, chunk.indexOf('\n')).trim();
    sections.set(heading.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'), { heading, body: chunk });
  }
  return sections;
}

describe('alert runbooks', () => {
  const sections = runbookSections();

  it('every alert has a runbook_url naming its own section of docs/runbook.md', () => {
    assert.ok(rules.length >= 10, `found only ${rules.length} alerts`);
    for (const rule of rules) {
      const url = rule.annotations?.runbook_url;
      assert.equal(url, `docs/runbook.md#${rule.alert.toLowerCase()}`, `${rule.alert}: runbook_url`);
      const section = sections.get(url.slice(url.indexOf('#') + 1));
      assert.ok(section, `${rule.alert}: docs/runbook.md has no section for ${url}`);
      assert.equal(section.heading, rule.alert);
    }
  });

  for (const [name, resources] of [['base', baseResources], ['overlays/example', () => overlayResources('example')]] as const) {
    it(`${name}: the PrometheusRule's runbook links name the same sections, under its runbook base URL`, () => {
      const rule = one<PrometheusRule>(resources(), 'PrometheusRule');
      const base = runbookBaseOf(rule);
      // The base keeps repository paths (no URL is known for every clone); an environment sets one.
      if (name === 'base') assert.equal(base, '');
      else assert.match(base, /^https?:\/\/[^/]+\/.*\/$/, 'the overlay links somewhere an on-call can open');
      for (const alert of rule.spec.groups.flatMap((group) => group.rules)) {
        const link = splitRunbookUrl(alert.annotations?.['runbook_url'] ?? '');
        assert.equal(link?.anchor, alert.alert!.toLowerCase(), `${alert.alert}: runbook_url`);
        assert.equal(sections.get(link.anchor)?.heading, alert.alert, `${alert.alert}: docs/runbook.md has no section #${link.anchor}`);
      }
    });
  }

  it('every runbook section says what the alert means, how to check and what to do', () => {
    for (const { heading, body } of sections.values()) {
      for (const part of PARTS) assert.ok(body.includes(part), `${heading}: missing ${part}`);
    }
  });

  it('has no section for an alert that does not exist', () => {
    const alerts = new Set(rules.map((rule) => rule.alert));
    assert.deepEqual([...sections.values()].map((s) => s.heading).filter((heading) => !alerts.has(heading)), []);
  });

  it('SluiceDown fires per instance, so its summary can name the instance', () => {
    const down = rules.find((rule) => rule.alert === 'SluiceDown')!;
    // absent() yields a series without labels: "{{ $labels.instance }}" would print empty.
    assert.doesNotMatch(down.expr, /absent\(/);
    assert.match(down.annotations!.summary!, /\{\{ \$labels\.instance \}\}/);
    // Prometheus keeps every label of `up` through `== 0`; an aggregation must keep instance.
    const aggregations = [...down.expr.matchAll(/\b(?:sum|max|min|avg|count)\b\s*(?:by\s*\(([^)]*)\))?/g)];
    for (const match of aggregations) assert.match(match[1] ?? '', /\binstance\b/, `aggregation without instance in ${down.expr}`);
  });
});
