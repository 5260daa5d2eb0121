// `promtool check rules` and a PromQL syntax check, offline, for deploy/prometheus/alerts.yaml and
// every query of the Grafana dashboard (the PrometheusRule generated from alerts.yaml is checked
// in test/deploy/kubernetes.test.ts). First that each check refuses what Prometheus refuses.
// Static: reads the files only.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { templateProblems } from './alert-template-check.ts';
import { dashboardQueries, substituteVariables } from './grafana-queries.ts';
import { promqlProblems } from './promql-check.ts';
import { ruleFileProblems } from './rule-file-check.ts';

const ALERTS = new URL('../../deploy/prometheus/alerts.yaml', import.meta.url);

/** A rule file of one group holding one alert, with `change` applied to the rule. */
function fileWith(change: (rule: Record<string, unknown>) => void): { groups: unknown[] } {
  const rule: Record<string, unknown> = {
    alert: 'SluiceTest', expr: 'sum by (instance) (rate(sluice_x_total[5m])) > 0', for: '5m',
    labels: { severity: 'warning' }, annotations: { summary: '{{ $labels.instance }}: {{ $value | humanize }}/s', runbook_url: 'docs/runbook.md#sluicetest' },
  };
  change(rule);
  return { groups: [{ name: 'sluice', rules: [rule] }] };
}

describe('PromQL check', () => {
  it('accepts what Prometheus accepts', () => {
    for (const expr of [
      'up{job="sluice"} == 0',
      'absent(up{job="sluice"})',
      'histogram_quantile(0.99, sum by (le) (rate(a_bucket{outcome="success"}[5m])))',
      'sum(x) by (a) / on (a) group_left (b) sum by (a, b) (y)',
      'max_over_time(deriv(x[10m])[1h:5m])',
      'quantile_over_time(0.9, x[5m]) and topk(3, y) unless count_values("v", z)',
      'x{a=~"(?i)foo|bar\\\\.baz", b!~\'q\'} offset 5m',
      '{__name__="x"}',
    ]) assert.deepEqual(promqlProblems(expr), [], expr);
  });

  it('refuses what Prometheus refuses, with the place', () => {
    const cases: Array<[string, RegExp]> = [
      ['sum by (a (rate(x[5m]))', /^1:11: syntax error/],
      ['rate(x[5m]', /^1:11: syntax error: unexpected end/],
      ['x and', /^1:6: syntax error/],
      ['rate(x[5 minutes])', /syntax error/],
      ['no_such_function(x)', /^1:1: unknown function no_such_function\(\)/],
      ['x{a="b}', /^1:5: unterminated string/],
      ['rate(x)', /rate\(\) expects a range vector/],
      ['sum(x[5m])', /range vector x\[5m\] where an instant vector is expected/],
      ['sum(x)[5m]', /ranges only allowed for vector selectors/],
      ['topk(x)', /topk\(\) takes 2 arguments, got 1/],
      ['x{a=~"("}', /invalid regular expression/],
      ['x{a=~"\\."}', /invalid escape/],
      ['{a=""}', /at least one non-empty matcher/],
      ['  ', /empty expression/],
    ];
    for (const [expr, problem] of cases) {
      const problems = promqlProblems(expr);
      assert.ok(problems.some((p) => problem.test(p)), `${expr}: expected ${problem}, got ${JSON.stringify(problems)}`);
    }
  });

  it('places a problem on its line in a multi-line expression', () => {
    assert.match(promqlProblems('sum by (instance) (\n  rate(x)\n)')[0]!, /^2:8: rate\(\) expects a range vector/);
  });
});

describe('alert template check', () => {
  it('accepts the variables and functions of Prometheus alert templates', () => {
    for (const text of [
      'plain text', '{{ $labels.instance }} is down', '{{ $value | humanizePercentage }}', '{{- if gt $value 1.0 }}high{{ else }}low{{ end -}}',
      '{{ with query "up" }}{{ . | first | value | humanize }}{{ end }}', '{{ $x := $labels.job }}{{ $x }}', '{{ printf "%.2f" $value }}', '{{/* note */}}',
    ]) assert.deepEqual(templateProblems(text), [], text);
  });

  it('refuses unbalanced braces, unknown variables and unknown functions', () => {
    assert.match(templateProblems('{{ $labels.instance }')[0]!, /unclosed action/);
    assert.match(templateProblems('{{ $labels.instance }} }}')[0]!, /"}}" without "{{"/);
    assert.match(templateProblems('{{ $label.instance }}')[0]!, /undefined variable \$label/);
    assert.match(templateProblems('{{ $value | humanise }}')[0]!, /function "humanise" not defined/);
    assert.match(templateProblems('{{ printf "%s $value }}')[0]!, /unterminated string/);
  });
});

describe('rule file check (promtool check rules)', () => {
  it('accepts a good rule file', () => {
    assert.deepEqual(ruleFileProblems(fileWith(() => {})), []);
  });

  const broken: Array<[string, (rule: Record<string, unknown>) => void, RegExp]> = [
    ['an expression that does not parse', (r) => (r.expr = 'sum by (instance (rate(x[5m]))'), /could not parse expression: 1:18: syntax error/],
    ['a missing expression', (r) => delete r.expr, /field 'expr' must be set/],
    ['a duration Prometheus cannot read', (r) => (r.for = '5 minutes'), /for: not a valid duration: "5 minutes"/],
    ['units out of order', (r) => (r.keep_firing_for = '30s5m'), /keep_firing_for: not a valid duration/],
    ['a label name with a dash', (r) => (r.labels = { 'team-name': 'x' }), /invalid label name: team-name/],
    ['a reserved label name', (r) => (r.labels = { __name__: 'x' }), /invalid label name: __name__/],
    ['a label value that is not a string', (r) => (r.labels = { severity: 2 }), /label severity: value must be a string/],
    ['an annotation template that does not parse', (r) => (r.annotations = { summary: '{{ $labels.instance }' }), /annotation summary: unclosed action/],
    ['both alert and record', (r) => (r.record = 'sluice:x:rate5m'), /only one of 'record' and 'alert'/],
    ['neither alert nor record', (r) => delete r.alert, /one of 'record' or 'alert' must be set/],
    ['a misspelt field', (r) => ((r.anotations = r.annotations), delete r.annotations), /field anotations not found/],
  ];
  for (const [what, change, problem] of broken) {
    it(`refuses ${what}`, () => {
      const problems = ruleFileProblems(fileWith(change));
      assert.ok(problems.some((p) => problem.test(p)), `expected ${problem}, got ${JSON.stringify(problems)}`);
      assert.ok(problems.every((p) => p.startsWith('group "sluice", rule 1 ')), JSON.stringify(problems));
    });
  }

  it('refuses a recording rule named like no metric, or with alert-only fields', () => {
    const problems = ruleFileProblems({ groups: [{ name: 'r', rules: [{ record: 'sluice x', expr: 'x', for: '1m' }] }] });
    assert.ok(problems.some((p) => /invalid recording rule name: "sluice x"/.test(p)), JSON.stringify(problems));
    assert.ok(problems.some((p) => /invalid field 'for' in recording rule/.test(p)), JSON.stringify(problems));
  });

  it('refuses a repeated group name, an empty one and a bad interval', () => {
    const rules = [{ record: 'sluice:x:sum', expr: 'sum(x)' }];
    const problems = ruleFileProblems({ groups: [{ name: 'a', rules }, { name: 'a', rules }, { name: '', rules }, { name: 'b', interval: '1 m', rules }] });
    assert.deepEqual(problems, [
      'group "a": groupname is repeated in the same file',
      'group 3: Groupname must not be empty',
      'group "b": interval: not a valid duration: "1 m"',
    ]);
  });

  it('deploy/prometheus/alerts.yaml passes', () => {
    const file = YAML.parse(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ rules: unknown[] }> };
    assert.ok(file.groups.flatMap((g) => g.rules).length >= 10);
    assert.deepEqual(ruleFileProblems(file), []);
  });
});

describe('dashboard queries', () => {
  it('replaces Grafana variables and reports unknown ones', () => {
    assert.deepEqual(substituteVariables('rate(x{i=~"$instance", j="${instance:regex}"}[$__rate_interval]) offset [[typo]]', new Set(['instance'])), {
      expr: 'rate(x{i=~"sample", j="sample"}[1m]) offset [[typo]]',
      unknownVariables: ['[[typo]]'],
    });
  });

  it('every query of deploy/grafana/sluice-dashboard.json parses, with only variables Grafana or the dashboard defines', () => {
    const queries = dashboardQueries();
    assert.ok(queries.length >= 20, `${queries.length} queries`);
    const problems = queries.flatMap((q) => [...q.unknownVariables.map((v) => `unknown variable ${v}`), ...promqlProblems(q.expr)].map((p) => `${q.where}: ${p}`));
    assert.deepEqual(problems, []);
  });

  it('finds a broken panel query', () => {
    const queries = dashboardQueries({
      panels: [{ id: 7, title: 'p', targets: [{ refId: 'A', expr: 'sum by (x) (rate(y{i=~"$instanse"}[$__rate_interval])' }] }],
      templating: { list: [{ name: 'instance', type: 'query', query: 'label_values(sluice_build_info{, instance)' }] },
    });
    assert.deepEqual(queries.map((q) => q.where), ['panel 7 "p" target A', 'variable instance']);
    assert.deepEqual(queries[0]!.unknownVariables, ['$instanse']);
    assert.match(promqlProblems(queries[0]!.expr)[0]!, /syntax error: unexpected end/);
    assert.match(promqlProblems(queries[1]!.expr)[0]!, /syntax error/);
  });
});
