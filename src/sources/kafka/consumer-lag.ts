// Consumer lag from the broker's end offsets and the positions a restart would resume from
// (issue 10).
//
// Why not the fetch: lag taken as "high watermark at the last fetch minus the last record taken"
// read 463 while the real lag was ~277,000 during a stall. A paused partition is not fetched, so
// its watermark goes stale while producers go on, and records taken but not yet delivered count
// as done. Here:
// - the end of each partition comes from the broker on a timer (ListOffsets through
//   admin.fetchTopicOffsets: one call per topic every 10 s, fetching paused or not), or from the
//   last fetch when that saw a later one;
// - the position of a partition this member reads is the ack tracker's committable offset: every
//   record below it is delivered, filtered or dropped for every job, the commit scheduler commits
//   exactly it within commit_interval_ms, and it is where a restart resumes. A partition assigned
//   but not read yet (paused before its first record) is at the group's committed offset (one
//   OffsetFetch per refresh, only while there is such a partition), or at the log start / end
//   (from_beginning) when the group has none.
// Lag is summed per topic over the partitions this member owns: the label set stays the
// configured topics.

import type { Logger } from 'pino';

/** A partition's log start and end (high watermark: the offset the next record gets). */
export interface PartitionEnds {
  partition: number;
  start: number;
  end: number;
}

/** What lag needs from the broker; kafka-client.ts implements it with one long-lived admin client. */
export interface LagPort {
  endOffsets(topic: string): Promise<PartitionEnds[]>;
  /** The group's committed offsets (-1 where it has none). */
  committedOffsets(groupId: string, topics: readonly string[]): Promise<Array<{ topic: string; partition: number; offset: number }>>;
  close(): Promise<void>;
}

/** A partition this member owns, as the source sees it at scrape time. */
export interface OwnedPartition {
  topic: string;
  partition: number;
  /** The acknowledged position (ack tracker's committable offset); null before its first record is taken. */
  position: number | null;
  /** The high watermark the last fetch reported, -1 if none. */
  fetchedEnd: number;
}

export interface ConsumerLagOptions {
  port: LagPort;
  topics: readonly string[];
  groupId: string;
  fromBeginning: boolean;
  /** The partitions this member owns now. */
  owned: () => Iterable<OwnedPartition>;
  log: Logger;
  /** Default 10 s. */
  intervalMs?: number;
}

export const LAG_REFRESH_MS = 10_000;

const keyOf = (topic: string, partition: number): string => `${topic}/${partition}`;

export class ConsumerLag {
  readonly #options: ConsumerLagOptions;
  /** Broker end offsets by `topic/partition`, from the last refresh that got them. */
  readonly #ends = new Map<string, PartitionEnds>();
  /** The group's committed offsets of owned partitions not read yet, from the last refresh. */
  readonly #committed = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #refreshing: Promise<void> | null = null;
  #failing = false;
  #closed = false;

  constructor(options: ConsumerLagOptions) {
    this.#options = options;
  }

  /** Refreshes now and then on the interval (the timer does not keep the process alive). */
  start(): void {
    if (this.#timer !== null || this.#closed) return;
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#options.intervalMs ?? LAG_REFRESH_MS);
    this.#timer.unref();
  }

  /** Reads the end offsets (and committed offsets of unread partitions) once; at most one refresh at a time. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshOnce().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    const { port, topics, groupId, owned, log } = this.#options;
    try {
      for (const topic of topics) {
        const ends = await port.endOffsets(topic);
        if (this.#closed) return;
        for (const p of ends) this.#ends.set(keyOf(topic, p.partition), p);
      }
      const unread = [...owned()].filter((p) => p.position === null);
      const committed = unread.length === 0 ? [] : await port.committedOffsets(groupId, [...new Set(unread.map((p) => p.topic))]);
      this.#committed.clear();
      for (const c of committed) this.#committed.set(keyOf(c.topic, c.partition), c.offset);
      if (this.#failing) log.info('consumer lag: reading end offsets from the broker works again');
      this.#failing = false;
    } catch (error) {
      if (this.#closed) return;
      // The last values stay; the metric is as old as the last refresh that worked.
      if (!this.#failing) log.warn({ err: (error as Error).message }, 'consumer lag: reading end offsets from the broker failed; retrying at the next interval');
      this.#failing = true;
    }
  }

  /**
   * Records each job with saved positions (a parked job) is behind: between its position and
   * the end, summed over the owned partitions where it has one. Offsets of every tenant: which
   * of them are the job's is not known without reading them.
   */
  recordsBehind(positionsOf: (topic: string, partition: number) => ReadonlyMap<number, number>): Map<number, number> {
    const behind = new Map<number, number>();
    for (const p of this.#options.owned()) {
      const end = Math.max(this.#ends.get(keyOf(p.topic, p.partition))?.end ?? -1, p.fetchedEnd);
      if (end < 0) continue;
      for (const [jobId, position] of positionsOf(p.topic, p.partition)) behind.set(jobId, (behind.get(jobId) ?? 0) + Math.max(0, end - position));
    }
    return behind;
  }

  /** Records between each owned partition's position and its end, summed per topic. */
  *byTopic(): Iterable<[topic: string, lag: number]> {
    const byTopic = new Map<string, number>();
    for (const p of this.#options.owned()) {
      const key = keyOf(p.topic, p.partition);
      const broker = this.#ends.get(key);
      const end = Math.max(broker?.end ?? -1, p.fetchedEnd);
      if (end < 0) continue; // nothing known yet
      let position = p.position;
      if (position === null) {
        const committed = this.#committed.get(key) ?? -1;
        position = committed >= 0 ? committed : this.#options.fromBeginning ? broker?.start ?? 0 : end;
      }
      byTopic.set(p.topic, (byTopic.get(p.topic) ?? 0) + Math.max(0, end - position));
    }
    yield* byTopic;
  }

  /** Stops refreshing and closes the admin client; a refresh in flight fails (not awaited: shutdown must not wait on a slow broker). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#options.port.close();
  }
}
