// The consume-only baseline, run as its own process by e2e-kafka.bench.ts: a bare kafkajs
// consumer with sluice's group settings (src/sources/kafka/kafka-client.ts: 1 MiB per
// partition, 500 ms max wait, autoCommit off, eachBatch, native codecs) and a handler that only
// counts. Its rate is the ceiling kafkajs itself puts on any kafkajs-based source here.
//
//   node bench/e2e/baseline-consumer.ts --brokers 127.0.0.1:39092 --topic T --group G
//
// Prints one JSON line (BaselineReport) on stdout when every partition was read to its end.

import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { dropKafkajsNegativeTimeoutWarning as dropTimeoutNegativeWarnings } from '../../src/kafka/kafkajs-warnings.ts';
import { registerKafkaCodecs } from '../../src/sources/kafka/codecs.ts';
import { DEFAULT_KAFKA_MAX_BYTES_PER_PARTITION, DEFAULT_KAFKA_SESSION_TIMEOUT_MS } from '../../src/config/schema.ts';

export interface BaselineReport {
  records: number;
  valueBytes: number;
  /** Milliseconds since this process started (performance.timeOrigin). */
  connectedMs: number;
  firstBatchMs: number;
  doneMs: number;
  /** Main-thread CPU (user+system) from the first batch to the end, ms. */
  mainThreadCpuMsSteady: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { brokers: { type: 'string' }, topic: { type: 'string' }, group: { type: 'string' } } });
  const brokers = (values.brokers ?? '').split(',');
  const topic = values.topic!;
  registerKafkaCodecs();
  dropTimeoutNegativeWarnings();
  const kafka = new kafkajs.Kafka({ clientId: 'sluice-bench-baseline', brokers, logLevel: kafkajs.logLevel.NOTHING });

  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p));

  const consumer = kafka.consumer({
    groupId: values.group!,
    sessionTimeout: DEFAULT_KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: 3000,
    maxBytesPerPartition: DEFAULT_KAFKA_MAX_BYTES_PER_PARTITION,
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const connectedMs = performance.now();
  let firstBatchMs = 0;
  let cpuAtFirstBatch = { user: 0, system: 0 };
  let records = 0;
  let valueBytes = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (firstBatchMs === 0) {
        firstBatchMs = performance.now();
        cpuAtFirstBatch = process.threadCpuUsage();
      }
      // Touch each value as a source must (length only: no copy, no parse).
      for (const message of batch.messages) valueBytes += message.value?.length ?? 0;
      records += batch.messages.length;
      if (Number(batch.lastOffset()) >= (ends.get(batch.partition) ?? 0) - 1) {
        remaining.delete(batch.partition);
        if (remaining.size === 0) finish();
      }
    },
  });
  await finished;
  const cpu = process.threadCpuUsage(cpuAtFirstBatch);
  const report: BaselineReport = { records, valueBytes, connectedMs: Math.round(connectedMs), firstBatchMs: Math.round(firstBatchMs), doneMs: Math.round(performance.now()), mainThreadCpuMsSteady: Math.round((cpu.user + cpu.system) / 1000) };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await consumer.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline consumer failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
