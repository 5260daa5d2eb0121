// Go string constants as text/template reads them inside an action: "interpreted" (backslash
// escapes, one line) and `raw` (as written, any lines, carriage returns dropped — Go's
// strconv.Unquote does that). Escapes that make a single byte above 0x7f (\xff, \377) are
// refused: a record template's text is UTF-8, and such a byte alone is not.

export type GoString = { ok: true; value: string; end: number } | { ok: false; problem: string };

const SIMPLE: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** Reads the string constant whose opening quote is at `at`; `end` is just past its closing quote. */
export function parseGoString(text: string, at: number): GoString {
  if (text[at] === '`') {
    const close = text.indexOf('`', at + 1);
    if (close < 0) return { ok: false, problem: 'an unterminated raw string' };
    return { ok: true, value: text.slice(at + 1, close).replaceAll('\r', ''), end: close + 1 };
  }
  let value = '';
  let i = at + 1;
  for (;;) {
    const c = text[i];
    if (c === undefined || c === '\n') return { ok: false, problem: 'an unterminated string constant' };
    if (c === '"') return { ok: true, value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const kind = text[i + 1] ?? '';
    if (Object.hasOwn(SIMPLE, kind)) {
      value += SIMPLE[kind];
      i += 2;
      continue;
    }
    const octal = /^[0-7]{3}/.test(text.slice(i + 1, i + 4));
    const digits = octal ? 3 : HEX_DIGITS[kind];
    if (digits === undefined) return { ok: false, problem: `an unknown escape (${JSON.stringify(`\\${kind}`)})` };
    const start = octal ? i + 1 : i + 2;
    const code = text.slice(start, start + digits);
    if (octal ? false : !new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(code)) {
      return { ok: false, problem: `an escape "\\${kind}" without ${digits} hex digits` };
    }
    const point = Number.parseInt(code, octal ? 8 : 16);
    if ((octal || kind === 'x') && point > 0x7f) {
      return { ok: false, problem: 'a byte escape above \\x7f (write the character itself, or \\u…)' };
    }
    if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
      return { ok: false, problem: `an escape of an invalid Unicode code point (${JSON.stringify(text.slice(i, start + digits))})` };
    }
    value += String.fromCodePoint(point);
    i = start + digits;
  }
}
