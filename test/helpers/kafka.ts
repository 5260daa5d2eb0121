// Test helpers for the real Kafka broker that scripts/kafka.sh runs on loopback. Integration
// tests call ensureKafka() first (it starts — and on first use installs — the broker when
// nothing answers), then make their own topics with uniqueTopic() + createTopic(), so tests
// never share data and can run in parallel against one broker.
//
// Every helper opens and closes its own kafkajs connection: a connection cached at module
// level would keep the test file's process alive after its last test.

import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import type { Message } from 'kafkajs';
import { checkKafkaOnce } from '../../scripts/kafka/ready-check.ts';
import { ServiceStarter } from './service-script.ts';
import { waitUntil } from '../integration/support/wait.ts';

export { CompressionTypes };

/** Broker port; scripts/kafka.sh reads the same variable. */
export const KAFKA_PORT = Number(process.env['SLUICE_KAFKA_PORT'] ?? 39092);
export const KAFKA_BROKERS: string[] = [`127.0.0.1:${KAFKA_PORT}`];

// First use installs the jars (~15 s cold) and starts the JVM (~5–10 s on 2 cores).
const START_TIMEOUT_MS = 300_000;

const broker = new ServiceStarter('kafka.sh', () => checkKafkaOnce(KAFKA_BROKERS[0]!), START_TIMEOUT_MS);

/**
 * Resolves once the broker answers metadata requests, starting it with `scripts/kafka.sh
 * start` if nothing answers on KAFKA_PORT. Memoised per process; kafka.sh serialises starts
 * across processes, so parallel test files may all call this.
 */
export async function ensureKafka(): Promise<{ brokers: string[] }> {
  await broker.ensure();
  return { brokers: [...KAFKA_BROKERS] };
}

/** A kafkajs client for the test broker with logging off (tests assert; logs are noise). */
export function kafkaClient(clientId = 'sluice-test'): Kafka {
  return new Kafka({ clientId, brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
}

let topicCounter = 0;

/** A topic name no other test (or earlier run) uses: prefix, pid, time, counter. */
export function uniqueTopic(prefix: string): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 100);
  return `${safe}-${process.pid}-${Date.now().toString(36)}-${++topicCounter}`;
}

async function withAdmin<T>(use: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = kafkaClient('sluice-test-admin').admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates a fresh topic and waits for its partition leaders. Throws if it already exists.
 * `config` sets topic configs, e.g. `{ 'max.message.bytes': '16777216' }`.
 */
export async function createTopic(name: string, partitions = 1, config: Record<string, string> = {}): Promise<void> {
  const configEntries = Object.entries(config).map(([key, value]) => ({ name: key, value }));
  const created = await withAdmin(async (admin) => {
    const fresh = await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: false });
    if (fresh) await waitForTopicLeaders(admin, name, partitions);
    return fresh;
  });
  if (!created) throw new Error(`topic ${name} already exists (use uniqueTopic() for a fresh one)`);
}

/** Metadata errors a just-created topic may answer with for a moment. */
const NOT_READY_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until each of the topic's `partitions` has a leader. kafkajs's own wait
 * (createTopics' waitForLeaders) retries only LEADER_NOT_AVAILABLE, but a KRaft broker that has
 * just started answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this
 * topic-partition") for a moment after creating a topic: a test or benchmark run right after
 * `scripts/kafka.sh start` failed on it.
 */
export async function waitForTopicLeaders(admin: ReturnType<Kafka['admin']>, name: string, partitions: number, timeoutMs = 30_000): Promise<void> {
  let last = 'no metadata yet';
  await waitUntil(async () => {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
      const found = topics[0]?.partitions ?? [];
      last = `${found.filter((p) => p.leader >= 0).length} of ${partitions} partitions have a leader`;
      return found.length === partitions && found.every((p) => p.leader >= 0);
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === undefined || !NOT_READY_YET.has(type)) throw error;
      last = type;
      return false;
    }
  }, `every partition of topic ${name} to have a leader`, { timeoutMs, intervalMs: 100, detail: () => last });
}

export async function deleteTopic(name: string): Promise<void> {
  await withAdmin((admin) => admin.deleteTopics({ topics: [name] }));
}

/** Each partition's high watermark (the offset the next record will get), by partition. */
export async function topicHighWatermarks(name: string): Promise<Map<number, bigint>> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(name));
  return new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
}

export type ProduceOptions = { compression?: CompressionTypes; acks?: -1 | 0 | 1 };

// One produce request must stay under the broker's message.max.bytes (1 MiB) per partition
// batch; 512 KiB per send leaves room for keys, headers and framing.
const MAX_SEND_BYTES = 512 * 1024;

function messageBytes(message: Message): number {
  const size = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 0);
  return size(message.value) + size(message.key) + 64;
}

/**
 * Produces the messages in order (strings and Buffers become values without a key) and
 * returns how many were acknowledged. Sends in chunks so any number of messages fits the
 * broker's request size limit.
 */
export async function produce(topic: string, messages: ReadonlyArray<Message | string | Buffer>, options: ProduceOptions = {}): Promise<number> {
  const producer = kafkaClient('sluice-test-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let chunk: Message[] = [];
    let chunkBytes = 0;
    let sent = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await producer.send({ topic, messages: chunk, acks: options.acks ?? -1, compression: options.compression ?? CompressionTypes.None });
      sent += chunk.length;
      chunk = [];
      chunkBytes = 0;
    };
    for (const item of messages) {
      const message: Message = typeof item === 'string' || Buffer.isBuffer(item) ? { value: item } : item;
      const bytes = messageBytes(message);
      if (chunkBytes + bytes > MAX_SEND_BYTES) await flush();
      chunk.push(message);
      chunkBytes += bytes;
    }
    await flush();
    return sent;
  } finally {
    await producer.disconnect();
  }
}
