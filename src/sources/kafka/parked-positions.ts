// Parked jobs' resume positions, kept in the metadata string of each partition's offset commit
// (docs/architecture.md "Parking and catch-up"). The broker stores the string atomically with the
// offset and hands both to whichever member owns the partition next, so the group's position
// can never move past a parked job's undelivered records without the record of where that job
// resumes — and no further topic is needed.
//
// Format: `sluice-parked:1:` then `<job id>@<offset>` entries joined by `,`, both numbers in
// base 36 (short: an entry is at most 23 characters). The broker limits the string
// (`offset.metadata.max.bytes`, 4096 by default), which bounds how many jobs of one topic can be
// parked at once; parking one more is refused, and the job keeps its records.

import type { PartitionHandle } from '../../core/source.ts';

export const METADATA_PREFIX = 'sluice-parked:1:';
/** Kafka's default offset.metadata.max.bytes. */
export const DEFAULT_MAX_METADATA_BYTES = 4096;
/** Longest entry: a 15-digit job id (10 base-36 digits), '@', an offset below 2^53 (11 digits), ','. */
const MAX_ENTRY_CHARS = 10 + 1 + 11 + 1;

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Positions of parked jobs on one partition: job id → first offset the job has not delivered. */
export type PartitionPositions = Map<number, number>;

export function encodePositions(positions: ReadonlyMap<number, number>): string | null {
  if (positions.size === 0) return null;
  const entries: string[] = [];
  for (const [jobId, offset] of positions) entries.push(`${jobId.toString(36)}@${offset.toString(36)}`);
  return METADATA_PREFIX + entries.join(',');
}

/**
 * The positions in a commit's metadata; empty for null, for metadata another tool wrote, and
 * for entries that are not well formed (a commit's metadata is not ours to trust blindly: an
 * entry that does not parse is dropped, never guessed).
 */
export function decodePositions(metadata: string | null | undefined): PartitionPositions {
  const positions: PartitionPositions = new Map();
  if (!metadata?.startsWith(METADATA_PREFIX)) return positions;
  for (const entry of metadata.slice(METADATA_PREFIX.length).split(',')) {
    const match = /^([0-9a-z]{1,10})@([0-9a-z]{1,11})$/.exec(entry);
    if (!match) continue;
    const jobId = Number.parseInt(match[1]!, 36);
    const offset = Number.parseInt(match[2]!, 36);
    if (Number.isSafeInteger(jobId) && jobId > 0 && Number.isSafeInteger(offset)) positions.set(jobId, offset);
  }
  return positions;
}

/**
 * The positions of every partition this member owns, and the room left for them. Room is
 * counted per topic: every partition of a topic carries one entry per parked job of its dataset,
 * so a job accepted for a topic fits on all of its partitions, including ones assigned later.
 */
export class ParkedPositions {
  readonly #byPartition = new Map<string, PartitionPositions>();
  readonly #jobsByTopic = new Map<string, Set<number>>();
  readonly #maxJobsPerTopic: number;

  constructor(maxMetadataBytes = DEFAULT_MAX_METADATA_BYTES) {
    this.#maxJobsPerTopic = Math.max(0, Math.floor((maxMetadataBytes - METADATA_PREFIX.length) / MAX_ENTRY_CHARS));
  }

  get maxJobsPerTopic(): number {
    return this.#maxJobsPerTopic;
  }

  /**
   * Keeps `jobId`'s positions; false (nothing kept) when a topic has no room for one more job.
   * A position already kept for the job is lowered, never raised: the lowest known undelivered
   * offset is where the job resumes (raising is `advance`'s job, as records are delivered).
   */
  keep(jobId: number, positions: ReadonlyMap<TopicPartition, number>): boolean {
    for (const { topic } of positions.keys()) {
      const jobs = this.#jobsByTopic.get(topic);
      if (!(jobs?.has(jobId) ?? false) && (jobs?.size ?? 0) >= this.#maxJobsPerTopic) return false;
    }
    for (const [{ topic, partition }, offset] of positions) {
      this.#jobs(topic).add(jobId);
      const kept = this.#positions(topic, partition);
      kept.set(jobId, Math.min(offset, kept.get(jobId) ?? offset));
    }
    return true;
  }

  /** Moves a kept position forward as the job's records below `offset` are delivered; unknown entries stay unknown. */
  advance(jobId: number, topic: string, partition: number, offset: number): void {
    const kept = this.#byPartition.get(keyOf(topic, partition));
    const at = kept?.get(jobId);
    if (at !== undefined && offset > at) kept!.set(jobId, offset);
  }

  /** Jobs with a kept position on any partition. */
  jobs(): Set<number> {
    const all = new Set<number>();
    for (const jobs of this.#jobsByTopic.values()) for (const jobId of jobs) all.add(jobId);
    return all;
  }

  /** Positions read from a partition's committed metadata when it is assigned to this member. */
  load(topic: string, partition: number, metadata: string | null | undefined): PartitionPositions {
    const loaded = decodePositions(metadata);
    for (const [jobId, offset] of loaded) {
      this.#jobs(topic).add(jobId);
      this.#positions(topic, partition).set(jobId, offset);
    }
    return loaded;
  }

  forget(jobId: number): void {
    for (const positions of this.#byPartition.values()) positions.delete(jobId);
    for (const jobs of this.#jobsByTopic.values()) jobs.delete(jobId);
  }

  /** The partition was revoked: its positions are the next owner's (they are in its last commit). */
  drop(topic: string, partition: number): void {
    this.#byPartition.delete(keyOf(topic, partition));
  }

  /** The metadata to commit with the partition's offset. */
  metadataFor(topic: string, partition: number): string | null {
    const positions = this.#byPartition.get(keyOf(topic, partition));
    return positions === undefined ? null : encodePositions(positions);
  }

  positionsOf(topic: string, partition: number): ReadonlyMap<number, number> {
    return this.#byPartition.get(keyOf(topic, partition)) ?? new Map();
  }

  #jobs(topic: string): Set<number> {
    let jobs = this.#jobsByTopic.get(topic);
    if (jobs === undefined) this.#jobsByTopic.set(topic, (jobs = new Set()));
    return jobs;
  }

  #positions(topic: string, partition: number): PartitionPositions {
    const key = keyOf(topic, partition);
    let positions = this.#byPartition.get(key);
    if (positions === undefined) this.#byPartition.set(key, (positions = new Map()));
    return positions;
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
