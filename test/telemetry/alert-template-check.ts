// The Go templates in alert labels and annotations ("{{ $labels.instance }}"), checked the way
// `promtool check rules` parses them: every action closed, and only the variables Prometheus
// defines for alert templates and the functions of text/template and of Prometheus's template
// reference (docs/configuration/template_reference.md). A lexer for actions, not a Go template
// parser: it catches misspelt functions and variables and unbalanced braces.

/** Variables Prometheus defines before an alert template (rulefmt's testTemplateParsing), and `$` itself. */
const ALERT_VARIABLES = new Set(['$labels', '$value', '$externalLabels', '$externalURL', '$']);

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'false']);

const FUNCTIONS = new Set([
  // text/template
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne',
  // Prometheus
  'query', 'first', 'label', 'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'title',
  'toUpper', 'toLower', 'graphLink', 'tableLink', 'sortByLabel', 'humanize', 'humanize1024',
  'humanizeDuration', 'humanizePercentage', 'humanizeTimestamp', 'toTime', 'toDuration', 'parseDuration',
  'now', 'pathPrefix', 'externalURL', 'stripPort', 'stripDomain',
]);

/** Problems in one label or annotation value, each naming the action it is in. */
export function templateProblems(text: string): string[] {
  const problems: string[] = [];
  const declared = new Set(ALERT_VARIABLES);
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    const stray = rest.indexOf('}}');
    if (stray >= 0 && (open < 0 || stray < open)) {
      problems.push(`"}}" without "{{" in ${JSON.stringify(text)}`);
      rest = rest.slice(stray + 2);
      continue;
    }
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) {
      problems.push(`unclosed action "${rest.slice(open, open + 30)}" in ${JSON.stringify(text)}`);
      break;
    }
    const action = rest.slice(open + 2, close).replace(/^-\s/, '').replace(/\s-$/, '').trim();
    rest = rest.slice(close + 2);
    if (action.startsWith('/*')) continue; // a comment
    // Strings, raw strings and characters say nothing about names.
    const code = action.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)+'/g, '""');
    if (/["`']/.test(code.replace(/""/g, ''))) problems.push(`unterminated string in {{${action}}}`);
    for (const declaration of code.matchAll(/(\$\w*)\s*:?=/g)) declared.add(declaration[1]!);
    for (const variable of code.matchAll(/\$\w*/g)) {
      if (!declared.has(variable[0])) problems.push(`undefined variable ${variable[0]} in {{${action}}} (alert templates have $labels, $value, $externalLabels, $externalURL)`);
    }
    // A bare word (not a .field, not a $variable, not a number) is a keyword or a function.
    for (const word of code.matchAll(/(?<![\w.$])[A-Za-z_]\w*/g)) {
      if (!KEYWORDS.has(word[0]) && !FUNCTIONS.has(word[0])) problems.push(`function "${word[0]}" not defined in {{${action}}}`);
    }
  }
  return problems;
}
