// Fills a fresh topic with generated http_requests events as fast as one kafkajs producer can:
// several sends in flight, each one record batch of ~500 records per partition (under the
// broker's 1 MiB message.max.bytes when uncompressed), acks=1, the native codecs of
// src/sources/kafka/codecs.ts for compression.
//
// Partitioning: the key is the event's zone id (sluice reads the tenant from it), but the
// partition is chosen round-robin by default. The generator has four zones (70/17/8/4 %); by
// key hash nearly all data would land on one or two partitions and the tail of the run would
// measure a single-partition fetch loop instead of the source. `partitionBy: 'key'` keeps
// Kafka's default murmur2 placement for those who want to see that.

import kafkajs from 'kafkajs';
import type { Message } from 'kafkajs';
import { createHttpRequestsGenerator } from '../../src/generator/http-requests.ts';
import { registerKafkaCodecs } from '../../src/sources/kafka/codecs.ts';
import { round } from '../result-file.ts';
import { waitForTopicLeaders } from '../../test/helpers/kafka.ts';

export type ProducerCodec = 'none' | 'gzip' | 'snappy' | 'zstd';

export const PRODUCER_CODECS: Record<ProducerCodec, number> = {
  none: kafkajs.CompressionTypes.None,
  gzip: kafkajs.CompressionTypes.GZIP,
  snappy: kafkajs.CompressionTypes.Snappy,
  zstd: kafkajs.CompressionTypes.ZSTD,
};

export interface PreloadOptions {
  brokers: string[];
  topic: string;
  partitions: number;
  records: number;
  codec: ProducerCodec;
  partitionBy: 'round-robin' | 'key';
  /** Sends awaiting their acknowledgement at once. */
  inFlight?: number;
  seed?: number;
  /** The record key (sluice's tenant) of record `index`; default: the event's own zone id. */
  keyOf?: (index: number) => string;
}

export interface PreloadResult {
  records: number;
  /** Sum of record values (the events), bytes. */
  valueBytes: number;
  averageRecordBytes: number;
  seconds: number;
  /** Of `seconds`, time spent generating events (the producer was idle only if nothing was in flight). */
  generateSeconds: number;
  recordsPerSecond: number;
  valueMBPerSecond: number;
}

/** Records per partition in one send: one uncompressed batch stays under message.max.bytes (1 MiB). */
export const RECORDS_PER_PARTITION_PER_SEND = 500;

export async function preloadTopic(options: PreloadOptions): Promise<PreloadResult> {
  registerKafkaCodecs();
  const kafka = new kafkajs.Kafka({ clientId: 'sluice-bench-producer', brokers: options.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({ topics: [{ topic: options.topic, numPartitions: options.partitions, replicationFactor: 1 }], waitForLeaders: false });
    if (!created) throw new Error(`topic ${options.topic} already exists`);
    await waitForTopicLeaders(admin, options.topic, options.partitions);
  } finally {
    await admin.disconnect();
  }

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  // A fixed clock so runs produce the same bytes; the seed fixes everything else.
  let now = 1_759_000_000_123_456_789n;
  const generator = createHttpRequestsGenerator({ seed: options.seed ?? 42, clock: () => (now += 97_531n) });
  const perSend = RECORDS_PER_PARTITION_PER_SEND * options.partitions;
  const inFlight = options.inFlight ?? 4;
  const pending = new Set<Promise<void>>();
  let failure: unknown = null;
  let valueBytes = 0;
  let generateMs = 0;
  const started = performance.now();
  try {
    for (let sent = 0; sent < options.records && failure === null;) {
      const count = Math.min(perSend, options.records - sent);
      const g0 = performance.now();
      const messages: Message[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const event = generator.next();
        const value = Buffer.from(event.json, 'utf8');
        valueBytes += value.length;
        const key = options.keyOf?.(sent + i) ?? event.tenant;
        messages[i] = options.partitionBy === 'key'
          ? { key, value }
          : { key, value, partition: (sent + i) % options.partitions };
      }
      generateMs += performance.now() - g0;
      sent += count;
      const send: Promise<void> = producer
        .send({ topic: options.topic, messages, acks: 1, compression: PRODUCER_CODECS[options.codec] })
        .then(() => { pending.delete(send); }, (error: unknown) => { failure ??= error; pending.delete(send); });
      pending.add(send);
      if (pending.size >= inFlight) await Promise.race(pending);
    }
    await Promise.all(pending);
    if (failure !== null) throw failure;
  } finally {
    await producer.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    records: options.records,
    valueBytes,
    averageRecordBytes: Math.round(valueBytes / options.records),
    seconds: round(seconds, 2),
    generateSeconds: round(generateMs / 1000, 2),
    recordsPerSecond: Math.round(options.records / seconds),
    valueMBPerSecond: round(valueBytes / 1e6 / seconds, 1),
  };
}
