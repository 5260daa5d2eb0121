// The PromQL of deploy/grafana/sluice-dashboard.json as Prometheus receives it: Grafana replaces
// its variables ($__rate_interval, $instance, ${instance}, [[instance]]) before sending a query,
// so each one is replaced here by a value of its kind. A variable neither Grafana nor the
// dashboard defines is reported, not replaced: Grafana would send it as written.

import { readFileSync } from 'node:fs';

export const DASHBOARD = new URL('../../deploy/grafana/sluice-dashboard.json', import.meta.url);

/** Grafana's global variables that reach a query, with a value of their kind. */
const GLOBAL_VARIABLES: Record<string, string> = {
  __rate_interval: '1m', __interval: '30s', __range: '1h',
  __interval_ms: '30000', __range_s: '3600', __range_ms: '3600000',
};

export interface Panel {
  id?: number;
  title?: string;
  targets?: Array<{ refId?: string; expr?: string; legendFormat?: string }>;
  panels?: Panel[];
}

export interface Dashboard {
  panels?: Panel[];
  templating?: { list?: Array<{ name: string; type: string; query?: unknown }> };
}

export interface DashboardQuery {
  /** Where it is: the panel and target, or the template variable. */
  where: string;
  /** The query as written. */
  raw: string;
  /** The query as Prometheus gets it. */
  expr: string;
  /** Variables it uses that nobody defines. */
  unknownVariables: string[];
  /** Labels the dashboard reads from the result: a legend's {{label}}s, label_values' label. */
  resultLabels: string[];
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

/** A query with the variables replaced: globals by a duration, the dashboard's own by a sample value. */
export function substituteVariables(raw: string, dashboardVariables: ReadonlySet<string>): { expr: string; unknownVariables: string[] } {
  const unknownVariables: string[] = [];
  const expr = raw.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, braced?: string, bracketed?: string, plain?: string) => {
    const name = (braced ?? bracketed ?? plain)!;
    if (name in GLOBAL_VARIABLES) return GLOBAL_VARIABLES[name]!;
    if (dashboardVariables.has(name)) return 'sample';
    unknownVariables.push(whole);
    return whole;
  });
  return { expr, unknownVariables };
}

function panelsOf(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
}

/**
 * Every query of the dashboard: each panel target's expr, and the PromQL inside the query
 * variables (`label_values(<series>, <label>)`, `query_result(<expr>)`; `label_values(<label>)`
 * has none).
 */
export function dashboardQueries(dashboard: Dashboard = readDashboard()): DashboardQuery[] {
  const variables = dashboard.templating?.list ?? [];
  const names = new Set(variables.map((variable) => variable.name));
  const queries: DashboardQuery[] = [];
  for (const panel of panelsOf(dashboard.panels ?? [])) {
    for (const target of panel.targets ?? []) {
      if (typeof target.expr !== 'string') continue;
      const resultLabels = [...(target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
      queries.push({ where: `panel ${panel.id} "${panel.title}" target ${target.refId}`, raw: target.expr, ...substituteVariables(target.expr, names), resultLabels });
    }
  }
  for (const variable of variables) {
    if (variable.type !== 'query' || typeof variable.query !== 'string') continue;
    const inner = /^\s*(?:label_values\((.+),\s*(\w+)\s*\)|query_result\((.+)\))\s*$/s.exec(variable.query);
    const raw = inner?.[1] ?? inner?.[3];
    if (raw !== undefined) queries.push({ where: `variable ${variable.name}`, raw, ...substituteVariables(raw, names), resultLabels: inner?.[2] ? [inner[2]] : [] });
  }
  return queries;
}
