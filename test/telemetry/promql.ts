// Reading PromQL for the dashboard and alert tests with Prometheus's own grammar
// (@prometheus-io/lezer-promql, the parser behind the Prometheus UI's editor): the syntax tree,
// and which metric names an expression uses.

import { parser } from '@prometheus-io/lezer-promql';

/** The syntax tree of an expression; syntax errors are nodes of the tree (`type.isError`). */
export type PromTree = ReturnType<typeof parser.parse>;
export type PromNode = PromTree['topNode'];

export function parsePromQL(expr: string): PromTree {
  return parser.parse(expr);
}

/** A node and every node below it, in document order (syntax-error nodes included). */
export function allNodes(node: PromNode): PromNode[] {
  const nodes = [node];
  for (let child = node.firstChild; child; child = child.nextSibling) nodes.push(...allNodes(child));
  return nodes;
}

/** The text of a node. */
export function textOf(expr: string, node: PromNode): string {
  return expr.slice(node.from, node.to);
}

/** Metric names used in a PromQL expression (the names of its vector selectors). */
export function metricNames(expr: string): string[] {
  return allNodes(parsePromQL(expr).topNode)
    .filter((node) => node.name === 'Identifier' && node.parent?.name === 'VectorSelector')
    .map((node) => textOf(expr, node));
}
