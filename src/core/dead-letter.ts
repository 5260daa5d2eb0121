// Poison records on their way out before they are acknowledged: a record is acknowledged only
// once it is delivered or stored as poison (no loss, invariants 1 and 5), and storing poison
// never stops the line (invariant 5).
//
// DeadLetterPath guards one dead-letter destination (Kafka: a topic). A write is tried a
// bounded number of times; when it still fails, the destination is set aside like a failing
// job: its poison records go to the local quarantine folder (src/core/quarantine.ts) and are
// acknowledged, with a rate-limited log line and a metric. While set aside, a batch of poison
// now and then is tried on the destination first (a probe, spaced by exponential backoff);
// the first one it takes ends the set-aside. Every poison record ends up counted in exactly
// one place: written, written truncated, or quarantined.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeadLetterSink, PoisonRecord } from './source.ts';
import { RateLimiter } from '../shared/log.ts';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff.ts';

/** Stores poison records (each to its source's dead-letter path); rejects only when `signal` aborted it. */
export type DeadLetterWriter = (records: PoisonRecord[], signal: AbortSignal) => Promise<void>;

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
      await ctx.write(records, ctx.signal);
      return true;
    } catch (error) {
      if (ctx.limiter.take('dead-letter') >= 0) {
        ctx.log.warn({ records: records.length, attempt, err: error instanceof Error ? error.message : String(error) }, 'storing poison records failed; will retry');
      }
      try {
        await sleep(backoffDelay(attempt, ctx.backoff), undefined, { signal: ctx.signal });
      } catch {
        return false;
      }
    }
  }
}

export type DeadLetterOutcome = 'written' | 'truncated' | 'quarantined';

/** Emitters for src/telemetry/metrics.ts, called per write, never per record. */
export interface DeadLetterMetrics {
  deadLetterRecords(outcome: DeadLetterOutcome, records: number): void;
  /** +1 when a dead-letter destination is set aside, -1 when it takes writes again. */
  deadLetterSetAside(change: 1 | -1): void;
}

export const NO_DEAD_LETTER_METRICS: DeadLetterMetrics = { deadLetterRecords() {}, deadLetterSetAside() {} };

export interface DeadLetterPathOptions {
  sink: DeadLetterSink;
  /** Writes records to the local quarantine folder; resolves to where. */
  quarantine(records: readonly PoisonRecord[], whySetAside: string): Promise<string>;
  log: Logger;
  /** Spaces the retries of one write, of quarantine writes, and the probes while set aside. */
  backoff: BackoffPolicy;
  /** Tries of one write before the destination is set aside (default 5). */
  attempts?: number;
  metrics?: DeadLetterMetrics;
  now?: () => number;
}

const DEFAULT_ATTEMPTS = 5;
/** Probes while set aside are at least this far apart, whatever the backoff policy says. */
const MIN_PROBE_GAP_MS = 100;

export class DeadLetterPath {
  readonly counts: Record<DeadLetterOutcome, number> = { written: 0, truncated: 0, quarantined: 0 };
  readonly #options: DeadLetterPathOptions;
  readonly #attempts: number;
  readonly #metrics: DeadLetterMetrics;
  readonly #now: () => number;
  readonly #limiter = new RateLimiter(10_000);
  /** Why the destination was set aside; null while it takes writes. */
  #setAside: string | null = null;
  #probes = 0;
  #nextProbeAt = 0;
  #probing = false;

  constructor(options: DeadLetterPathOptions) {
    this.#options = options;
    this.#attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
    this.#metrics = options.metrics ?? NO_DEAD_LETTER_METRICS;
    this.#now = options.now ?? Date.now;
  }

  /** True while poison goes to quarantine because the destination refused writes. */
  get setAside(): boolean {
    return this.#setAside !== null;
  }

  /**
   * Resolves once every record is in the dead-letter destination or in quarantine (counted
   * either way). Rejects only when `signal` aborts a wait (the records stay unacknowledged).
   */
  async store(records: readonly PoisonRecord[], signal: AbortSignal): Promise<void> {
    if (records.length === 0) return;
    let done = 0;
    const stored = (count: number, truncated: number): void => {
      done += count;
      this.#count('written', count - truncated);
      this.#count('truncated', truncated);
    };
    const probe = this.#setAside !== null && !this.#probing && this.#now() >= this.#nextProbeAt;
    if (this.#setAside === null || probe) {
      if (probe) this.#probing = true;
      try {
        const error = await this.#write(records, stored, probe, signal);
        if (error === null) {
          if (probe) this.#resume();
          return;
        }
        if (probe) this.#probeFailed(error);
        else this.#setAsideFor(error);
      } finally {
        if (probe) this.#probing = false;
      }
    }
    await this.#quarantine(done === 0 ? records : records.slice(done), signal);
  }

  /** Tries the destination (a probe: once); null once everything is stored, else the last error. */
  async #write(records: readonly PoisonRecord[], stored: (count: number, truncated: number) => void, probe: boolean, signal: AbortSignal): Promise<unknown> {
    const { sink, log, backoff } = this.#options;
    const attempts = probe ? 1 : this.#attempts;
    let done = 0;
    const progress = (count: number, truncated: number): void => {
      done += count;
      stored(count, truncated);
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await sink.deadLetter(done === 0 ? records : records.slice(done), progress);
        return null;
      } catch (error) {
        // Another write already set the destination aside: do not keep this one waiting.
        if (attempt + 1 >= attempts || this.#setAside !== null) return error;
        const suppressed = this.#limiter.take('retry');
        if (suppressed >= 0) log.warn({ destination: sink.name, records: records.length - done, attempt, suppressed, err: messageOf(error) }, 'writing poison records to the dead-letter destination failed; will retry');
        await sleep(backoffDelay(attempt, backoff), undefined, { signal });
      }
    }
  }

  #setAsideFor(error: unknown): void {
    if (this.#setAside !== null) return;
    this.#setAside = messageOf(error);
    this.#probes = 0;
    this.#scheduleProbe();
    this.#metrics.deadLetterSetAside(1);
    this.#options.log.error(
      { destination: this.#options.sink.name, attempts: this.#attempts, err: this.#setAside },
      'dead-letter destination set aside: it refuses writes; poison records go to the quarantine folder and are acknowledged until it takes writes again (probed with backoff)',
    );
  }

  #probeFailed(error: unknown): void {
    this.#setAside = messageOf(error);
    this.#probes++;
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    this.#nextProbeAt = this.#now() + Math.max(MIN_PROBE_GAP_MS, backoffDelay(this.#probes, this.#options.backoff));
  }

  #resume(): void {
    if (this.#setAside === null) return;
    this.#setAside = null;
    this.#metrics.deadLetterSetAside(-1);
    this.#options.log.warn({ destination: this.#options.sink.name, probes: this.#probes + 1 }, 'dead-letter destination takes writes again: poison records go to it, no longer to quarantine');
  }

  async #quarantine(records: readonly PoisonRecord[], signal: AbortSignal): Promise<void> {
    const { log, sink, backoff } = this.#options;
    const why = this.#setAside ?? 'the dead-letter destination refused writes';
    for (let attempt = 0; ; attempt++) {
      try {
        const location = await this.#options.quarantine(records, why);
        this.#count('quarantined', records.length);
        const suppressed = this.#limiter.take('quarantined');
        if (suppressed >= 0) {
          log.warn({ destination: sink.name, records: records.length, location, total_quarantined: this.counts.quarantined, suppressed }, 'poison records quarantined: the dead-letter destination is set aside');
        }
        return;
      } catch (error) {
        // The local disk refuses too: keep the records unacknowledged and try again.
        const suppressed = this.#limiter.take('quarantine-failed');
        if (suppressed >= 0) log.error({ destination: sink.name, records: records.length, attempt, suppressed, err: messageOf(error) }, 'quarantining poison records failed; will retry');
        await sleep(backoffDelay(attempt, backoff), undefined, { signal });
      }
    }
  }

  #count(outcome: DeadLetterOutcome, records: number): void {
    if (records === 0) return;
    this.counts[outcome] += records;
    this.#metrics.deadLetterRecords(outcome, records);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
