// record_template: Logpush takes a Go text/template without functions or control flow.
// sluice accepts only literal text and `{{.Field}}` placeholders (spaces inside the braces
// allowed), parsed here once; the encoder builds each record from these parts.

export type TemplatePart = { literal: string } | { field: string };

export type TemplateParse = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

const PLACEHOLDER = /^\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/** Splits a template into literal and field parts; anything else inside `{{…}}` is refused. */
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
    const close = template.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, message: `"{{" at character ${open} is never closed with "}}"` };
    const inner = template.slice(open + 2, close);
    const match = PLACEHOLDER.exec(inner);
    if (match === null) {
      const shown = inner.length > 40 ? `${inner.slice(0, 40)}…` : inner;
      return {
        ok: false,
        message: `only {{.FieldName}} placeholders are supported (no functions, pipes, conditionals or loops); found ${JSON.stringify(`{{${shown}}}`)} at character ${open}`,
      };
    }
    parts.push({ field: match[1] as string });
    position = close + 2;
  }
  return { ok: true, parts };
}
