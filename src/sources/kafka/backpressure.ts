// Pause/resume bookkeeping for backpressure. When the pipeline's push returns false, the
// partition being processed is paused (kafkajs stops fetching it) and remembered here; on the
// pipeline's drain every remembered partition is resumed at once. While saturated, a batch of
// any other partition is not pushed at all: its partition is paused on arrival, so memory stays
// bounded by the budget plus at most one record per partition.
//
// A paused partition that is revoked stays in the set: kafkajs keeps its pause across
// rebalances, so if the partition comes back to us it must still be resumed on the next drain
// (resuming a partition we do not own is harmless).

import type { TopicPartitions } from './kafka-client.ts';

export class PausedPartitions {
  readonly #byTopic = new Map<string, Set<number>>();
  /** True from a refused push until the drain callback ran. */
  saturated = false;
  /** A drain callback is registered and has not run yet (register at most one). */
  waitingForDrain = false;

  add(topic: string, partition: number): void {
    let set = this.#byTopic.get(topic);
    if (set === undefined) this.#byTopic.set(topic, (set = new Set()));
    set.add(partition);
  }

  /** Everything paused, in kafkajs's resume() shape; empties the set. */
  takeAll(): TopicPartitions[] {
    const out = [...this.#byTopic].map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }));
    this.#byTopic.clear();
    return out;
  }
}
