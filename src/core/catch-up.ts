// Catch-up of parked jobs (docs/architecture.md "Parking and catch-up"): for each parked job, a
// reader re-reads the job's records from its resume positions and delivers them through the job's
// own destination; once the reader is close behind the live consumer on every partition, the
// job is handed back to the live path in one step, and the reader finishes the records before
// that point. No gap: every offset is delivered by the reader (below the hand-back point) or by
// the live path (from it on). While its destination still fails, a reader holds at most its
// budget and waits in its own retry loop: that is the probe with backoff.

import type { Logger } from 'pino';
import type { JobRuntime } from './job-runtime.ts';

/** One partition's offset, by partition number. */
export type Offsets = ReadonlyMap<number, number>;

/** A running re-read of one job's records (a Kafka consumer in catch-up mode and its pipeline). */
export interface CatchUpRun {
  /** Per partition, the next offset the reader will read. */
  readOffsets(): Offsets;
  /** Per partition, the offset below which everything it read is delivered. */
  deliveredOffsets(): Offsets;
  /** From now on, read nothing at or past these offsets. */
  stopAt(targets: Offsets): void;
  /**
   * The job's destination takes the reader's batches: it delivered since its last failure (or
   * there was nothing to deliver). A reader whose destination still fails must not hand the job
   * back, however close behind live it has read: its reads only fill its own memory.
   */
  delivering(): boolean;
  /** True once the reader stopped on its own (its consumer failed): it is started again. */
  readonly ended: boolean;
  close(): Promise<void>;
}

/** What the catch-up needs from the live side. */
export interface LiveSide {
  /** Parked jobs (the pipeline's). */
  parkedJobs(): readonly JobRuntime[];
  /** The topic a dataset is read from, or undefined when no topic carries it. */
  topicOf(dataset: string): string | undefined;
  /** The live consumer's next offset on each partition of `topic` it owns. */
  liveOffsets(topic: string): Offsets;
  /** Where a parked job resumes on each owned partition of `topic`. */
  resumeOffsets(jobId: number, topic: string): Offsets;
  /** Moves a parked job's resume positions forward as its records are delivered. */
  advance(jobId: number, topic: string, delivered: Offsets): void;
  /** Routes the job live again from the next record on. */
  handBack(jobId: number): void;
  /** The job has no records left behind: its positions are dropped. */
  caughtUp(jobId: number): void;
  /** Records (offsets) the parked job is behind the end of its partitions, when known (for the log). */
  recordsBehind(jobId: number): number | undefined;
  /** Starts a reader for `runtime` on `topic` from `from`. */
  startRun(runtime: JobRuntime, topic: string, from: Offsets): CatchUpRun;
}

export interface CatchUpOptions {
  /** Readers running at once; more parked jobs wait their turn. */
  maxRuns: number;
  /** Hand back when the reader is at most this many offsets behind live on every partition. */
  handBackLag: number;
  log: Logger;
}

interface RunState {
  readonly runtime: JobRuntime;
  readonly topic: string;
  readonly run: CatchUpRun;
  /** Set at hand-back: the reader delivers everything below these, the live path the rest. */
  targets: Map<number, number> | null;
}

export class CatchUp {
  readonly #live: LiveSide;
  readonly #options: CatchUpOptions;
  readonly #runs = new Map<number, RunState>();
  /**
   * Jobs handed back whose reader stopped (a rebalance, a failed consumer) before it delivered
   * everything below the hand-back point: the job is live again, so it is not parked, but a new
   * reader must still finish those records, up to the same stop points.
   */
  readonly #unfinished = new Map<number, { runtime: JobRuntime; topic: string; targets: Map<number, number> }>();
  #closing = false;

  constructor(live: LiveSide, options: CatchUpOptions) {
    this.#live = live;
    this.#options = options;
  }

  /** Jobs being caught up now. */
  get running(): number {
    return this.#runs.size;
  }

  /** Called on a timer: starts readers for parked jobs, hands back, finishes. */
  async tick(): Promise<void> {
    if (this.#closing) return;
    for (const state of [...this.#runs.values()]) await this.#progress(state);
    for (const [jobId, left] of [...this.#unfinished]) {
      if (this.#runs.size >= this.#options.maxRuns) break;
      this.#unfinished.delete(jobId);
      this.#finish(left.runtime, left.topic, left.targets);
    }
    for (const runtime of this.#live.parkedJobs()) {
      if (this.#runs.size >= this.#options.maxRuns) break;
      if (this.#runs.has(runtime.job.id)) continue;
      this.#start(runtime);
    }
  }

  /**
   * Stops every reader (a rebalance moved partitions, or shutdown). Their progress is already in
   * the resume positions; a job handed back but not finished stays in them until a later run
   * (started at the next tick) delivers the rest.
   */
  async stopAll(): Promise<void> {
    const states = [...this.#runs.values()];
    this.#runs.clear();
    for (const state of states) this.#keepUnfinished(state);
    await Promise.all(states.map((state) => state.run.close()));
  }

  #keepUnfinished(state: RunState): void {
    if (state.targets !== null) this.#unfinished.set(state.runtime.job.id, { runtime: state.runtime, topic: state.topic, targets: state.targets });
  }

  /** A reader for a job already handed back: it stops where the live path took over, on partitions still owned. */
  #finish(runtime: JobRuntime, topic: string, targets: Map<number, number>): void {
    const owned = this.#live.liveOffsets(topic);
    const kept = new Map([...targets].filter(([partition]) => owned.has(partition)));
    const from = this.#live.resumeOffsets(runtime.job.id, topic);
    const run = this.#live.startRun(runtime, topic, from);
    run.stopAt(kept);
    this.#runs.set(runtime.job.id, { runtime, topic, run, targets: kept });
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.stopAll();
  }

  #start(runtime: JobRuntime): void {
    const topic = this.#live.topicOf(runtime.job.dataset);
    if (topic === undefined) return;
    const from = this.#live.resumeOffsets(runtime.job.id, topic);
    const run = this.#live.startRun(runtime, topic, from);
    this.#runs.set(runtime.job.id, { runtime, topic, run, targets: null });
    this.#options.log.info({ job_id: runtime.job.id, topic, partitions: from.size, records_behind: this.#live.recordsBehind(runtime.job.id) ?? null }, 'catch-up started for a parked job');
  }

  async #progress(state: RunState): Promise<void> {
    const jobId = state.runtime.job.id;
    if (state.run.ended) {
      // Its progress is saved; a new reader picks up from it (next tick).
      this.#runs.delete(jobId);
      this.#keepUnfinished(state);
      await state.run.close();
      return;
    }
    const delivered = state.run.deliveredOffsets();
    this.#live.advance(jobId, state.topic, delivered);
    if (state.targets === null) {
      const live = this.#live.liveOffsets(state.topic);
      const read = state.run.readOffsets();
      if ([...live.keys()].some((partition) => !read.has(partition)) || [...read.keys()].some((partition) => !live.has(partition))) {
        // The live consumer's partitions changed (a rebalance): start over from the saved
        // positions (its progress is in them), on the partitions owned now.
        this.#runs.delete(jobId);
        await state.run.close();
        return;
      }
      if (!closeBehind(read, live, this.#options.handBackLag) || !state.run.delivering()) return;
      // One synchronous step: the live offsets read now are where the live path takes over.
      state.targets = new Map(live);
      state.run.stopAt(state.targets);
      this.#live.handBack(jobId);
      this.#options.log.info({ job_id: jobId, topic: state.topic }, 'parked job handed back; catch-up finishes the records before that point');
      return;
    }
    if (this.#live.parkedJobs().some((runtime) => runtime.job.id === jobId)) {
      // Parked again before this reader finished: its positions now also cover the new parking,
      // so one new reader (started by the next tick) delivers both; this one must not drop them.
      this.#runs.delete(jobId);
      await state.run.close();
      return;
    }
    for (const [partition, target] of state.targets) {
      if ((delivered.get(partition) ?? -1) < target) return;
    }
    this.#runs.delete(jobId);
    this.#live.caughtUp(jobId);
    await state.run.close();
    this.#options.log.info({ job_id: jobId, topic: state.topic }, 'catch-up finished');
  }
}

/** Whether `read` is within `lag` offsets of `live` on every live partition. */
export function closeBehind(read: Offsets, live: Offsets, lag: number): boolean {
  for (const [partition, liveNext] of live) {
    const at = read.get(partition);
    if (at === undefined || liveNext - at > lag) return false;
  }
  return true;
}
