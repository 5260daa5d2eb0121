// Watches a consumer group's committed offsets on one topic until they reach the topic's end
// offsets: the moment every record is delivered (sluice commits only delivered records). Keeps
// the (time, records committed) series so rates can be computed over any window.

import kafkajs from 'kafkajs';

export interface ProgressSample {
  /** Milliseconds since the watch's time origin (the child's spawn). */
  atMs: number;
  /** Records below the committed offsets, summed over partitions. */
  committed: number;
}

export interface TopicEnds {
  /** End (high watermark) per partition. */
  ends: Map<number, number>;
  total: number;
}

export async function topicEnds(brokers: string[], topic: string): Promise<TopicEnds> {
  const admin = new kafkajs.Kafka({ clientId: 'sluice-bench-watch', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
    // Topics are fresh (low = 0), so the end offset is the record count.
    return { ends, total: [...ends.values()].reduce((a, b) => a + b, 0) };
  } finally {
    await admin.disconnect();
  }
}

export interface WatchOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  ends: TopicEnds;
  /** performance.now() of the time origin. */
  originMs: number;
  everyMs?: number;
  deadlineMs: number;
  /** Called after each poll (e.g. to sample the consumer's CPU at the same moment). */
  onSample?: (sample: ProgressSample) => void;
  /** Stop waiting early (e.g. the child exited): resolves with reachedAtMs null. */
  abandon: Promise<unknown>;
}

export interface WatchResult {
  samples: ProgressSample[];
  /** When the committed offsets first equalled the ends, ms since the origin; null if never. */
  reachedAtMs: number | null;
}

export async function watchGroup(options: WatchOptions): Promise<WatchResult> {
  const admin = new kafkajs.Kafka({ clientId: 'sluice-bench-watch', brokers: options.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const samples: ProgressSample[] = [];
  let abandoned = false;
  void options.abandon.then(() => (abandoned = true), () => (abandoned = true));
  const everyMs = options.everyMs ?? 250;
  try {
    while (!abandoned) {
      const [entry] = await admin.fetchOffsets({ groupId: options.groupId, topics: [options.topic] });
      const atMs = performance.now() - options.originMs;
      let committed = 0;
      let done = true;
      for (const p of entry?.partitions ?? []) {
        const offset = Math.max(0, Number(p.offset)); // -1: nothing committed yet
        committed += offset;
        if (offset < (options.ends.ends.get(p.partition) ?? 0)) done = false;
      }
      samples.push({ atMs, committed });
      options.onSample?.({ atMs, committed });
      if (done && committed >= options.ends.total) return { samples, reachedAtMs: atMs };
      if (atMs > options.deadlineMs) break;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return { samples, reachedAtMs: null };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Rate over the steady part of the run: from when `low` of the records were committed to when
 * `high` were (linear interpolation between samples), which leaves out startup (connect, group
 * join, first fetches) and the tail (the last batches' upload interval and commit).
 */
export function steadyRate(samples: readonly ProgressSample[], total: number, low = 0.1, high = 0.9): { recordsPerSecond: number; fromMs: number; toMs: number } | null {
  const from = crossing(samples, total * low);
  const to = crossing(samples, total * high);
  if (from === null || to === null || to <= from) return null;
  return { recordsPerSecond: Math.round((total * (high - low)) / ((to - from) / 1000)), fromMs: Math.round(from), toMs: Math.round(to) };
}

function crossing(samples: readonly ProgressSample[], level: number): number | null {
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.committed >= level && a.committed < level) {
      return a.atMs + ((level - a.committed) / (b.committed - a.committed)) * (b.atMs - a.atMs);
    }
  }
  return null;
}
