// record_template: Logpush takes "a Go text/template without any standard functions", made of
// three kinds of token (its Log Output Options page): text, actions that are `{{ .Field }}` or
// `{{ "constant text" }}`, and `{{/* comments */}}`, which are dropped. Go's string constants
// come in two spellings, "interpreted" (backslash escapes) and `raw` (the docs' way to write
// literal braces: {{`{{`}}), and both are accepted. Everything else Go's templates know —
// pipelines, functions, variables, if/range/with, `{{.}}`, field chains, numbers, trim markers —
// is refused with a message naming it: sluice never executes a template, so an action it cannot
// print exactly is an error at job validation, not a surprise in the output.
//
// Parsed here once, for the validator and the encoder (workers/encoders/template-parse.ts):
// constants become literal text, so the encoder sees only literals and fields.

import { parseGoString } from './go-string.ts';

export type TemplatePart = { literal: string } | { field: string };

export type TemplateParse = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

const ALLOWED = '{{.Field}}, {{"text"}}, {{`text`}} and {{/* comment */}}';
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'template', 'define', 'block', 'break', 'continue']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
/** Go's lexer treats these as space inside an action. */
const SPACE = /^[ \t\r\n]+/;

/** Why an action is refused: the construct, named, and where it starts. */
class Refusal {
  readonly construct: string;
  readonly at: number;
  constructor(construct: string, at: number) {
    this.construct = construct;
    this.at = at;
  }
}

/** What `{{` opening at `open` holds: an operand (text or field) or nothing (a comment), and where it ends. */
interface Action {
  part: TemplatePart | null;
  end: number;
}

function describe(text: string, at: number): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `${JSON.stringify(shown)} at character ${at}`;
}

/** The construct a token that is not a field or string starts with, in words. */
function nameOf(template: string, at: number): string {
  const rest = template.slice(at);
  const word = IDENTIFIER.exec(rest)?.[0];
  if (word !== undefined) {
    if (KEYWORDS.has(word)) return `the "${word}" action`;
    if (word === 'true' || word === 'false') return 'a boolean constant';
    if (word === 'nil') return 'nil';
    return `a function call ("${word}")`;
  }
  if (rest.startsWith(':=') || rest.startsWith('=')) return 'a variable assignment';
  if (/^[+-]?\.?[0-9]/.test(rest)) return 'a number constant';
  switch (rest[0]) {
    case '$': return 'a variable';
    case '|': return 'a pipeline ("|")';
    case '(': case ')': return 'parentheses';
    case "'": return 'a character constant';
    case '.': return /^\.[A-Za-z_]/.test(rest) ? 'a field chain (.A.B)' : 'the dot ({{.}})';
    default: return `the character ${JSON.stringify(rest[0])}`;
  }
}

/** Reads the action whose `{{` is at `open`. */
function readAction(template: string, open: number): Action {
  let at = open + 2;
  if (/^-[ \t\r\n]/.test(template.slice(at))) throw new Refusal('a trim marker ("{{- ")', open);
  if (template.startsWith('/*', at)) {
    const close = template.indexOf('*/', at + 2);
    if (close < 0) throw new Refusal('an unclosed comment', open);
    if (!template.startsWith('}}', close + 2)) throw new Refusal('a comment not followed at once by "}}"', open);
    return { part: null, end: close + 4 };
  }
  let part: TemplatePart | null = null;
  for (;;) {
    at += SPACE.exec(template.slice(at))?.[0].length ?? 0;
    if (at >= template.length) throw new Refusal('an action never closed with "}}"', open);
    if (template.startsWith('-}}', at) && /[ \t\r\n]/.test(template[at - 1]!)) throw new Refusal('a trim marker (" -}}")', at);
    if (template.startsWith('}}', at)) {
      if (part === null) throw new Refusal('an empty action', open);
      return { part, end: at + 2 };
    }
    const c = template[at];
    const operand = c === '"' || c === '`' || (c === '.' && IDENTIFIER.test(template.slice(at + 1)));
    if (part !== null) throw new Refusal(operand ? 'a second operand in one action (one field or one constant per {{…}})' : nameOf(template, at), at);
    if (c === '"' || c === '`') {
      const string = parseGoString(template, at);
      if (!string.ok) throw new Refusal(string.problem, at);
      part = { literal: string.value };
      at = string.end;
    } else if (operand) {
      const name = IDENTIFIER.exec(template.slice(at + 1))![0];
      if (template[at + 1 + name.length] === '.') throw new Refusal(nameOf(template, at + 1 + name.length), at);
      part = { field: name };
      at += 1 + name.length;
    } else {
      throw new Refusal(nameOf(template, at), at);
    }
  }
}

/** Splits a template into literal and field parts; constants join the literals, comments vanish. */
export function parseRecordTemplate(template: string): TemplateParse {
  const parts: TemplatePart[] = [];
  let position = 0;
  while (position < template.length) {
    const open = template.indexOf('{{', position);
    if (open < 0) {
      parts.push({ literal: template.slice(position) });
      break;
    }
    if (open > position) parts.push({ literal: template.slice(position, open) });
    try {
      const action = readAction(template, open);
      if (action.part !== null) parts.push(action.part);
      position = action.end;
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      const close = template.indexOf('}}', error.at);
      const text = template.slice(open, close < 0 ? undefined : close + 2);
      return {
        ok: false,
        message: `${error.construct} is not supported in a record template (only ${ALLOWED}): found ${describe(text, open)}`,
      };
    }
  }
  return { ok: true, parts };
}
