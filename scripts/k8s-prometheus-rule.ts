// Writes deploy/kubernetes/base/prometheusrule.yaml from deploy/prometheus/alerts.yaml, the one
// source of the alert rules: `node scripts/k8s-prometheus-rule.ts` after changing the alerts.
// test/deploy/kubernetes.test.ts fails while the two differ.

import { readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';

const root = new URL('../', import.meta.url);
const ALERTS = new URL('deploy/prometheus/alerts.yaml', root);
const RULE = new URL('deploy/kubernetes/base/prometheusrule.yaml', root);

/** The PrometheusRule holding exactly the groups of alerts.yaml. */
export function prometheusRule(alertsText: string): Record<string, unknown> {
  const alerts = YAML.parse(alertsText) as { groups: unknown[] };
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'sluice' },
    spec: { groups: alerts.groups },
  };
}

if (import.meta.main) {
  const header = '# Generated from deploy/prometheus/alerts.yaml by scripts/k8s-prometheus-rule.ts: edit the alerts\n# there and run it again (test/deploy/kubernetes.test.ts fails while the two differ).\n';
  writeFileSync(RULE, header + YAML.stringify(prometheusRule(readFileSync(ALERTS, 'utf8')), { lineWidth: 0 }));
  process.stdout.write(`wrote ${RULE.pathname}\n`);
}
