// The PrometheusRules committed under deploy/kubernetes/ (both generated from
// deploy/prometheus/alerts.yaml by scripts/k8s-prometheus-rule.ts): the base's, whose runbook
// links are repository paths, and the example overlay's, whose links are under a base URL.

import { KUBERNETES_DIR, readDocuments, type Resource } from './manifests.ts';

export const RUNBOOK_PATH = 'docs/runbook.md';

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}

export type PrometheusRule = Resource & { spec: { groups: Array<{ name: string; rules: AlertRule[] }> } };

/** The committed PrometheusRule files, by their path under deploy/kubernetes/. */
export const PROMETHEUS_RULE_FILES = ['base/prometheusrule.yaml', 'overlays/example/prometheusrule.yaml'] as const;

export function readPrometheusRule(file: string): PrometheusRule {
  const [rule, ...more] = readDocuments(KUBERNETES_DIR, file);
  if (!rule || more.length > 0 || rule.kind !== 'PrometheusRule') throw new Error(`${file}: expected one PrometheusRule`);
  return rule as PrometheusRule;
}

/** A runbook link as the base URL before docs/runbook.md ('' for a repository path) and its #anchor. */
export function splitRunbookUrl(url: string): { base: string; anchor: string } | undefined {
  const at = url.lastIndexOf(`${RUNBOOK_PATH}#`);
  if (at < 0) return undefined;
  return { base: url.slice(0, at), anchor: url.slice(at + RUNBOOK_PATH.length + 1) };
}

/** The one base URL every runbook link of a rule uses, or a failure naming the links that differ. */
export function runbookBaseOf(rule: PrometheusRule): string {
  const bases = new Set(rule.spec.groups.flatMap((group) => group.rules).map((r) => splitRunbookUrl(r.annotations?.['runbook_url'] ?? '')?.base));
  if (bases.size !== 1 || bases.has(undefined)) throw new Error(`runbook links with different or no base: ${[...bases].join(', ')}`);
  return [...bases][0]!;
}
