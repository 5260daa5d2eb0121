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
// - Parking (docs/architecture.md "Parking and catch-up"): the source is the pipeline's ParkingPort.
//   Parked jobs' resume positions travel in each commit's metadata; a partition newly assigned
//   is held back until its committed metadata is read, so a job a previous owner parked is
//   parked here before any of its records could be acknowledged past that position.
// - Catch-up mode (a reader for one parked job): only the given partitions are read, from the
//   given offsets, up to stop points set at hand-back; nothing is committed. Before a partition
//   is read, its log start offset is asked of the broker: a saved position below it means
//   retention deleted records the job never delivered, which is reported (never silent), and
//   reading starts at the log start. A fetch that starts past where the reader stood (kafkajs
//   resets an out-of-range position silently) is checked the same way; a gap the log start
//   does not explain is compaction, not loss. At most `recordsPerSecond` records are taken
//   (catch-up-throttle.ts): a throttled partition is paused and resumed, never slept on.

import type { Logger } from 'pino';
import type { KafkaSourceConfig } from '../../config/schema.ts';
import { log as defaultLog } from '../../shared/log.ts';
import type { PartitionHandle, PartitionRegistry, RecordSink, Source } from '../../core/source.ts';
import type { ParkingPort } from '../../core/parking.ts';
import { PausedPartitions } from './backpressure.ts';
import { CommitScheduler } from './commit-scheduler.ts';
import { ConsumerLag, type OwnedPartition } from './consumer-lag.ts';
import { connectError, consumerCrashError } from '../../kafka/errors.ts';
import { KafkaDeadLetter } from './dead-letter.ts';
import { RecordThrottle } from './catch-up-throttle.ts';
import type { LagPort } from './consumer-lag.ts';
import { connectKafka, type BatchPayload, type ConsumerPort, type KafkaConnection } from './kafka-client.ts';
import { ParkedPositions, type TopicPartition } from './parked-positions.ts';
import { tenantReader, type TenantReader } from './tenant.ts';

export interface KafkaSourceDeps {
  log?: Logger;
  /** Where this source sits in the config (`sources[2]`), for error messages. */
  configPath?: string;
  /** Builds the kafkajs connection; unit tests pass a fake. */
  connect?: (config: KafkaSourceConfig, log: Logger) => KafkaConnection;
  /** Catch-up mode: read only these partitions (of the one topic), each from its offset; never commit. */
  catchUp?: CatchUpMode;
  /** How often consumer lag reads end offsets from the broker (default 10 s; consumer-lag.ts). */
  lagRefreshMs?: number;
}

export interface CatchUpMode {
  from: ReadonlyMap<number, number>;
  /** Records taken per second at most (a token bucket applied by pausing partitions); absent = no limit. */
  recordsPerSecond?: number;
  /** Offsets `from` to `to` (exclusive) of a partition were deleted by retention before they were read. */
  onRecordsLost?(loss: RecordsLost): void;
}

export interface RecordsLost {
  topic: string;
  partition: number;
  /** Where the reader stood (the saved position, or the offset after the last record read). */
  from: number;
  /** The first offset the broker still holds: reading goes on from here. */
  to: number;
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
  /** Consumer group joins: the first one, then one per rebalance or crash restart. */
  groupJoins: number;
}

interface TopicRoute {
  dataset: string;
  tenant: TenantReader;
  /** Records of this topic with no tenant (stats.recordsWithoutTenant is their sum). */
  withoutTenant: number;
}

interface OpenPartition {
  topic: string;
  partition: number;
  handle: PartitionHandle;
  /** Offset after the last record pushed: records below it were handed to the pipeline. */
  next: number;
  /** The partition's high watermark at the last fetch, -1 until known (for consumer lag). */
  highWatermark: number;
  /** The ack tracker's committable offset: every record below it is done (consumer lag's position). */
  acked: number;
}

const EMPTY = new Uint8Array(0);

function keyOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export class KafkaSource implements Source, ParkingPort {
  readonly kind = 'kafka';
  /** Parked jobs' resume positions on this member's partitions (committed as metadata). */
  readonly parked = new ParkedPositions();
  readonly stats: KafkaSourceStats;
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
  readonly #deps: KafkaSourceDeps;
  /**
   * Parking: the committed offset of each assigned partition, read with its metadata. The live
   * path starts there, so it is the partition's live position until a record is taken.
   */
  readonly #committedAt = new Map<string, number>();
  /** The metadata last committed for each such partition (to commit it again only when it changed). */
  readonly #idleMetadata = new Map<string, string | null>();
  /** Partitions whose committed metadata is being read: nothing is taken from them yet. */
  readonly #loading = new Set<string>();
  /** Set by enableParking: told which jobs a previous owner had parked on partitions assigned here. */
  #parkedElsewhere: ((jobIds: readonly number[]) => void) | null = null;
  /** Catch-up mode: per partition, the offset not to read (set at hand-back). */
  #stopAt: ReadonlyMap<number, number> | null = null;
  /** Catch-up mode with a rate: its token bucket, the partitions it paused, and their resume timer. */
  readonly #throttle: RecordThrottle | null;
  readonly #throttled = new Map<string, { topic: string; partitions: number[] }>();
  #throttleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Log start offsets come from here (the consumer-lag port: one admin connection, kept). */
  readonly #offsetsPort: LagPort;
  /** Catch-up mode: retention checks of fetches that started past the reader's position, one at a time. */
  #gapChecks: Promise<void> = Promise.resolve();
  #sink: RecordSink | null = null;
  #registry: PartitionRegistry | null = null;
  #started = false;
  #stopping = false;
  /** True once the group was joined (and again after a crash restart rejoins): readiness. */
  #joined = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #lag: ConsumerLag;
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
    this.#deps = deps;
    for (const t of config.topics) this.#routes.set(t.topic, { dataset: t.dataset, tenant: tenantReader(t.tenant_from), withoutTenant: 0 });
    // Counted per topic on the route the record path already holds (one increment, as before),
    // so the metric can say which topic's producers leave the tenant out.
    const routes = this.#routes;
    this.stats = {
      get recordsWithoutTenant() {
        let records = 0;
        for (const route of routes.values()) records += route.withoutTenant;
        return records;
      },
      pauses: 0, resumes: 0, commits: 0, commitFailures: 0, partitionsRevoked: 0, groupJoins: 0,
    };
    this.#connection = (deps.connect ?? connectKafka)(config, this.#log);
    this.#consumer = this.#connection.consumer;
    const connection = this.#connection;
    const deadLetterTopic = config.dead_letter_topic;
    this.deadLetterSink = deadLetterTopic === undefined
      ? null
      : new KafkaDeadLetter(deadLetterTopic, connection.createProducer(), connection.describeMessageLimits ? () => connection.describeMessageLimits!(deadLetterTopic) : null);
    this.#ended = new Promise<void>((resolve, reject) => {
      this.#end = resolve;
      this.#fail = reject;
    });
    this.#ended.catch(() => {});
    const lagPort = this.#connection.lagPort?.();
    this.#offsetsPort = lagPort ?? { endOffsets: async () => [], committedOffsets: async () => [], close: async () => {} };
    const rate = deps.catchUp?.recordsPerSecond;
    this.#throttle = rate === undefined ? null : new RecordThrottle(rate);
    this.#lag = new ConsumerLag({
      port: this.#offsetsPort,
      topics: config.topics.map((t) => t.topic),
      groupId: config.group_id,
      fromBeginning: config.from_beginning,
      owned: () => this.#owned(),
      log: this.#log,
      intervalMs: deps.lagRefreshMs,
    });
  }

  async run(sink: RecordSink, partitions: PartitionRegistry): Promise<void> {
    if (this.#started) throw new Error('KafkaSource.run called twice');
    this.#started = true;
    this.#sink = sink;
    this.#registry = partitions;
    const checks = this.#config.topics.map((t, i) => ({ topic: t.topic, path: `${this.#configPath}.topics[${i}].topic` }));
    if (this.#config.dead_letter_topic !== undefined) checks.push({ topic: this.#config.dead_letter_topic, path: `${this.#configPath}.dead_letter_topic` });
    await this.#connection.preflight(checks);
    if (this.deadLetterSink) await this.#loadDeadLetterLimits(this.deadLetterSink);
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
    // A catch-up reader's lag is not the group's: only the live source reports it.
    if (!this.#deps.catchUp) this.#lag.start();
    // run() resolves after the first join; a fatal crash or stop() ends the wait either way.
    await Promise.race([consumer.run({ eachBatch: (payload) => this.#eachBatch(payload) }), this.#ended]);
    if (this.#stopping) this.#pauseEverything();
    await this.#ended;
  }

  /** Dead-letter writes are split to fit what the broker accepts; unknown limits fall back to Kafka's defaults. */
  async #loadDeadLetterLimits(sink: KafkaDeadLetter): Promise<void> {
    try {
      const limits = await sink.loadLimits();
      this.#log.info({ topic: sink.topic, max_message_bytes: limits.maxMessageBytes, max_request_bytes: limits.maxRequestBytes, from: limits.from }, 'dead-letter topic limits');
    } catch (error) {
      const limits = sink.limits;
      this.#log.warn({ topic: sink.topic, err: (error as Error).message, max_message_bytes: limits.maxMessageBytes }, 'could not read the dead-letter topic\'s limits from the broker; using Kafka\'s defaults');
    }
  }

  /** Ready for /readyz: the consumer joined its group. */
  get connected(): boolean {
    return this.#joined;
  }

  /**
   * Records between each owned partition's acknowledged position (where a restart resumes) and
   * its end offset on the broker, summed per topic (scrape time; consumer-lag.ts).
   */
  consumerLag(): Iterable<[topic: string, lag: number]> {
    return this.#lag.byTopic();
  }

  /** Per job with saved positions here (parked), the records it is behind the end of its partitions (scrape time). */
  parkedRecordsBehind(): Map<number, number> {
    return this.#lag.recordsBehind((topic, partition) => this.parked.positionsOf(topic, partition));
  }

  /** Reads the broker's end offsets for consumer lag now (the timer does it every 10 s). */
  refreshConsumerLag(): Promise<void> {
    return this.#lag.refresh();
  }

  /** Records without a tenant so far, per configured topic (read at scrape time). */
  *recordsWithoutTenantByTopic(): Iterable<[topic: string, records: number]> {
    for (const [topic, route] of this.#routes) yield [topic, route.withoutTenant];
  }

  *#owned(): Iterable<OwnedPartition> {
    for (const key of this.#assigned) {
      const state = this.#open.get(key);
      const cut = key.lastIndexOf('/');
      yield { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), position: state?.acked ?? null, fetchedEnd: state?.highWatermark ?? -1 };
    }
  }

  /** Per owned partition of `topic`: the offset after the last record taken (the live position). */
  nextOffsets(topic: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const state of this.#open.values()) if (state.topic === topic) out.set(state.partition, state.next);
    // An assigned partition with nothing taken yet (an idle topic after a restart) is at its
    // committed offset: without it, a parked job's positions there would look caught up.
    for (const [key, offset] of this.#committedAt) {
      const cut = key.lastIndexOf('/');
      const partition = Number(key.slice(cut + 1));
      if (key.slice(0, cut) === topic && this.#assigned.has(key) && !out.has(partition)) out.set(partition, offset);
    }
    if (this.#deps.catchUp) {
      // Partitions not opened yet are still at their starting offset.
      for (const [partition, from] of this.#deps.catchUp.from) if (!out.has(partition)) out.set(partition, from);
    }
    return out;
  }

  /**
   * Turns parking on (before run): commits carry parked positions, and a newly assigned
   * partition's committed metadata is read before its records are taken; `parkedElsewhere` is
   * told which jobs a previous owner had parked there, so they are parked here too.
   */
  enableParking(parkedElsewhere: (jobIds: readonly number[]) => void): void {
    this.#parkedElsewhere = parkedElsewhere;
  }

  /** Catch-up mode: read nothing at or past these offsets from now on. */
  stopAt(targets: ReadonlyMap<number, number>): void {
    this.#stopAt = targets;
  }

  /**
   * A catch-up reader delivered `jobId`'s records below `delivered` (per partition of `topic`):
   * its saved positions move forward, and every owned partition is committed again at the next
   * interval so the metadata carries them even when the group's offset does not move — else a
   * crash would re-read everything the reader delivered since the job was parked.
   */
  advanceParked(jobId: number, topic: string, delivered: ReadonlyMap<number, number>): void {
    let moved = false;
    for (const [partition, offset] of delivered) {
      const before = this.parked.positionsOf(topic, partition).get(jobId);
      this.parked.advance(jobId, topic, partition, offset);
      if (before !== undefined && offset > before) moved = true;
    }
    if (moved) this.#scheduler.recommitAll();
  }

  keepPositions(jobId: number, positions: ReadonlyMap<PartitionHandle, number>): boolean {
    const byPartition = new Map<TopicPartition, number>();
    for (const [handle, offset] of positions) {
      // Handle names are `topic/partition` (topic names cannot contain '/').
      const cut = handle.name.lastIndexOf('/');
      byPartition.set({ topic: handle.name.slice(0, cut), partition: Number(handle.name.slice(cut + 1)) }, offset);
    }
    return this.parked.keep(jobId, byPartition);
  }

  forget(jobId: number): void {
    this.parked.forget(jobId);
    // Commit again so the positions leave the metadata even where the offset does not move.
    this.#scheduler.recommitAll();
  }

  committable(partition: PartitionHandle, offset: number): void {
    this.#scheduler.report(partition, offset);
    const state = this.#open.get(partition.name);
    if (state !== undefined && state.handle === partition && offset > state.acked) state.acked = offset;
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
    if (this.#throttleTimer) clearTimeout(this.#throttleTimer);
    this.#throttleTimer = null;
    if (this.#started) await this.#commit();
    await this.#lag.close();
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
    if (this.#deps.catchUp) return; // a catch-up reader's progress goes to the live source's positions
    const due = this.#scheduler.due();
    const idle = this.#idleMetadataChanges();
    if (due.length === 0 && idle.length === 0) return;
    try {
      await this.#consumer.commitOffsets([
        ...due.map((d) => ({ topic: d.topic, partition: d.partition, offset: String(d.offset), ...(this.#parkedElsewhere !== null ? { metadata: this.parked.metadataFor(d.topic, d.partition) } : {}) })),
        ...idle.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.offset), metadata: c.metadata })),
      ]);
      this.#scheduler.committed(due);
      for (const c of idle) this.#idleMetadata.set(keyOf(c.topic, c.partition), c.metadata);
      this.stats.commits++;
    } catch (error) {
      this.stats.commitFailures++;
      this.#log.warn({ err: (error as Error).message, partitions: due.length }, 'offset commit failed; retrying at the next interval');
    }
  }

  /**
   * Assigned partitions with nothing taken yet (an idle topic) have no committable offset, but
   * their parked positions still change (a job caught up, a reader's progress): those are
   * committed again at the committed offset, so the metadata never says more than is true.
   */
  #idleMetadataChanges(): Array<{ topic: string; partition: number; offset: number; metadata: string | null }> {
    const out: Array<{ topic: string; partition: number; offset: number; metadata: string | null }> = [];
    if (this.#parkedElsewhere === null) return out;
    for (const [key, offset] of this.#committedAt) {
      if (!this.#assigned.has(key) || this.#open.has(key)) continue;
      const cut = key.lastIndexOf('/');
      const topic = key.slice(0, cut);
      const partition = Number(key.slice(cut + 1));
      const metadata = this.parked.metadataFor(topic, partition);
      if (metadata !== (this.#idleMetadata.get(key) ?? null)) out.push({ topic, partition, offset, metadata });
    }
    return out;
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
    // Its committed metadata is not read yet: take nothing (the partition is paused; unresolved
    // records are fetched again once it resumes).
    if (this.#loading.has(key)) return;
    const sink = this.#sink!;
    if (this.#paused.saturated) {
      this.#pause(payload, topic, partition, sink);
      return;
    }
    const route = this.#routes.get(topic);
    if (route === undefined) return; // kafkajs only assigns subscribed topics
    let state = known;
    let lastTaken: string | null = null;
    // Catch-up mode after hand-back: records from here on are the live path's.
    const stop = this.#stopAt?.get(partition) ?? Infinity;
    // A fetch starting past the reader's position: retention may have removed the records between.
    if (this.#deps.catchUp && state !== undefined && Number(messages[0]!.offset) > state.next) this.#checkRetention(topic, partition, state.next, Number(messages[0]!.offset));
    // The catch-up rate limit, per batch (the live path has no throttle: all records).
    const end = this.#throttle === null ? messages.length : this.#throttle.take(messages.length);
    for (let i = 0; i < end; i++) {
      const message = messages[i]!;
      const offset = Number(message.offset);
      if (offset >= stop) {
        if (lastTaken !== null) payload.resolveOffset(lastTaken);
        payload.pause();
        return;
      }
      if (state === undefined) {
        state = this.#openPartition(topic, partition, route.dataset, offset);
        if (payload.batch.highWatermark !== undefined) state.highWatermark = Number(payload.batch.highWatermark);
      }
      lastTaken = message.offset;
      // Already pushed (re-fetched after a rejoin): never push an offset twice into one handle.
      if (offset < state.next) continue;
      const tenant = route.tenant(message);
      if (tenant === '') route.withoutTenant++;
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
    if (end < messages.length) this.#throttlePartition(payload, topic, partition);
  }

  /** Catch-up mode: the rate limit cut this batch short; the rest is fetched again once tokens refill. */
  #throttlePartition(payload: BatchPayload, topic: string, partition: number): void {
    payload.pause();
    const paused = this.#throttled.get(topic) ?? { topic, partitions: [] };
    if (!paused.partitions.includes(partition)) paused.partitions.push(partition);
    this.#throttled.set(topic, paused);
    if (this.#throttleTimer !== null) return;
    this.#throttleTimer = setTimeout(() => {
      this.#throttleTimer = null;
      const all = [...this.#throttled.values()];
      this.#throttled.clear();
      if (this.#stopping || all.length === 0) return;
      try {
        this.#consumer.resume(all);
      } catch (error) {
        this.#log.debug({ err: (error as Error).message }, 'resume after the catch-up rate limit skipped');
      }
    }, this.#throttle!.msUntilResume());
    this.#throttleTimer.unref();
  }

  /** The broker's log start offset of each partition of `topic` (-1 where it did not say). */
  async #logStarts(topic: string): Promise<Map<number, number>> {
    const starts = new Map<number, number>();
    for (const row of await this.#offsetsPort.endOffsets(topic)) starts.set(row.partition, row.start);
    return starts;
  }

  /**
   * Catch-up mode: a fetch of `partition` started at `fetched`, past `expected` where the reader
   * stood. Only offsets below the log start were deleted by retention; a gap above it is
   * compaction (or transaction markers) and loses nothing. Checks run one at a time, in order.
   */
  #checkRetention(topic: string, partition: number, expected: number, fetched: number): void {
    this.#gapChecks = this.#gapChecks.then(async () => {
      try {
        const start = (await this.#logStarts(topic)).get(partition) ?? -1;
        if (start > expected) this.#deps.catchUp!.onRecordsLost?.({ topic, partition, from: expected, to: Math.min(start, fetched) });
      } catch (error) {
        this.#log.warn({ topic, partition, from: expected, to: fetched, err: (error as Error).message }, 'could not read the log start offset to tell retention loss from compaction; offsets skipped by this fetch are not counted');
      }
    });
  }

  #openPartition(topic: string, partition: number, dataset: string, firstOffset: number): OpenPartition {
    const handle = this.#registry!.open(keyOf(topic, partition), dataset, firstOffset);
    const state: OpenPartition = { topic, partition, handle, next: firstOffset, highWatermark: -1, acked: firstOffset };
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
    const added = [...assigned].filter((key) => !this.#assigned.has(key));
    this.#assigned = assigned;
    this.#joined = true;
    this.stats.groupJoins++;
    this.#log.info({ partitions: [...assigned] }, 'Kafka partitions assigned');
    if (this.#deps.catchUp) this.#positionCatchUp(added);
    else if (this.#parkedElsewhere !== null && added.length > 0) this.#loadParkedPositions(added);
    if (this.#stopping) this.#pauseEverything();
  }

  /**
   * Catch-up mode: each wanted partition starts at its offset, or at the log start where
   * retention deleted records below it (reported: those records are gone); the others are not
   * read. Wanted partitions are held until the broker said where its log starts; failures are
   * retried (nothing is read meanwhile, nothing lost).
   */
  #positionCatchUp(added: readonly string[]): void {
    const from = this.#deps.catchUp!.from;
    const wanted: Array<{ key: string; topic: string; partition: number; offset: number }> = [];
    for (const key of added) {
      const cut = key.lastIndexOf('/');
      const topic = key.slice(0, cut);
      const partition = Number(key.slice(cut + 1));
      const offset = from.get(partition);
      if (offset === undefined) this.#consumer.pause([{ topic, partitions: [partition] }]);
      else wanted.push({ key, topic, partition, offset });
    }
    if (wanted.length === 0) return;
    const topics = wanted.map((w) => ({ topic: w.topic, partitions: [w.partition] }));
    for (const w of wanted) this.#loading.add(w.key);
    this.#consumer.pause(topics);
    const attempt = (delayMs: number): void => {
      // One topic per reader (catch-up-run.ts).
      this.#logStarts(wanted[0]!.topic).then((starts) => {
        for (const { key, topic, partition, offset } of wanted) {
          if (!this.#assigned.has(key) || !this.#loading.has(key)) continue;
          const start = starts.get(partition) ?? -1;
          const at = Math.max(offset, start);
          if (start > offset) this.#deps.catchUp!.onRecordsLost?.({ topic, partition, from: offset, to: start });
          if (!this.#open.has(key)) this.#openPartition(topic, partition, this.#routes.get(topic)!.dataset, at);
          this.#consumer.seek({ topic, partition, offset: String(at) });
          this.#loading.delete(key);
        }
        if (!this.#stopping) this.#consumer.resume(topics);
      }, (error: unknown) => {
        if (this.#stopping) return;
        this.#log.warn({ err: (error as Error).message, retry_ms: delayMs }, 'reading the log start offsets for catch-up failed; the reader waits');
        setTimeout(() => attempt(Math.min(delayMs * 2, 30_000)), delayMs).unref();
      });
    };
    attempt(500);
  }

  /**
   * Reads the committed metadata of newly assigned partitions before taking their records: a
   * previous owner may have parked jobs there. Failures are retried; the partitions stay held
   * (other partitions flow, nothing is lost).
   */
  #loadParkedPositions(added: readonly string[]): void {
    const connection = this.#connection;
    if (connection.committedMetadata === undefined) return;
    const read = (groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>) => connection.committedMetadata!(groupId, partitions);
    for (const key of added) this.#loading.add(key);
    const partitions = added.map((key) => ({ topic: key.slice(0, key.lastIndexOf('/')), partition: Number(key.slice(key.lastIndexOf('/') + 1)) }));
    const attempt = (delayMs: number): void => {
      read(this.#config.group_id, partitions).then((committed) => {
        const parkedJobs = new Set<number>();
        for (const { topic, partition, offset, metadata } of committed) {
          if (!this.#assigned.has(keyOf(topic, partition))) continue;
          if (offset >= 0) this.#committedAt.set(keyOf(topic, partition), offset);
          this.#idleMetadata.set(keyOf(topic, partition), metadata);
          for (const jobId of this.parked.load(topic, partition, metadata).keys()) parkedJobs.add(jobId);
        }
        if (parkedJobs.size > 0) {
          this.#log.warn({ jobs: [...parkedJobs] }, 'partitions came with parked jobs from their previous owner; those jobs are parked here too');
          this.#parkedElsewhere!([...parkedJobs]);
        }
        for (const key of added) this.#loading.delete(key);
        if (!this.#stopping) this.#consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
      }, (error: unknown) => {
        if (this.#stopping) return;
        this.#log.warn({ err: (error as Error).message, retry_ms: delayMs }, 'reading parked positions of new partitions failed; they wait');
        setTimeout(() => attempt(Math.min(delayMs * 2, 30_000)), delayMs).unref();
      });
    };
    this.#consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
    attempt(500);
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
    // Its parked positions are in its last commit, for the next owner.
    this.parked.drop(state.topic, state.partition);
    this.#committedAt.delete(key);
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
