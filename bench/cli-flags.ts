// Reading benchmark flags (node:util parseArgs gives strings).

/** `text` as an integer ≥ 1, or an error that names the flag. */
export function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return n;
}
