// Where a JSON text first goes wrong, as line and column. V8's JSON.parse messages usually
// carry "(line L column C)", but not all do ("Unexpected token 'x', "…" is not valid JSON"),
// so a small scanner finds the offset itself. It only runs after JSON.parse has failed.
// Iterative (an explicit stack, no recursion), so deeply nested input cannot overflow it.

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX_DIGIT = /^[0-9a-fA-F]$/;

/** Offset just past a string starting at `start` (a `"`), or -(offset of the fault) - 1. */
function scanString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -i - 1;
    if (c === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        for (let h = i + 2; h < i + 6; h++) {
          if (!HEX_DIGIT.test(text[h] ?? '')) return -h - 1;
        }
        i += 6;
      } else if (next !== undefined && ESCAPES.has(next)) {
        i += 2;
      } else {
        return -(i + 1) - 1;
      }
    } else {
      i++;
    }
  }
  return -text.length - 1;
}

/** Offset of the first syntax error in `text`, or -1 when it is valid JSON. */
export function jsonErrorOffset(text: string): number {
  const stack: string[] = [];
  let mode: 'value' | 'key' | 'after' = 'value';
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  for (;;) {
    skipSpace();
    if (mode === 'after' && stack.length === 0) return i === text.length ? -1 : i;
    if (i >= text.length) return text.length;
    const c = text[i];
    if (mode === 'value') {
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        skipSpace();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          mode = 'after';
        } else {
          mode = c === '{' ? 'key' : 'value';
        }
        continue;
      }
      if (c === '"') {
        const end = scanString(text, i);
        if (end < 0) return -end - 1;
        i = end;
      } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
        i += 4;
      } else if (text.startsWith('false', i)) {
        i += 5;
      } else {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return i;
        i = NUMBER.lastIndex;
      }
      mode = 'after';
    } else if (mode === 'key') {
      if (c !== '"') return i;
      const end = scanString(text, i);
      if (end < 0) return -end - 1;
      i = end;
      skipSpace();
      if (text[i] !== ':') return i;
      i++;
      mode = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (c === ',') {
        i++;
        mode = top === '{' ? 'key' : 'value';
      } else if ((top === '{' && c === '}') || (top === '[' && c === ']')) {
        stack.pop();
        i++;
      } else {
        return i;
      }
    }
  }
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
