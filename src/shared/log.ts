// Structured JSON logs (pino) on stderr, so stdout stays free for progress lines and output.
// Error lines that can repeat per record or per batch go through `rateLimited`, which lets one
// line per key through per interval and reports how many were suppressed meanwhile.

import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Secrets must never reach a log line (invariant 7). Code logs destinations only through
 * redactDestinationConf; this is the safety net for objects that carry credentials by name
 * (a kafkajs SASL block, request headers, a config section) if one is ever logged whole.
 */
const SECRET_PATHS = [
  'password', 'secret', 'token', 'authorization', 'secretAccessKey', 'secret_access_key', '["secret-access-key"]', 'sasl',
].flatMap((key) => [key.startsWith('[') ? key.slice(1, -1) : key, key.startsWith('[') ? `*${key}` : `*.${key}`, key.startsWith('[') ? `*.*${key}` : `*.*.${key}`]);

export function createLogger(level: string = process.env.SLUICE_LOG_LEVEL ?? 'info', destination: DestinationStream = pino.destination({ fd: 2, sync: false })): Logger {
  return pino({ level, base: { service: 'sluice' }, redact: { paths: SECRET_PATHS, censor: 'REDACTED' } }, destination);
}

export const log: Logger = createLogger();

export class RateLimiter {
  private readonly intervalMs: number;
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /**
   * Returns -1 if a line for `key` was let through less than the interval ago (this one is
   * suppressed), else the number of lines suppressed since the last one let through.
   */
  take(key: string, now: number = Date.now()): number {
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return -1;
    }
    const suppressed = entry ? entry.suppressed : 0;
    this.last.set(key, { at: now, suppressed: 0 });
    return suppressed;
  }
}
