// Is a Kafka broker usable — not merely listening? The TCP port must accept a connection AND
// the broker must answer a metadata request (kafkajs admin.describeCluster) listing at least
// one broker. Shared by scripts/kafka/wait-ready.ts (for kafka.sh) and test/helpers/kafka.ts.

import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';

export type ReadyResult = { ready: true; elapsedMs: number } | { ready: false; reason: string };

// A cheap first gate: until the port accepts connections there is no point building a
// kafkajs client (and its own retry loop) at all.
function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

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
  const [host, portText] = broker.split(':');
  const port = Number(portText);
  if (host === undefined || !Number.isInteger(port)) return { ready: false, reason: `not a host:port: ${broker}` };
  if (!(await tcpAccepts(host, port, 1000))) return { ready: false, reason: `nothing accepts connections on ${broker}` };
  try {
    const brokers = await liveBrokerCount(broker);
    return brokers > 0 ? { ready: true, elapsedMs: 0 } : { ready: false, reason: 'metadata lists no broker yet' };
  } catch (error) {
    return { ready: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls until the broker is ready or the deadline passes. With `pid`, gives up at once when
 * that process is gone: a broker that died while starting will never answer, and waiting out
 * the deadline would only hide the failure.
 */
export async function waitForKafka(broker: string, options: { timeoutMs: number; pid?: number }): Promise<ReadyResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let reason = 'deadline passed before the first check';
  while (Date.now() < deadline) {
    if (options.pid !== undefined && !isAlive(options.pid)) return { ready: false, reason: `broker process ${options.pid} exited` };
    const result = await checkKafkaOnce(broker);
    if (result.ready) return { ready: true, elapsedMs: Date.now() - started };
    reason = result.reason;
    await delay(200); // poll interval between checks of the condition, not a wait for the result
  }
  return { ready: false, reason: `not ready after ${options.timeoutMs} ms: ${reason}` };
}
