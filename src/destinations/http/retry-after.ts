// Retry-After (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.

/** Milliseconds to wait, or null when the header is absent or unreadable. A date in the past means 0. */
export function parseRetryAfter(value: string | string[] | undefined | null, nowMs: number = Date.now()): number | null {
  if (Array.isArray(value)) value = value[0];
  if (value === undefined || value === null) return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : null;
  }
  // HTTP-date (IMF-fixdate, and the obsolete RFC 850 / asctime forms Date.parse also reads).
  // Only accept text that looks like a date, so "soon" or "-5" is not guessed at.
  if (!/[A-Za-z]{3}/.test(text) || !/\d{1,2}:\d{2}:\d{2}/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}
