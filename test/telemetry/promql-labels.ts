// Which labels an expression's result carries, worked out over its syntax tree the way
// Prometheus evaluates it, to find labels a query names but no series has: `sum by (topic)` over
// a metric without `topic` yields one series with no topic at all, and Prometheus says nothing.
// Checked: label matchers, by (…), on (…), group_left/right (…), histogram_quantile's `le`,
// label_replace's source label, and the labels a Grafana legend or variable reads from the result.

import { unquote } from './promql-check.ts';
import { allNodes, parsePromQL, textOf, type PromNode } from './promql.ts';

/** Labels every series gets from the scrape itself (Prometheus's target labels). */
export const TARGET_LABELS = new Set(['instance', 'job']);

/** The label names a metric's series have; undefined for a metric the caller does not know. */
export type LabelsOf = (metric: string) => ReadonlySet<string> | undefined;

/** A value's kind: a scalar, or a vector with the labels its series may carry (null: not known). */
type Value = { scalar: true } | { scalar: false; labels: Set<string> | null };

const SCALAR: Value = { scalar: true };
const UNKNOWN: Value = { scalar: false, labels: null };

const vector = (labels: Iterable<string> | null): Value => ({ scalar: false, labels: labels === null ? null : new Set(labels) });

function groupingLabels(expr: string, node: PromNode | null): string[] {
  return node ? allNodes(node).filter((n) => n.name === 'LabelName').map((n) => textOf(expr, n)) : [];
}

function expressionChildren(node: PromNode): PromNode[] {
  const children: PromNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.type.is('Expr') || ['VectorSelector', 'MatrixSelector', 'SubqueryExpr', 'NumberDurationLiteral', 'StringLiteral'].includes(child.name)) children.push(child);
  }
  return children;
}

class LabelChecker {
  readonly problems: string[] = [];
  private readonly expr: string;
  private readonly labelsOf: LabelsOf;

  constructor(expr: string, labelsOf: LabelsOf) {
    this.expr = expr;
    this.labelsOf = labelsOf;
  }

  private missing(labels: readonly string[], value: Value, what: string): void {
    if (value.scalar || value.labels === null) return;
    for (const label of labels) if (!value.labels.has(label)) this.problems.push(`${what}: no series has label ${label} (it has ${[...value.labels].sort().join(', ') || 'none'})`);
  }

  value(node: PromNode): Value {
    const text = textOf(this.expr, node);
    switch (node.name) {
      case 'NumberDurationLiteral':
      case 'StringLiteral':
        return SCALAR;
      case 'VectorSelector': {
        const name = node.getChild('Identifier');
        const known = name ? this.labelsOf(textOf(this.expr, name)) : undefined;
        if (!known) return UNKNOWN;
        const value = vector([...known, ...TARGET_LABELS]);
        const matched = allNodes(node).filter((n) => n.name === 'LabelName' && n.parent?.name === 'UnquotedLabelMatcher').map((n) => textOf(this.expr, n));
        this.missing(matched.filter((label) => label !== '__name__'), value, text);
        return value;
      }
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'BinaryExpr':
        return this.binary(node);
      default: {
        // Parentheses, ranges, subqueries, offsets, @, unary minus: the labels of what is inside.
        const inner = expressionChildren(node)[0];
        return inner ? this.value(inner) : UNKNOWN;
      }
    }
  }

  /** The value of a string literal argument, or undefined for anything else. */
  private string(node: PromNode): string | undefined {
    if (node.name !== 'StringLiteral') return undefined;
    const value = unquote(textOf(this.expr, node));
    return 'value' in value ? value.value : undefined;
  }

  private call(node: PromNode): Value {
    const name = textOf(this.expr, node.getChild('FunctionIdentifier')!);
    const args = expressionChildren(node.getChild('FunctionCallBody')!).map((arg) => ({ node: arg, value: this.value(arg) }));
    if (name === 'time' || name === 'pi' || name === 'scalar') return SCALAR;
    // vector(s), and hour(), month() … of the current time.
    if (name === 'vector' || args.length === 0) return vector([]);
    const input = args.find((arg) => !arg.value.scalar)?.value ?? UNKNOWN;
    if (input.scalar || input.labels === null) return input;
    switch (name) {
      case 'histogram_quantile':
      case 'histogram_fraction':
        this.missing(['le'], input, `${name}(…)`);
        return vector([...input.labels].filter((label) => label !== 'le'));
      case 'label_replace': {
        const [, dst, , src] = args.map((arg) => this.string(arg.node));
        if (src) this.missing([src], input, `label_replace(…, "${src}", …)`);
        return dst ? vector([...input.labels, dst]) : input;
      }
      case 'label_join': {
        const dst = args[1] ? this.string(args[1].node) : undefined;
        return dst ? vector([...input.labels, dst]) : input;
      }
      case 'absent':
      case 'absent_over_time':
        return vector([]); // only the labels of its selector's = matchers: taken as none
      default:
        return input;
    }
  }

  private aggregate(node: PromNode): Value {
    const op = textOf(this.expr, node.getChild('AggregateOp')!);
    const args = expressionChildren(node.getChild('FunctionCallBody')!);
    const input = args.length > 0 ? this.value(args.at(-1)!) : UNKNOWN;
    const modifier = node.getChild('AggregateModifier');
    const labels = groupingLabels(this.expr, modifier?.getChild('GroupingLabels') ?? null);
    const countLabel = op === 'count_values' && args[0] ? this.string(args[0]) : undefined;
    const extra = countLabel ? [countLabel] : [];
    if (modifier?.getChild('By')) {
      this.missing(labels, input, `${op} by (${labels.join(', ')})`);
      return vector([...labels, ...extra]);
    }
    if (modifier?.getChild('Without')) return input.scalar || input.labels === null ? input : vector([...input.labels].filter((l) => !labels.includes(l)).concat(extra));
    return vector(extra);
  }

  private binary(node: PromNode): Value {
    const [leftNode, rightNode] = expressionChildren(node);
    if (!leftNode || !rightNode) return UNKNOWN;
    const left = this.value(leftNode);
    const right = this.value(rightNode);
    if (left.scalar) return right;
    if (right.scalar) return left;
    const op = ['And', 'Or', 'Unless'].find((name) => node.getChild(name) !== null);
    const matching = node.getChild('MatchingModifierClause');
    const groups = matching ? matching.getChildren('GroupingLabels') : [];
    // on (…) or ignoring (…), and the labels group_left/right (…) copies from the other side.
    const matchLabels = groupingLabels(this.expr, groups[0] ?? null);
    const include = groupingLabels(this.expr, groups[1] ?? null);
    const on = Boolean(matching?.getChild('On'));
    if (on) {
      this.missing(matchLabels, left, `on (${matchLabels.join(', ')}), left side`);
      this.missing(matchLabels, right, `on (${matchLabels.join(', ')}), right side`);
    }
    if (op === 'And' || op === 'Unless') return left;
    if (op === 'Or') return left.labels === null || right.labels === null ? UNKNOWN : vector([...left.labels, ...right.labels]);
    if (matching?.getChild('GroupLeft')) {
      this.missing(include, right, `group_left (${include.join(', ')})`);
      return left.labels === null ? UNKNOWN : vector([...left.labels, ...include]);
    }
    if (matching?.getChild('GroupRight')) {
      this.missing(include, left, `group_right (${include.join(', ')})`);
      return right.labels === null ? UNKNOWN : vector([...right.labels, ...include]);
    }
    if (left.labels === null) return UNKNOWN;
    // One-to-one: the left side's labels, only the on (…) ones when matching on them.
    return vector(on ? matchLabels : [...left.labels].filter((label) => !matchLabels.includes(label)));
  }
}

/** The labels an expression names but its series do not have, and the labels its result carries. */
export function checkLabels(expr: string, labelsOf: LabelsOf): { problems: string[]; result: ReadonlySet<string> | null } {
  const checker = new LabelChecker(expr, labelsOf);
  const top = parsePromQL(expr).topNode.firstChild;
  const value = top ? checker.value(top) : UNKNOWN;
  return { problems: checker.problems, result: value.scalar ? new Set() : value.labels };
}

/** Labels a reader of the result (a Grafana legend, a variable) expects that the result does not carry. */
export function resultLabelProblems(wanted: readonly string[], result: ReadonlySet<string> | null): string[] {
  if (result === null) return [];
  return wanted.filter((label) => !result.has(label)).map((label) => `the result has no label ${label} (it has ${[...result].sort().join(', ') || 'none'})`);
}
