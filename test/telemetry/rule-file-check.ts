// `promtool check rules`, offline: what Prometheus's rule-file loader (model/rulefmt) refuses in
// a rule file (deploy/prometheus/alerts.yaml, or a PrometheusRule's spec), given as the parsed
// YAML. Expressions go through promql-check.ts, label and annotation templates through
// alert-template-check.ts. Each problem names its group and rule.

import { templateProblems } from './alert-template-check.ts';
import { promqlProblems } from './promql-check.ts';

/** Prometheus's duration: units from years to milliseconds, largest first, each at most once ("0" too). */
const DURATION = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const TOP_FIELDS = new Set(['groups']);
const GROUP_FIELDS = new Set(['name', 'interval', 'query_offset', 'limit', 'rules', 'labels']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

export function isDuration(value: unknown): boolean {
  return typeof value === 'string' && value !== '' && DURATION.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownFields(value: Record<string, unknown>, known: Set<string>): string[] {
  return Object.keys(value).filter((key) => !known.has(key)).map((key) => `field ${key} not found (known: ${[...known].join(', ')})`);
}

/** Label names Prometheus accepts on a rule or group: not `__`-prefixed (reserved), values strings. */
function labelProblems(labels: unknown, what: 'label' | 'annotation'): string[] {
  if (labels === undefined) return [];
  if (!isRecord(labels)) return [`${what}s must be a map of names to strings`];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || (what === 'label' && name.startsWith('__'))) problems.push(`invalid ${what} name: ${name}`);
    if (typeof value !== 'string') problems.push(`${what} ${name}: value must be a string, got ${JSON.stringify(value)}`);
  }
  return problems;
}

function ruleProblems(rule: unknown): string[] {
  if (!isRecord(rule)) return ['a rule must be a map'];
  const problems = unknownFields(rule, RULE_FIELDS);
  const { record, alert, expr } = rule;
  if (record !== undefined && alert !== undefined) problems.push("only one of 'record' and 'alert' must be set");
  if ((record ?? '') === '' && (alert ?? '') === '') problems.push("one of 'record' or 'alert' must be set");
  if (alert !== undefined && (typeof alert !== 'string' || alert.trim() === '')) problems.push(`invalid alert name: ${JSON.stringify(alert)}`);
  if (record !== undefined) {
    if (typeof record !== 'string' || !METRIC_NAME.test(record)) problems.push(`invalid recording rule name: ${JSON.stringify(record)} (must be a metric name)`);
    for (const field of ['annotations', 'for', 'keep_firing_for']) if (rule[field] !== undefined) problems.push(`invalid field '${field}' in recording rule`);
  }
  if (typeof expr !== 'string' || expr.trim() === '') problems.push("field 'expr' must be set in rule");
  else problems.push(...promqlProblems(expr).map((problem) => `could not parse expression: ${problem}`));
  for (const field of ['for', 'keep_firing_for']) {
    if (rule[field] !== undefined && !isDuration(rule[field])) problems.push(`${field}: not a valid duration: ${JSON.stringify(rule[field])}`);
  }
  problems.push(...labelProblems(rule['labels'], 'label'), ...labelProblems(rule['annotations'], 'annotation'));
  if (alert !== undefined) {
    for (const field of ['labels', 'annotations'] as const) {
      const values = rule[field];
      if (!isRecord(values)) continue;
      for (const [name, value] of Object.entries(values)) {
        if (typeof value === 'string') problems.push(...templateProblems(value).map((problem) => `${field.slice(0, -1)} ${name}: ${problem}`));
      }
    }
  }
  return problems;
}

/** Every problem of a rule file's content (`{ groups: [...] }`), each as "group …, rule …: what". */
export function ruleFileProblems(file: unknown): string[] {
  if (!isRecord(file) || !Array.isArray(file['groups'])) return ['a rule file is a map with a list of groups'];
  const problems = unknownFields(file, TOP_FIELDS);
  const names = new Set<string>();
  file['groups'].forEach((group: unknown, g) => {
    if (!isRecord(group)) {
      problems.push(`group ${g + 1}: must be a map`);
      return;
    }
    const name = typeof group['name'] === 'string' ? group['name'] : '';
    const where = `group ${JSON.stringify(name)}`;
    problems.push(...unknownFields(group, GROUP_FIELDS).map((p) => `${where}: ${p}`));
    if (name === '') problems.push(`group ${g + 1}: Groupname must not be empty`);
    else if (names.has(name)) problems.push(`${where}: groupname is repeated in the same file`);
    names.add(name);
    for (const field of ['interval', 'query_offset']) {
      if (group[field] !== undefined && !isDuration(group[field])) problems.push(`${where}: ${field}: not a valid duration: ${JSON.stringify(group[field])}`);
    }
    if (group['limit'] !== undefined && !Number.isInteger(group['limit'])) problems.push(`${where}: limit must be an integer`);
    problems.push(...labelProblems(group['labels'], 'label').map((p) => `${where}: ${p}`));
    if (!Array.isArray(group['rules'])) {
      problems.push(`${where}: rules must be a list`);
      return;
    }
    group['rules'].forEach((rule: unknown, r) => {
      const ruleName = isRecord(rule) ? (rule['alert'] ?? rule['record'] ?? '') : '';
      problems.push(...ruleProblems(rule).map((p) => `${where}, rule ${r + 1} ${JSON.stringify(ruleName)}: ${p}`));
    });
  });
  return problems;
}
