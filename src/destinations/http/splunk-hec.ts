// Splunk HTTP Event Collector status codes (the `code` in `{"text":"Invalid token","code":4}`),
// as documented for HEC, mapped to what sluice should do about them.

export interface HecError {
  hecCode: number;
  text: string;
  code: 'ERR_HTTP_UNAUTHORIZED' | 'ERR_SPLUNK_HEC_REJECTED' | 'ERR_SPLUNK_HEC_BUSY';
  retryable: boolean;
}

type Outcome = Pick<HecError, 'code' | 'retryable'>;
const AUTH: Outcome = { code: 'ERR_HTTP_UNAUTHORIZED', retryable: false };
const REJECTED: Outcome = { code: 'ERR_SPLUNK_HEC_REJECTED', retryable: false };
const BUSY: Outcome = { code: 'ERR_SPLUNK_HEC_BUSY', retryable: true };

const HEC_CODES: ReadonlyMap<number, [string, Outcome]> = new Map([
  [1, ['the HEC token is disabled', AUTH]],
  [2, ['a HEC token is required', AUTH]],
  [3, ['invalid authorization', AUTH]],
  [4, ['invalid HEC token', AUTH]],
  [5, ['no data', REJECTED]],
  [6, ['invalid data format', REJECTED]],
  [7, ['incorrect index: the token may not write to this index', REJECTED]],
  [8, ['internal server error', BUSY]],
  [9, ['server is busy', BUSY]],
  [10, ['data channel is missing', REJECTED]],
  [11, ['invalid data channel', REJECTED]],
  [12, ['event field is required', REJECTED]],
  [13, ['event field cannot be blank', REJECTED]],
  [14, ['indexer acknowledgement is disabled', REJECTED]],
  [15, ['error in handling indexed fields', REJECTED]],
  [16, ['query string authorization is not enabled', AUTH]],
  [18, ['HEC is unhealthy: queues are full', BUSY]],
  [19, ['HEC is unhealthy: acknowledgement service unavailable', BUSY]],
  [20, ['HEC is unhealthy: queues are full and acknowledgement service unavailable', BUSY]],
]);

/**
 * The HEC error in a response body, or null when the body is not a HEC status object, reports
 * success (0) or health (17), or carries a code this table does not know (the HTTP status then
 * decides).
 */
export function splunkHecError(body: string): HecError | null {
  if (!body.startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const hecCode = (parsed as { code?: unknown } | null)?.code;
  if (typeof hecCode !== 'number') return null;
  const known = HEC_CODES.get(hecCode);
  if (!known) return null;
  const [text, outcome] = known;
  return { hecCode, text, ...outcome };
}
