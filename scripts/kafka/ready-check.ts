// Is a Kafka broker usable — not merely listening? The TCP port must accept a connection AND
// the broker must answer a metadata request (kafkajs admin.describeCluster) listing at least
// one broker. Shared by scripts/services/wait-ready.ts (for kafka.sh) and test/helpers/kafka.ts.

import { Kafka, logLevel } from 'kafkajs';
import { portOpen } from '../services/wait-for-service.ts';
import type { ReadyResult } from '../services/wait-for-service.ts';

async function liveBrokerCount(broker: string): Promise<number> {
  // retries: 0 — the caller's loop is the retry policy; kafkajs's own backoff would overrun
  // the caller's deadline.
  const kafka = new Kafka({ clientId: 'sluice-ready-check', brokers: [broker], logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** One attempt: the reason says what was missing (port closed, metadata error, no broker). */
export async function checkKafkaOnce(broker: string): Promise<ReadyResult> {
  // A cheap first gate: until the port accepts connections there is no point building a
  // kafkajs client (and its own retry loop) at all.
  const closed = await portOpen(broker);
  if (closed !== undefined) return { ready: false, reason: closed };
  try {
    const brokers = await liveBrokerCount(broker);
    return brokers > 0 ? { ready: true, elapsedMs: 0 } : { ready: false, reason: 'metadata lists no broker yet' };
  } catch (error) {
    return { ready: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

