// Copies poison records to the source's dead-letter destination before they are acknowledged,
// retrying with backoff: a record is acknowledged only once it is delivered or stored as
// poison (no loss, invariant 1 and 5).

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { PoisonRecord } from '../sources/source.ts';
import type { RateLimiter } from '../telemetry/log.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';

export type DeadLetterWriter = (records: PoisonRecord[]) => Promise<void>;

export interface DeadLetterContext {
  write: DeadLetterWriter;
  log: Logger;
  limiter: RateLimiter;
  backoff: BackoffPolicy;
  signal: AbortSignal;
}

/** Resolves true once stored, false if shutdown cut the retries short (records stay unacknowledged). */
export async function storePoison(ctx: DeadLetterContext, records: PoisonRecord[]): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.write(records);
      return true;
    } catch (error) {
      if (ctx.limiter.take('dead-letter') >= 0) {
        ctx.log.warn({ records: records.length, attempt, err: error instanceof Error ? error.message : String(error) }, 'writing poison records to the dead-letter destination failed; will retry');
      }
      try {
        await sleep(backoffDelay(attempt, ctx.backoff), undefined, { signal: ctx.signal });
      } catch {
        return false;
      }
    }
  }
}
