// Writes a PrometheusRule from deploy/prometheus/alerts.yaml, the one source of the alert rules:
//
//   node scripts/k8s-prometheus-rule.ts [--runbook-base-url URL] [--out FILE]
//
// after changing the alerts. Each alert's runbook_url in alerts.yaml is a path in this repository
// (docs/runbook.md#<alert>), which Alertmanager and Grafana cannot open; --runbook-base-url (or
// SLUICE_RUNBOOK_BASE_URL) is where your copy of the repository's files is served, such as
// https://github.com/<org>/sluice/blob/main/, and is put before each of them. --out defaults to
// deploy/kubernetes/base/prometheusrule.yaml (no base URL: links stay repository paths); the
// example overlay's prometheusrule.yaml is the same rule with a base URL, applied as a patch.
// test/deploy/kubernetes.test.ts fails while a committed file differs from what this writes.

import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';

const root = new URL('../', import.meta.url);
const ALERTS = new URL('deploy/prometheus/alerts.yaml', root);
const BASE_RULE = new URL('deploy/kubernetes/base/prometheusrule.yaml', root);

/** A base URL as the links need it: absolute http(s), ending in "/" so that a path can follow. */
export function runbookBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`runbook base URL ${JSON.stringify(value)} is not an absolute URL (like https://github.com/<org>/sluice/blob/main/)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`runbook base URL ${value}: only http(s) links open from an alert`);
  if (url.search !== '' || url.hash !== '') throw new Error(`runbook base URL ${value}: no query or fragment (the runbook path and its #anchor follow it)`);
  return value.endsWith('/') ? value : `${value}/`;
}

interface Rule {
  annotations?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The PrometheusRule holding exactly the groups of alerts.yaml, runbook links under `runbookBaseUrl` when given. */
export function prometheusRule(alertsText: string, options: { runbookBaseUrl?: string } = {}): Record<string, unknown> {
  const alerts = YAML.parse(alertsText) as { groups: Array<{ rules: Rule[] }> };
  const base = options.runbookBaseUrl === undefined ? '' : runbookBaseUrl(options.runbookBaseUrl);
  for (const rule of alerts.groups.flatMap((group) => group.rules)) {
    const link = rule.annotations?.['runbook_url'];
    if (typeof link === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(link)) rule.annotations!['runbook_url'] = base + link;
  }
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'sluice' },
    spec: { groups: alerts.groups },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { 'runbook-base-url': { type: 'string' }, out: { type: 'string' } } });
  const base = values['runbook-base-url'] ?? process.env['SLUICE_RUNBOOK_BASE_URL'];
  const out = values.out === undefined ? BASE_RULE : pathToFileURL(resolve(values.out));
  const command = ['node scripts/k8s-prometheus-rule.ts', ...(base ? [`--runbook-base-url ${base}`] : []), ...(values.out ? [`--out ${relative(fileURLToPath(root), fileURLToPath(out))}`] : [])].join(' ');
  let rule: Record<string, unknown>;
  try {
    rule = prometheusRule(readFileSync(ALERTS, 'utf8'), base ? { runbookBaseUrl: base } : {});
  } catch (error) {
    process.stderr.write(`k8s-prometheus-rule: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const header = `# Generated from deploy/prometheus/alerts.yaml by\n#   ${command}\n# Edit the alerts there and run it again (test/deploy/kubernetes.test.ts fails while the two differ).\n`;
  writeFileSync(out, header + YAML.stringify(rule, { lineWidth: 0 }));
  process.stdout.write(`wrote ${fileURLToPath(out)}\n`);
}
