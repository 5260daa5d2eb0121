// A scriptable stand-in for kafkajs at the ConsumerPort seam: the test plays the broker
// (assignments, batches, rebalances, crashes) and inspects what the source did (pauses,
// resumes, seeks, commits, resolved offsets).

import type { LagPort, PartitionEnds } from '../../../src/sources/kafka/consumer-lag.ts';
import type { DeadLetterProducerPort } from '../../../src/sources/kafka/dead-letter.ts';
import type { Logger } from 'pino';
import type { KafkaSourceConfig } from '../../../src/config/schema.ts';
import type { BatchMessage, BatchPayload, ConsumerPort, KafkaConnection, TopicCheck, TopicPartitions } from '../../../src/sources/kafka/kafka-client.ts';

export interface BatchOutcome {
  /** The offset the source resolved (kafkajs fetches from the one after it next), or null. */
  resolved: string | null;
  /** Whether the source paused the batch's partition. */
  paused: boolean;
}

export class FakeConsumer implements ConsumerPort {
  readonly events: string[] = [];
  readonly commits: Array<Array<{ topic: string; partition: number; offset: string }>> = [];
  readonly seeks: Array<{ topic: string; partition: number; offset: string }> = [];
  readonly pausedTopics = new Set<string>();
  readonly pausedPartitions = new Set<string>();
  readonly resumed: TopicPartitions[][] = [];
  subscribed: { topics: string[]; fromBeginning: boolean } | null = null;
  /** Assignment handed out by the first join in run(). */
  initialAssignment: Record<string, number[]> = {};
  /** Makes the next commits fail. */
  commitError: Error | null = null;
  disconnected = false;
  #eachBatch: ((payload: BatchPayload) => Promise<void>) | null = null;
  #join: Array<(a: Record<string, number[]>) => void> = [];
  #rebalancing: Array<() => void> = [];
  #crash: Array<(e: Error, restart: boolean) => void> = [];

  async subscribe(options: { topics: string[]; fromBeginning: boolean }): Promise<void> {
    this.subscribed = options;
  }

  async run(options: { eachBatch: (payload: BatchPayload) => Promise<void> }): Promise<void> {
    this.#eachBatch = options.eachBatch;
    this.join(this.initialAssignment);
  }

  get running(): boolean {
    return this.#eachBatch !== null;
  }

  onGroupJoin(listener: (a: Record<string, number[]>) => void): void {
    this.#join.push(listener);
  }
  onRebalancing(listener: () => void): void {
    this.#rebalancing.push(listener);
  }
  onCrash(listener: (e: Error, restart: boolean) => void): void {
    this.#crash.push(listener);
  }

  pause(topics: TopicPartitions[]): void {
    if (!this.running) throw new Error('Consumer group was not initialized, consumer#run must be called first');
    for (const t of topics) {
      if (t.partitions === undefined) this.pausedTopics.add(t.topic);
      else for (const p of t.partitions) this.pausedPartitions.add(`${t.topic}/${p}`);
    }
    this.events.push('pause');
  }

  resume(topics: TopicPartitions[]): void {
    for (const t of topics) for (const p of t.partitions ?? []) this.pausedPartitions.delete(`${t.topic}/${p}`);
    this.resumed.push(topics);
    this.events.push('resume');
  }

  seek(target: { topic: string; partition: number; offset: string }): void {
    this.seeks.push(target);
  }

  async commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void> {
    this.events.push('commit');
    if (this.commitError) throw this.commitError;
    this.commits.push(offsets);
  }

  async disconnect(): Promise<void> {
    this.events.push('disconnect');
    this.disconnected = true;
  }

  // ---- the test plays the broker ----

  join(assignment: Record<string, number[]>): void {
    for (const l of this.#join) l(assignment);
  }

  rebalancing(): void {
    for (const l of this.#rebalancing) l();
  }

  crash(error: Error, restart: boolean): void {
    for (const l of this.#crash) l(error, restart);
  }

  /** Hands the source one batch of a partition, as kafkajs's eachBatch would. */
  async batch(topic: string, partition: number, messages: BatchMessage[]): Promise<BatchOutcome> {
    if (!this.#eachBatch) throw new Error('run() was not called');
    const outcome: BatchOutcome = { resolved: null, paused: false };
    await this.#eachBatch({
      batch: { topic, partition, messages },
      resolveOffset: (offset) => {
        outcome.resolved = offset;
      },
      pause: () => {
        outcome.paused = true;
        this.pausedPartitions.add(`${topic}/${partition}`);
        return () => this.pausedPartitions.delete(`${topic}/${partition}`);
      },
      isStale: () => false,
    });
    return outcome;
  }

  /** Total records committed for one partition, latest wins. */
  lastCommitted(topic: string, partition: number): number | undefined {
    let last: number | undefined;
    for (const commit of this.commits) for (const c of commit) if (c.topic === topic && c.partition === partition) last = Number(c.offset);
    return last;
  }
}

export class FakeConnection implements KafkaConnection {
  readonly consumer: FakeConsumer;
  preflightError: Error | null = null;
  checked: TopicCheck[] = [];
  constructor(consumer = new FakeConsumer()) {
    this.consumer = consumer;
  }
  async preflight(topics: readonly TopicCheck[]): Promise<void> {
    this.checked = [...topics];
    if (this.preflightError) throw this.preflightError;
  }
  readonly producer = new FakeProducer();
  createProducer(): DeadLetterProducerPort {
    return this.producer;
  }
}

/** Records what a dead-letter producer was asked to send; `failNext` makes sends fail. */
export class FakeProducer implements DeadLetterProducerPort {
  sent: Array<{ topic: string; key: string | null; value: string; headers: Record<string, string> }> = [];
  failNext = 0;
  connects = 0;
  async connect(): Promise<void> {
    this.connects++;
  }
  async send(topic: string, messages: Array<{ key: string | null; value: Buffer; headers: Record<string, string> }>): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker said no');
    }
    for (const m of messages) this.sent.push({ topic, key: m.key, value: m.value.toString('utf8'), headers: m.headers });
  }
  async disconnect(): Promise<void> {}
}

/** The broker's end and committed offsets as consumer lag reads them; `calls` lists the requests. */
export class FakeLagPort implements LagPort {
  ends = new Map<string, PartitionEnds[]>();
  committed: Array<{ topic: string; partition: number; offset: number }> = [];
  failing = false;
  calls: string[] = [];
  closed = false;
  async endOffsets(topic: string): Promise<PartitionEnds[]> {
    this.calls.push(`end ${topic}`);
    if (this.failing) throw new Error('broker unreachable');
    return this.ends.get(topic) ?? [];
  }
  async committedOffsets(_groupId: string, topics: readonly string[]): Promise<Array<{ topic: string; partition: number; offset: number }>> {
    this.calls.push(`committed ${topics.join(',')}`);
    return this.committed;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export function fakeConnect(connection: FakeConnection): (config: KafkaSourceConfig, log: Logger) => KafkaConnection {
  return () => connection;
}

export function message(offset: number, key: string | null, value = `{"n":${offset}}`, headers?: Record<string, string>): BatchMessage {
  return { offset: String(offset), key: key === null ? null : Buffer.from(key), value: Buffer.from(value), ...(headers ? { headers } : {}) };
}
