// The Kafka source: a kafkajs consumer group feeding the pipeline (DESIGN.md "Acknowledgement").
//
// Delivery guarantee (at least once, never past undelivered data):
// - kafkajs never commits on its own (autoCommit off). The pipeline reports, per partition, the
//   offset below which every record is done (`committable`); CommitScheduler commits exactly
//   that, on an interval and on rebalance/shutdown, only when it moved, only for partitions this
//   member still owns.
// - Backpressure: a refused push pauses the partition and cuts the batch short; only offsets
//   actually pushed are resolved, so kafkajs re-fetches the rest after the drain resumes it.
//   eachBatch never waits, so heartbeats go on while intake is paused.
// - Rebalance (kafkajs has no revoke callback): REBALANCING triggers a commit of what is
//   delivered; GROUP_JOIN carries the new assignment: revoked partitions are closed in the
//   pipeline (their unacknowledged records are not committed; the new owner re-reads them),
//   kept ones continue where we pushed (seek), new ones are opened at their first record.
// - Shutdown: stop() pauses every topic and lets run() resolve; the service flushes the
//   pipeline, then close() commits what was delivered and leaves the group.

import type { Logger } from 'pino';
import type { KafkaSourceConfig } from '../../config/schema.ts';
import { log as defaultLog } from '../../telemetry/log.ts';
import type { PartitionHandle, PartitionRegistry, RecordSink, Source } from '../source.ts';
import { PausedPartitions } from './backpressure.ts';
import { CommitScheduler } from './commit-scheduler.ts';
import { connectError, consumerCrashError } from './errors.ts';
import { KafkaDeadLetter } from './dead-letter.ts';
import { connectKafka, type BatchPayload, type ConsumerPort, type KafkaConnection } from './kafka-client.ts';
import { tenantReader, type TenantReader } from './tenant.ts';

export interface KafkaSourceDeps {
  log?: Logger;
  /** Where this source sits in the config (`sources[2]`), for error messages. */
  configPath?: string;
  /** Builds the kafkajs connection; unit tests pass a fake. */
  connect?: (config: KafkaSourceConfig, log: Logger) => KafkaConnection;
}

export interface KafkaSourceStats {
  /** Records with no tenant in their key/header (pushed with tenant "": unrouted, acknowledged). */
  recordsWithoutTenant: number;
  pauses: number;
  resumes: number;
  commits: number;
  commitFailures: number;
  /** Partitions closed because a rebalance or crash took them away. */
  partitionsRevoked: number;
}

interface TopicRoute {
  dataset: string;
  tenant: TenantReader;
}

interface OpenPartition {
  topic: string;
  partition: number;
  handle: PartitionHandle;
  /** Offset after the last record pushed: records below it were handed to the pipeline. */
  next: number;
  /** The partition's high watermark at the last fetch, -1 until known (for consumer lag). */
  highWatermark: number;
}

const EMPTY = new Uint8Array(0);

function keyOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export class KafkaSource implements Source {
  readonly kind = 'kafka';
  readonly stats: KafkaSourceStats = { recordsWithoutTenant: 0, pauses: 0, resumes: 0, commits: 0, commitFailures: 0, partitionsRevoked: 0 };
  /** Where poison records go before they are acknowledged; null when no dead_letter_topic is set. */
  readonly deadLetterSink: KafkaDeadLetter | null;
  readonly #config: KafkaSourceConfig;
  readonly #log: Logger;
  readonly #configPath: string;
  readonly #connection: KafkaConnection;
  readonly #consumer: ConsumerPort;
  readonly #routes = new Map<string, TopicRoute>();
  readonly #scheduler = new CommitScheduler();
  readonly #paused = new PausedPartitions();
  readonly #open = new Map<string, OpenPartition>();
  #assigned = new Set<string>();
  #sink: RecordSink | null = null;
  #registry: PartitionRegistry | null = null;
  #started = false;
  #stopping = false;
  /** True once the group was joined (and again after a crash restart rejoins): readiness. */
  #joined = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #commitTail: Promise<void> = Promise.resolve();
  #commitQueued: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  readonly #ended: Promise<void>;
  #end!: () => void;
  #fail!: (error: unknown) => void;

  constructor(config: KafkaSourceConfig, deps: KafkaSourceDeps = {}) {
    this.#config = config;
    this.#log = (deps.log ?? defaultLog).child({ source: 'kafka', group_id: config.group_id });
    this.#configPath = deps.configPath ?? 'sources[0]';
    for (const t of config.topics) this.#routes.set(t.topic, { dataset: t.dataset, tenant: tenantReader(t.tenant_from) });
    this.#connection = (deps.connect ?? connectKafka)(config, this.#log);
    this.#consumer = this.#connection.consumer;
    this.deadLetterSink = config.dead_letter_topic === undefined ? null : new KafkaDeadLetter(config.dead_letter_topic, this.#connection.createProducer());
    this.#ended = new Promise<void>((resolve, reject) => {
      this.#end = resolve;
      this.#fail = reject;
    });
    this.#ended.catch(() => {});
  }

  async run(sink: RecordSink, partitions: PartitionRegistry): Promise<void> {
    if (this.#started) throw new Error('KafkaSource.run called twice');
    this.#started = true;
    this.#sink = sink;
    this.#registry = partitions;
    const checks = this.#config.topics.map((t, i) => ({ topic: t.topic, path: `${this.#configPath}.topics[${i}].topic` }));
    if (this.#config.dead_letter_topic !== undefined) checks.push({ topic: this.#config.dead_letter_topic, path: `${this.#configPath}.dead_letter_topic` });
    await this.#connection.preflight(checks);
    if (this.#stopping) return;
    const consumer = this.#consumer;
    consumer.onGroupJoin((assignment) => this.#onGroupJoin(assignment));
    consumer.onRebalancing(() => {
      // Our partitions are about to be revoked: commit what is delivered while we still own them.
      void this.#commit();
    });
    consumer.onCrash((error, restart) => this.#onCrash(error, restart));
    try {
      await consumer.subscribe({ topics: this.#config.topics.map((t) => t.topic), fromBeginning: this.#config.from_beginning });
    } catch (error) {
      throw connectError(error, this.#config.brokers);
    }
    this.#timer = setInterval(() => void this.#commit(), this.#config.commit_interval_ms);
    this.#timer.unref();
    // run() resolves after the first join; a fatal crash or stop() ends the wait either way.
    await Promise.race([consumer.run({ eachBatch: (payload) => this.#eachBatch(payload) }), this.#ended]);
    if (this.#stopping) this.#pauseEverything();
    await this.#ended;
  }

  /** Ready for /readyz: the consumer joined its group. */
  get connected(): boolean {
    return this.#joined;
  }

  /** Records between what was pushed and the high watermark, summed per topic (scrape time). */
  *consumerLag(): Iterable<[topic: string, lag: number]> {
    const byTopic = new Map<string, number>();
    for (const state of this.#open.values()) {
      if (state.highWatermark < 0) continue;
      byTopic.set(state.topic, (byTopic.get(state.topic) ?? 0) + Math.max(0, state.highWatermark - state.next));
    }
    yield* byTopic;
  }

  committable(partition: PartitionHandle, offset: number): void {
    this.#scheduler.report(partition, offset);
  }

  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#pauseEverything();
    this.#end();
  }

  /**
   * Called by the service after the pipeline flushed: commits everything delivered, then leaves
   * the group. Idempotent. Commit failures are logged, not thrown: uncommitted records are
   * re-read by the next owner (duplicates, never loss).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.stop();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#started) await this.#commit();
    await this.deadLetterSink?.close();
    try {
      await this.#consumer.disconnect();
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'leaving the Kafka group failed');
    }
    // The pipeline's partitions stay open: the service still reads their outstanding counts
    // (records not delivered before shutdown) after this.
    this.#open.clear();
    this.#assigned = new Set();
  }

  /** Commits the committable offsets that moved (serialized: at most one commit in flight, one queued). */
  #commit(): Promise<void> {
    if (this.#commitQueued) return this.#commitQueued;
    const next = this.#commitTail.then(() => {
      this.#commitQueued = null;
      return this.#commitOnce();
    });
    this.#commitQueued = next;
    this.#commitTail = next;
    return next;
  }

  async #commitOnce(): Promise<void> {
    const due = this.#scheduler.due();
    if (due.length === 0) return;
    try {
      await this.#consumer.commitOffsets(due.map((d) => ({ topic: d.topic, partition: d.partition, offset: String(d.offset) })));
      this.#scheduler.committed(due);
      this.stats.commits++;
    } catch (error) {
      this.stats.commitFailures++;
      this.#log.warn({ err: (error as Error).message, partitions: due.length }, 'offset commit failed; retrying at the next interval');
    }
  }

  async #eachBatch(payload: BatchPayload): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    // Stopping: take nothing more (the topics are paused; what was fetched is re-read later).
    if (this.#stopping || messages.length === 0) return;
    const key = keyOf(topic, partition);
    const known = this.#open.get(key);
    if (known !== undefined && payload.batch.highWatermark !== undefined) known.highWatermark = Number(payload.batch.highWatermark);
    // A batch fetched before a rebalance for a partition we no longer own, or made stale by a seek.
    if (!this.#assigned.has(key) || payload.isStale()) return;
    const sink = this.#sink!;
    if (this.#paused.saturated) {
      this.#pause(payload, topic, partition, sink);
      return;
    }
    const route = this.#routes.get(topic);
    if (route === undefined) return; // kafkajs only assigns subscribed topics
    let state = known;
    let lastTaken: string | null = null;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const offset = Number(message.offset);
      if (state === undefined) {
        state = this.#openPartition(topic, partition, route.dataset, offset);
        if (payload.batch.highWatermark !== undefined) state.highWatermark = Number(payload.batch.highWatermark);
      }
      lastTaken = message.offset;
      // Already pushed (re-fetched after a rejoin): never push an offset twice into one handle.
      if (offset < state.next) continue;
      const tenant = route.tenant(message);
      if (tenant === '') this.stats.recordsWithoutTenant++;
      // No copy: push copies the bytes into its batch before returning.
      const more = sink.push(state.handle, offset, tenant, message.value ?? EMPTY);
      state.next = offset + 1;
      if (!more) {
        payload.resolveOffset(lastTaken);
        this.#pause(payload, topic, partition, sink);
        return;
      }
    }
    if (lastTaken !== null) payload.resolveOffset(lastTaken);
  }

  #openPartition(topic: string, partition: number, dataset: string, firstOffset: number): OpenPartition {
    const handle = this.#registry!.open(keyOf(topic, partition), dataset, firstOffset);
    const state: OpenPartition = { topic, partition, handle, next: firstOffset, highWatermark: -1 };
    this.#open.set(keyOf(topic, partition), state);
    this.#scheduler.add(handle, topic, partition);
    return state;
  }

  #pause(payload: BatchPayload, topic: string, partition: number, sink: RecordSink): void {
    payload.pause();
    this.#paused.add(topic, partition);
    this.#paused.saturated = true;
    this.stats.pauses++;
    if (this.#paused.waitingForDrain) return;
    this.#paused.waitingForDrain = true;
    sink.onDrain(() => this.#resume());
  }

  #resume(): void {
    this.#paused.waitingForDrain = false;
    this.#paused.saturated = false;
    // Stopping keeps everything paused (kafkajs's per-partition resume would undo the topic-wide pause).
    if (this.#stopping) return;
    const all = this.#paused.takeAll();
    if (all.length === 0) return;
    try {
      this.#consumer.resume(all);
      this.stats.resumes++;
    } catch (error) {
      // The consumer is between runs (crash restart): nothing is fetched anyway.
      this.#log.debug({ err: (error as Error).message }, 'resume skipped');
    }
  }

  #pauseEverything(): void {
    try {
      this.#consumer.pause(this.#config.topics.map((t) => ({ topic: t.topic })));
    } catch {
      // Not running yet: run() pauses once it is, and eachBatch takes nothing while stopping.
    }
  }

  #onGroupJoin(assignment: Record<string, number[]>): void {
    const assigned = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) assigned.add(keyOf(topic, p));
    for (const [key, state] of this.#open) {
      if (assigned.has(key)) {
        // Still ours: kafkajs would restart from the committed offset; continue after what we
        // pushed instead (those records are tracked by the live handle and will be committed).
        this.#consumer.seek({ topic: state.topic, partition: state.partition, offset: String(state.next) });
      } else {
        this.#closePartition(key, state);
      }
    }
    this.#assigned = assigned;
    this.#joined = true;
    this.#log.info({ partitions: [...assigned] }, 'Kafka partitions assigned');
    if (this.#stopping) this.#pauseEverything();
  }

  #onCrash(error: Error, restart: boolean): void {
    // kafkajs left the group: every partition may now be someone else's.
    this.#joined = false;
    this.#closeAll();
    if (restart) {
      this.#log.warn({ err: error.message }, 'Kafka consumer crashed; kafkajs restarts it');
      return;
    }
    this.#fail(consumerCrashError(error, this.#config.brokers));
  }

  #closePartition(key: string, state: OpenPartition): void {
    this.#registry?.close(state.handle);
    this.#scheduler.remove(state.handle);
    this.#open.delete(key);
    this.stats.partitionsRevoked++;
  }

  #closeAll(): void {
    for (const [key, state] of this.#open) this.#closePartition(key, state);
    this.#assigned = new Set();
  }
}
