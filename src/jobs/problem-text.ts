// Small helpers for writing validation problems a person can act on: quoting user text
// safely (bounded length, escaped control characters), naming a value's JSON type, and a
// "did you mean" suggestion for typos.

const MAX_QUOTED_CHARS = 60;

/** `"text"` with escapes, shortened so a huge input never makes a huge message. */
export function quote(text: string): string {
  const short = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
  return JSON.stringify(short);
}

/** The JSON type of a value, as people say it: string, number, boolean, null, array, object. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short rendering of any value for a message: quoted strings, literal numbers, else its type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'nothing';
  return `a${jsonTypeName(value) === 'array' ? 'n array' : 'n object'}`;
}

// Names compared for suggestions are short (field names are under 40 chars); longer input
// gets no suggestion rather than an O(n·m) walk over a megabyte string.
const MAX_SUGGEST_CHARS = 64;

/**
 * Edit distance counting an insertion, deletion, substitution or swap of two neighbouring
 * characters as one edit (optimal string alignment): "wehre" is one edit from "where".
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (beforePrevious[j - 2] ?? 0) + 1);
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The closest candidate to a mistyped name, or undefined when nothing is close enough. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length === 0 || input.length > MAX_SUGGEST_CHARS) return undefined;
  const lower = input.toLowerCase();
  const allowed = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // A case-only difference (ClientIp vs ClientIP) is the most likely typo of all.
    // Then a truncation or an extension (gz → gzip, rfc3339nano → rfc3339).
    const other = candidate.toLowerCase();
    const distance = other === lower ? 0.5
      : lower.length >= 2 && (other.startsWith(lower) || lower.startsWith(other)) ? 1
      : editDistance(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

/** `; did you mean "X"?` or an empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const suggestion = closest(input, candidates);
  return suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`;
}
