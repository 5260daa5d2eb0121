// Logpush settings that Cloudflare's SDK and API schema send but sluice does not offer (yet).
// The job schema (schema.ts) declares only what sluice does; a value listed here is Logpush's
// own, so it is refused with a sentence that says sluice does not offer it, instead of a bare
// "must be one of" — and never accepted and ignored.

/** Why `value` is refused, or null when it is not one of the values sluice does not offer. */
type NotOffered = (value: unknown) => string | null;

/** Job-level keys (validation/validate.ts). */
export const NOT_OFFERED_JOB: Readonly<Record<string, NotOffered>> = {
  kind: (value) => value === 'edge'
    ? '"edge" (Edge Log Delivery, Instant Logs) is not offered by sluice; leave kind out or set it to "" for a Logpush job'
    : null,
  filter_attack_traffic: (value) => value === true
    ? 'sluice does not support excluding DDoS attack traffic yet (its records carry no attack mark); leave it out or set it to false'
    : null,
  // Logpush deprecated frequency for max_upload_*; "high" is its default and sluice's behaviour.
  frequency: (value) => value === 'low'
    ? '"low" is not supported (frequency is deprecated in Logpush): for larger, less frequent batches raise max_upload_interval_seconds, max_upload_records or max_upload_bytes'
    : null,
};

/** output_options keys (validation/validate-output-options.ts). */
export const NOT_OFFERED_OUTPUT: Readonly<Record<string, NotOffered>> = {
  merge_subrequests: (value) => value === true
    ? 'sluice does not support merging subrequests into their parent request yet; leave it out or set it to false'
    : null,
};

export function notOfferedProblem(table: Readonly<Record<string, NotOffered>>, key: string, value: unknown): string | null {
  return Object.hasOwn(table, key) ? table[key]!(value) : null;
}
