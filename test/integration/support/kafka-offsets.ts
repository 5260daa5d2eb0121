// A consumer group's committed offsets next to the topic's end offsets, from the broker.

import { kafkaClient } from '../../helpers/kafka.ts';

export interface PartitionOffsets {
  partition: number;
  /** Next offset the group would read; -1 = nothing committed. */
  committed: number;
  /** High watermark: the offset the next produced record gets. */
  end: number;
}

export async function groupOffsets(groupId: string, topic: string): Promise<PartitionOffsets[]> {
  const admin = kafkaClient('sluice-it-offsets').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends
      .map((e) => ({ partition: e.partition, committed: byPartition.get(e.partition) ?? -1, end: Number(e.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Records from the committed offset (or the start) to the end, summed over partitions. */
export function uncommittedRecords(offsets: readonly PartitionOffsets[]): number {
  return offsets.reduce((sum, p) => sum + p.end - Math.max(0, p.committed), 0);
}

/** Every partition committed at its end (an empty partition needs no commit). */
export function allCommitted(offsets: readonly PartitionOffsets[]): boolean {
  return offsets.every((p) => p.committed === p.end || (p.end === 0 && p.committed === -1));
}
