// Intake pauses as sluice itself reports them: scrapes /metrics every `pollMs` and notes when
// `sluice_source_received_records_total` stops moving. Under a steady open-loop load the counter
// advances every scrape; a gap between two advances is an intake pause (Kafka paused for
// backpressure, a rebalance, a restart). Also follows `sluice_jobs_parked` and the consumer lag.
// A restarted sluice has a new URL (`setUrl`) and a counter starting again from 0.

export interface IntakePause {
  /** Epoch ms of the last advance before the pause. */
  fromMs: number;
  seconds: number;
  /** `sluice_pipeline_buffered_bytes` when intake stopped: at the budget means backpressure. */
  bufferedMB: number;
}

export interface IntakeReport {
  scrapes: number;
  failedScrapes: number;
  longestPauseSeconds: number;
  /** Every pause longer than `reportAboveMs`, in order. */
  pauses: IntakePause[];
  maxParkedJobs: number;
  /** Epoch ms of each change of `sluice_jobs_parked`, with the new value. */
  parkedChanges: Array<{ atMs: number; parked: number }>;
  maxConsumerLagRecords: number;
  maxBufferedMB: number;
  budgetMB: number;
  /** Largest `nodejs_eventloop_lag_max_seconds` seen: a blocked or starved sluice main thread. */
  maxEventLoopLagSeconds: number;
}

const RECEIVED = /^sluice_source_received_records_total\{[^}]*\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/m;
const PARKED = /^sluice_jobs_parked (\d+)$/m;
const BUFFERED = /^sluice_pipeline_buffered_bytes (\d+)$/m;
const BUDGET = /^sluice_pipeline_buffered_bytes_budget (\d+)$/m;
const LOOP_LAG = /^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)$/m;
const LAG = /^sluice_kafka_consumer_lag_records\{[^}]*\} (\d+)$/gm;

/** `sluice_source_received_records_total` in a /metrics answer (0 before the first record). */
export function receivedRecords(metricsText: string): number {
  return Number(RECEIVED.exec(metricsText)?.[1] ?? 0);
}

export class IntakeMonitor {
  readonly #pollMs: number;
  readonly #reportAboveMs: number;
  #url: string | null = null;
  #last = -1;
  #lastAdvanceMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  readonly #report: IntakeReport = { scrapes: 0, failedScrapes: 0, longestPauseSeconds: 0, pauses: [], maxParkedJobs: 0, parkedChanges: [], maxConsumerLagRecords: 0, maxBufferedMB: 0, budgetMB: 0, maxEventLoopLagSeconds: 0 };
  #bufferedAtAdvance = 0;
  #buffered = 0;

  constructor(pollMs = 250, reportAboveMs = 1000) {
    this.#pollMs = pollMs;
    this.#reportAboveMs = reportAboveMs;
  }

  /** The running sluice's metrics URL (a restarted process has a new one and a fresh counter). */
  setUrl(url: string): void {
    this.#url = url;
    this.#last = -1;
  }

  /** Starts counting pauses from now (call when the load starts). */
  start(): void {
    this.#lastAdvanceMs = Date.now();
    this.#timer = setInterval(() => void this.#scrape(), this.#pollMs);
  }

  /** Stops; a pause still open counts up to now. */
  stop(): IntakeReport {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#advanced(Date.now());
    return this.#report;
  }

  async #scrape(): Promise<void> {
    if (this.#busy || this.#url === null) return;
    this.#busy = true;
    const url = this.#url;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      if (url !== this.#url) return; // restarted while scraping
      this.#report.scrapes++;
      const received = receivedRecords(text);
      const now = Date.now();
      this.#buffered = Number(BUFFERED.exec(text)?.[1] ?? 0);
      this.#report.maxBufferedMB = Math.max(this.#report.maxBufferedMB, Math.round(this.#buffered / 1e6));
      this.#report.maxEventLoopLagSeconds = Math.max(this.#report.maxEventLoopLagSeconds, Math.round(Number(LOOP_LAG.exec(text)?.[1] ?? 0) * 100) / 100);
      this.#report.budgetMB = Math.round(Number(BUDGET.exec(text)?.[1] ?? 0) / 1e6);
      if (received > this.#last && (this.#last >= 0 || received > 0)) this.#advanced(now);
      this.#last = received;
      const parked = Number(PARKED.exec(text)?.[1] ?? 0);
      const previous = this.#report.parkedChanges.at(-1)?.parked ?? 0;
      if (parked !== previous) this.#report.parkedChanges.push({ atMs: now, parked });
      if (parked > this.#report.maxParkedJobs) this.#report.maxParkedJobs = parked;
      let lag = 0;
      for (const match of text.matchAll(LAG)) lag += Number(match[1]);
      if (lag > this.#report.maxConsumerLagRecords) this.#report.maxConsumerLagRecords = lag;
    } catch {
      this.#report.failedScrapes++; // down (killed, restarting): no advance, so it counts as a pause
    } finally {
      this.#busy = false;
    }
  }

  #advanced(nowMs: number): void {
    const gapMs = nowMs - this.#lastAdvanceMs;
    if (gapMs > this.#reportAboveMs) this.#report.pauses.push({ fromMs: this.#lastAdvanceMs, seconds: Math.round(gapMs / 100) / 10, bufferedMB: Math.round(this.#bufferedAtAdvance / 1e6) });
    this.#bufferedAtAdvance = this.#buffered;
    if (gapMs / 1000 > this.#report.longestPauseSeconds) this.#report.longestPauseSeconds = Math.round(gapMs / 100) / 10;
    this.#lastAdvanceMs = nowMs;
  }
}
