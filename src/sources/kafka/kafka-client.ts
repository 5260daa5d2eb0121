// The narrow seam between KafkaSource and kafkajs: the few consumer calls the source makes
// (ConsumerPort, faked in unit tests) and the kafkajs-backed implementation with the options
// sluice needs: autoCommit never on, bounded connect retries for the first contact, kafkajs logs
// routed into pino.

import kafkajs from 'kafkajs';
import type { Admin, Consumer, KafkaConfig, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSourceConfig } from '../../config/schema.ts';
import { DEFAULT_MESSAGE_LIMITS, type DeadLetterProducerPort, type MessageLimits } from './dead-letter.ts';
import { registerKafkaCodecs } from './codecs.ts';
import type { LagPort } from './consumer-lag.ts';
import { kafkaClientConfig } from '../../kafka/client-config.ts';
import { connectError, unknownTopicError } from '../../kafka/errors.ts';
import { dropKafkajsNegativeTimeoutWarning } from '../../kafka/kafkajs-warnings.ts';
import type { TenantCarrier } from './tenant.ts';
import { trackedSockets } from './tracked-sockets.ts';

export interface BatchMessage extends TenantCarrier {
  offset: string;
  value: Buffer | null;
}

/** The part of kafkajs's EachBatchPayload the source uses. */
export interface BatchPayload {
  /** highWatermark: offset after the partition's last record at fetch time (kafkajs sets it; fakes may not). */
  batch: { topic: string; partition: number; messages: BatchMessage[]; highWatermark?: string };
  resolveOffset(offset: string): void;
  /** Pauses this batch's partition (kafkajs stops fetching it until resumed). */
  pause(): () => void;
  /** True if a seek made this batch's offsets obsolete. */
  isStale(): boolean;
}

export interface TopicPartitions {
  topic: string;
  partitions?: number[];
}

export interface ConsumerPort {
  subscribe(options: { topics: string[]; fromBeginning: boolean }): Promise<void>;
  /** Joins the group and starts fetching; resolves once the first join finished. */
  run(options: { eachBatch: (payload: BatchPayload) => Promise<void> }): Promise<void>;
  /** A join completed: `assignment` is every partition this member now owns, by topic. */
  onGroupJoin(listener: (assignment: Record<string, number[]>) => void): void;
  /** A rebalance was announced (our partitions are about to be revoked). */
  onRebalancing(listener: () => void): void;
  /** The consumer crashed; `restart` says whether kafkajs restarts it (it left the group either way). */
  onCrash(listener: (error: Error, restart: boolean) => void): void;
  pause(topics: TopicPartitions[]): void;
  resume(topics: TopicPartitions[]): void;
  seek(target: { topic: string; partition: number; offset: string }): void;
  /** `metadata` is stored with the offset (parked jobs' positions: parked-positions.ts). */
  commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string; metadata?: string | null }>): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TopicCheck {
  topic: string;
  /** JSON path of the topic in the config, for the error message. */
  path: string;
}

/** A partition's committed offset metadata (null when none, or no commit yet). */
export interface CommittedMetadata {
  topic: string;
  partition: number;
  /** The committed offset, -1 when the group never committed the partition. */
  offset: number;
  metadata: string | null;
}

export interface KafkaConnection {
  /** Reads the group's committed metadata for these partitions (parking); absent in fakes without parking. */
  committedMetadata?(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<CommittedMetadata[]>;
  /** First contact with bounded retries: connects, checks that every topic exists. Throws KafkaError. */
  preflight(topics: readonly TopicCheck[]): Promise<void>;
  /** End and committed offsets for consumer lag (consumer-lag.ts), over one admin client kept open; absent in fakes. */
  lagPort?(): LagPort;
  readonly consumer: ConsumerPort;
  /** A producer for the dead-letter topic (created on demand, connected on first use). */
  createProducer(): DeadLetterProducerPort;
  /** What the broker accepts for `topic` (describeConfigs); absent in fakes (Kafka's defaults apply). */
  describeMessageLimits?(topic: string): Promise<MessageLimits>;
}

/** Connection-level settings shared by the preflight admin and the consumer. */
function clientConfig(config: KafkaSourceConfig): KafkaConfig {
  return kafkaClientConfig({ brokers: config.brokers, clientId: config.client_id, ssl: config.ssl, sasl: config.sasl });
}

const { logLevel, ConfigResourceTypes } = kafkajs;

/** kafkajs's console logger would write unstructured lines to stdout; send them to pino instead. */
function pinoLogCreator(log: Logger) {
  return () => ({ namespace, level, log: entry }: LogEntry) => {
    const { message, timestamp: _t, logger: _l, ...fields } = entry;
    const line = { kafkajs: namespace, ...fields };
    // kafkajs INFO is chatty (every join, every stop): debug here; its ERROR lines repeat what
    // a crash event or a mapped KafkaError reports, but stay visible as errors.
    if (level === logLevel.ERROR) log.error(line, message);
    else if (level === logLevel.WARN) log.warn(line, message);
    else if (level === logLevel.INFO) log.debug(line, message);
    else log.trace(line, message);
  };
}

function heartbeatInterval(sessionTimeoutMs: number): number {
  // kafkajs requires heartbeat < session timeout; a third of it is Kafka's recommendation.
  return Math.min(3000, Math.floor(sessionTimeoutMs / 3));
}

/**
 * The consumer's retries (its fetch loop, group calls, connects, and the delay before kafkajs
 * restarts it after a crash). kafkajs's defaults (5 retries, ×2 from 300 ms, up to 30 s) give
 * up after ~10 s of a broker restart: the consumer crashes, waits the last backoff (~10 s) and
 * rejoins as a *new* member, which the restarted coordinator holds back until the old member's
 * session times out (30 s by default). Measured (bench/broker-restart.ts, broker down 30 s):
 * intake back 30.1–30.3 s after the broker was ready. Attempts at most 2 s apart for about a
 * minute keep the member through a restart: intake back 0.7–1.8 s after the broker was ready.
 */
const CONSUMER_RETRY = { initialRetryTime: 300, maxRetryTime: 2000, retries: 30 };

export function connectKafka(config: KafkaSourceConfig, log: Logger): KafkaConnection {
  registerKafkaCodecs();
  dropKafkajsNegativeTimeoutWarning();
  // Admin clients and the dead-letter producer keep kafkajs's shorter defaults (their callers
  // retry on their own); only the consumer and its cluster connection wait out a restart.
  const consumerKafka = new kafkajs.Kafka({ ...clientConfig(config), logLevel: logLevel.INFO, logCreator: pinoLogCreator(log) });
  const memberSockets = trackedSockets();
  const memberKafka = new kafkajs.Kafka({ ...clientConfig(config), logLevel: logLevel.INFO, logCreator: pinoLogCreator(log), retry: CONSUMER_RETRY, socketFactory: memberSockets.factory });
  const consumer: Consumer = memberKafka.consumer({
    retry: CONSUMER_RETRY,
    groupId: config.group_id,
    sessionTimeout: config.session_timeout_ms,
    heartbeatInterval: heartbeatInterval(config.session_timeout_ms),
    // Both from memory.limit_mb unless the config gives them (config/memory-plan.ts); absent
    // (a config built by hand) = kafkajs's defaults.
    maxBytesPerPartition: config.max_bytes_per_partition,
    maxBytes: config.max_bytes,
    // Also how long a fetch sleeps when every partition is paused: short, so intake resumes
    // promptly after backpressure ends, and a long poll on an idle topic stays cheap.
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
  });

  const port: ConsumerPort = {
    subscribe: (options) => consumer.subscribe(options),
    run: ({ eachBatch }) => consumer.run({
      // kafkajs must never commit on its own: commits follow delivery (CommitScheduler).
      autoCommit: false,
      // Offsets are resolved by the source, only up to records actually pushed, so a batch cut
      // short by backpressure is re-fetched from the first record not taken.
      eachBatchAutoResolve: false,
      eachBatch,
    }),
    onGroupJoin: (listener) => {
      consumer.on(consumer.events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment as Record<string, number[]>));
    },
    onRebalancing: (listener) => {
      consumer.on(consumer.events.REBALANCING, () => listener());
    },
    onCrash: (listener) => {
      consumer.on(consumer.events.CRASH, (event) => listener(event.payload.error, event.payload.restart));
    },
    pause: (topics) => consumer.pause(topics),
    resume: (topics) => consumer.resume(topics),
    seek: (target) => consumer.seek(target),
    commitOffsets: (offsets) => consumer.commitOffsets(offsets),
    disconnect: async () => {
      try {
        await consumer.disconnect();
      } finally {
        // A socket kafkajs lost track of (tracked-sockets.ts) would keep the process alive.
        const leaked = memberSockets.closeAll();
        if (leaked > 0) log.debug({ sockets: leaked }, 'closed Kafka consumer sockets that kafkajs left open');
      }
    },
  };

  return {
    consumer: port,
    async committedMetadata(groupId, partitions) {
      const admin = consumerKafka.admin();
      await admin.connect();
      try {
        const topics = [...new Set(partitions.map((p) => p.topic))];
        const fetched = await admin.fetchOffsets({ groupId, topics });
        return fetched.flatMap(({ topic, partitions: found }) => found.map((p) => ({ topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata ?? null })));
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    createProducer(): DeadLetterProducerPort {
      // Few retries inside kafkajs (its default retries a missing topic for ~10 s per send):
      // the dead-letter path retries a bounded number of times itself, then sets the topic
      // aside (src/core/dead-letter.ts), so a failing topic holds its records only briefly.
      const producer = consumerKafka.producer({ allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
      return {
        connect: () => producer.connect(),
        // acks -1: a poison record is acknowledged on the source only once its copy is durable.
        send: async (topic, messages) => {
          await producer.send({ topic, acks: -1, messages });
        },
        disconnect: () => producer.disconnect(),
      };
    },
    async describeMessageLimits(topic) {
      const probe = new kafkajs.Kafka({ ...clientConfig(config), logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } });
      const admin = probe.admin();
      const entry = (resources: Array<{ configEntries: Array<{ configName: string; configValue: string }> }>, name: string): number | null => {
        const value = Number(resources[0]?.configEntries.find((e) => e.configName === name)?.configValue);
        return Number.isSafeInteger(value) && value > 0 ? value : null;
      };
      try {
        await admin.connect();
        let topicLimit: number | null = null;
        try {
          // The topic's effective value: its own override, else the broker default it inherits.
          const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }] });
          topicLimit = entry(described.resources, 'max.message.bytes');
        } catch (error) {
          log.warn({ topic, err: (error as Error).message }, 'could not read the dead-letter topic\'s max.message.bytes; using the broker\'s message.max.bytes');
        }
        // One broker stands for all (a cluster normally shares its settings).
        const { brokers } = await admin.describeCluster();
        const broker = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokers[0]?.nodeId ?? 0), configNames: ['message.max.bytes', 'socket.request.max.bytes'] }] });
        const brokerLimit = entry(broker.resources, 'message.max.bytes');
        const maxRequestBytes = entry(broker.resources, 'socket.request.max.bytes') ?? DEFAULT_MESSAGE_LIMITS.maxRequestBytes;
        if (topicLimit !== null) return { maxMessageBytes: topicLimit, maxRequestBytes, from: 'topic' };
        if (brokerLimit !== null) return { maxMessageBytes: brokerLimit, maxRequestBytes, from: 'broker' };
        return { ...DEFAULT_MESSAGE_LIMITS, maxRequestBytes };
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    lagPort(): LagPort {
      // One admin connection for the life of the source (a refresh every 10 s would otherwise
      // connect each time); dropped after a failure and made again at the next refresh.
      let admin: Admin | null = null;
      let closed = false;
      const using = async <T>(use: (connected: Admin) => Promise<T>): Promise<T> => {
        if (closed) throw new Error('the consumer lag reader is closed');
        const current = admin ?? consumerKafka.admin();
        try {
          if (admin === null) {
            await current.connect();
            if (closed) throw new Error('the consumer lag reader is closed');
            admin = current;
          }
          return await use(current);
        } catch (error) {
          admin = null;
          await current.disconnect().catch(() => {});
          throw error;
        }
      };
      return {
        endOffsets: (topic) => using(async (a) => (await a.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, start: Number(p.low), end: Number(p.high) }))),
        committedOffsets: (groupId, topics) => using(async (a) => (await a.fetchOffsets({ groupId, topics: [...topics] }))
          .flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) })))),
        close: async () => {
          closed = true;
          const current = admin;
          admin = null;
          await current?.disconnect().catch(() => {});
        },
      };
    },
    async preflight(topics) {
      // A separate, silent client with few retries: kafkajs retries forever-ish by default and
      // logs every attempt; an operator with a wrong broker address wants one line, fast.
      const probe = new kafkajs.Kafka({
        ...clientConfig(config),
        logLevel: logLevel.NOTHING,
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      const admin = probe.admin();
      try {
        let existing: string[];
        try {
          await admin.connect();
          existing = await admin.listTopics();
        } catch (error) {
          throw connectError(error, config.brokers);
        }
        const known = new Set(existing);
        const missing = topics.find((t) => !known.has(t.topic));
        if (missing) throw unknownTopicError(missing.topic, config.brokers, missing.path);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
  };
}
