// What Prometheus refuses in an expression, found offline: the syntax errors of Prometheus's own
// grammar (@prometheus-io/lezer-promql), plus the checks its Go parser makes after parsing that
// a grammar cannot express: a range vector only where a function takes one, the argument count
// of aggregations, string escapes, regular expressions, and a selector that selects something.
// Each problem names its place (line:column of the expression).

import { allNodes, parsePromQL, textOf, type PromNode } from './promql.ts';

/** Functions that take a range vector, and which argument it is. */
const RANGE_ARGUMENT: Record<string, number> = {
  quantile_over_time: 1,
  ...Object.fromEntries([
    'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'predict_linear', 'changes', 'resets',
    'double_exponential_smoothing', 'absent_over_time', 'present_over_time',
    'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time',
    'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'first_over_time', 'mad_over_time',
    'ts_of_min_over_time', 'ts_of_max_over_time', 'ts_of_first_over_time', 'ts_of_last_over_time',
  ].map((name) => [name, 0])),
};

/** Aggregations that take a parameter before the vector (`topk(5, …)`). */
const PARAMETER_AGGREGATIONS = new Set(['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);

/** The value of a PromQL string literal (Go's quoting rules), or an error for a bad one. */
export function unquote(literal: string): { value: string } | { error: string } {
  const quote = literal[0]!;
  let end = 1;
  while (end < literal.length && literal[end] !== quote) end += quote !== '`' && literal[end] === '\\' ? 2 : 1;
  if (end !== literal.length - 1) return { error: `unterminated string ${literal}` };
  if (quote === '`') return { value: literal.slice(1, -1) };
  // Go's escapes are JSON's plus \a, \v, \x.. and octal, which queries do not use: JSON.parse stands
  // in for strconv.Unquote. A single-quoted string becomes a double-quoted one first.
  let json = literal;
  if (quote === "'") {
    json = '"';
    for (let i = 1; i < literal.length - 1; i++) {
      const char = literal[i]!;
      if (char === '\\') {
        json += literal[i + 1] === "'" ? "'" : literal.slice(i, i + 2);
        i++;
      } else {
        json += char === '"' ? '\\"' : char;
      }
    }
    json += '"';
  }
  try {
    return { value: JSON.parse(json) as string };
  } catch {
    return { error: `invalid escape in string ${literal} (a backslash in a regular expression must be doubled: "\\\\.")` };
  }
}

/** A regular expression as Prometheus anchors it, with RE2's leading flag group `(?i)` made a JS flag. */
export function promRegex(source: string): RegExp {
  const flags = /^\(\?([ims]+)\)/.exec(source);
  return new RegExp(`^(?:${flags ? source.slice(flags[0].length) : source})$`, flags ? flags[1]!.replace('m', '') : '');
}

function position(expr: string, offset: number): string {
  const before = expr.slice(0, offset).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

/** The expression arguments of a call or aggregation body. */
function argumentsOf(body: PromNode): PromNode[] {
  const args: PromNode[] = [];
  for (let child = body.firstChild; child; child = child.nextSibling) if (!child.type.isError) args.push(child);
  return args;
}

function unparen(node: PromNode): PromNode {
  return node.name === 'ParenExpr' && node.firstChild ? unparen(node.firstChild) : node;
}

/** Whether a range vector may stand here: as the range argument of a function that takes one. */
function rangeAllowed(expr: string, node: PromNode): boolean {
  let child = node;
  while (child.parent?.name === 'ParenExpr') child = child.parent;
  const body = child.parent;
  if (body?.name !== 'FunctionCallBody' || body.parent?.name !== 'FunctionCall') return false;
  const name = textOf(expr, body.parent.getChild('FunctionIdentifier')!);
  return argumentsOf(body).findIndex((arg) => arg.from === child.from && arg.to === child.to) === RANGE_ARGUMENT[name];
}

function matchesEmpty(expr: string, matcher: PromNode): boolean {
  const op = matcher.getChild('MatchOp');
  const literal = matcher.getChild('StringLiteral');
  if (!op || !literal) return false;
  const value = unquote(textOf(expr, literal));
  if (!('value' in value)) return false;
  const opText = textOf(expr, op);
  if (opText === '=') return value.value === '';
  if (opText === '!=') return value.value !== '';
  try {
    return promRegex(value.value).test('') === (opText === '=~');
  } catch {
    return false;
  }
}

/** The first syntax error, as Prometheus reports one: the parser's recovery makes the rest noise. */
function syntaxProblem(expr: string, nodes: readonly PromNode[]): { node: PromNode; what: string } | undefined {
  const error = nodes.find((node) => node.type.isError);
  if (!error) return undefined;
  // An unterminated string swallows the rest; the error is then at the end, far from the cause.
  for (const node of nodes) {
    const value = node.name === 'StringLiteral' ? unquote(textOf(expr, node)) : undefined;
    if (value && 'error' in value) return { node, what: value.error };
  }
  const near = expr.slice(error.from, Math.max(error.to, error.from + 12)).split('\n')[0]!;
  // A name the grammar does not know as a function is read as a metric name followed by "(".
  const call = near.startsWith('(')
    ? nodes.find((node) => node.name === 'Identifier' && node.parent?.name === 'VectorSelector' && node.to <= error.from && expr.slice(node.to, error.from).trim() === '')
    : undefined;
  if (call) return { node: call, what: `unknown function ${textOf(expr, call)}()` };
  return { node: error, what: near === '' ? 'syntax error: unexpected end of expression' : `syntax error at "${near}"` };
}

/** Problems Prometheus would report for an expression, each as "line:column: what". */
export function promqlProblems(expr: string): string[] {
  if (expr.trim() === '') return ['1:1: empty expression'];
  const problems: string[] = [];
  const report = (node: PromNode, what: string) => problems.push(`${position(expr, node.from)}: ${what}`);
  const nodes = allNodes(parsePromQL(expr).topNode);
  const syntax = syntaxProblem(expr, nodes);
  if (syntax) {
    report(syntax.node, syntax.what);
    return problems;
  }
  for (const node of nodes) {
    switch (node.name) {
      case 'StringLiteral': {
        const value = unquote(textOf(expr, node));
        if ('error' in value) report(node, value.error);
        break;
      }
      case 'UnquotedLabelMatcher':
      case 'QuotedLabelMatcher': {
        const op = node.getChild('MatchOp');
        const literal = node.getChild('StringLiteral');
        const value = literal ? unquote(textOf(expr, literal)) : undefined;
        if (op && value && 'value' in value && (op.getChild('EqlRegex') || op.getChild('NeqRegex'))) {
          try {
            promRegex(value.value);
          } catch (error) {
            report(literal!, `invalid regular expression: ${(error as Error).message}`);
          }
        }
        break;
      }
      case 'VectorSelector': {
        // Without a metric name, some matcher must rule out the empty value ({__name__="x"} does).
        const matchers = node.getChild('LabelMatchers');
        const selective = matchers !== null && allNodes(matchers).some((m) => m.name.endsWith('LabelMatcher') && !matchesEmpty(expr, m));
        if (!node.getChild('Identifier') && !selective) report(node, 'vector selector must contain at least one non-empty matcher');
        break;
      }
      case 'MatrixSelector':
      case 'SubqueryExpr': {
        const inner = node.firstChild ? unparen(node.firstChild) : null;
        if (node.name === 'MatrixSelector' && inner?.name !== 'VectorSelector') report(node, 'ranges only allowed for vector selectors (use a subquery: [5m:1m])');
        else if (!rangeAllowed(expr, node)) report(node, `range vector ${textOf(expr, node)} where an instant vector is expected (only functions like rate() take one)`);
        break;
      }
      case 'FunctionCall': {
        const name = textOf(expr, node.getChild('FunctionIdentifier')!);
        const index = RANGE_ARGUMENT[name];
        const body = node.getChild('FunctionCallBody');
        const arg = index === undefined || !body ? undefined : argumentsOf(body)[index];
        if (index !== undefined && (!arg || !['MatrixSelector', 'SubqueryExpr'].includes(unparen(arg).name))) {
          report(arg ?? node, `${name}() expects a range vector as argument ${index + 1} (for example x[5m])`);
        }
        break;
      }
      case 'AggregateExpr': {
        const op = textOf(expr, node.getChild('AggregateOp')!);
        const body = node.getChild('FunctionCallBody');
        const wanted = PARAMETER_AGGREGATIONS.has(op) ? 2 : 1;
        const count = body ? argumentsOf(body).length : 0;
        if (count !== wanted) report(node, `${op}() takes ${wanted} argument${wanted > 1 ? 's' : ''}, got ${count}`);
        break;
      }
    }
  }
  return problems;
}
