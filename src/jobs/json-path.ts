// JSON paths for problems: `$.output_options.field_names[3]`, `$.output_options["CVE-2021-44228"]`.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends one step (an object key or an array index) to a JSON path. */
export function pathJoin(base: string, step: string | number): string {
  if (typeof step === 'number') return `${base}[${step}]`;
  return IDENTIFIER.test(step) ? `${base}.${step}` : `${base}[${JSON.stringify(step)}]`;
}

/** Appends several steps, e.g. a zod issue path. */
export function pathJoinAll(base: string, steps: ReadonlyArray<PropertyKey>): string {
  let path = base;
  for (const step of steps) path = pathJoin(path, typeof step === 'number' ? step : String(step));
  return path;
}
