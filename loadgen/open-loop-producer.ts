// Produces the scheduled events to Kafka, open loop (schedule.ts): every `tickMs` it sends all
// events that have become due since the last tick, each stamped with its intended send time
// (as EdgeStartTimestamp, via the generator's clock) and its run/index RayID
// (record-identity.ts). Sends are not awaited before the next tick; the only brake is a cap on
// sends awaiting acknowledgement, and while it holds, due events wait *with their intended
// times unchanged*, so a slow broker shows up as latency, never as a quietly lower load.
//
// Batching per tick, not per event: at 10k events/s a 5 ms tick is ~50 events per produce
// request, and kafkajs handles a few hundred requests/s without becoming the bottleneck.

import kafkajs from 'kafkajs';
import type { Message, Producer } from 'kafkajs';
import { PRODUCER_CODECS, RECORDS_PER_PARTITION_PER_SEND, type ProducerCodec } from '../bench/e2e/preload.ts';
import { round } from '../bench/result-file.ts';
import { createHttpRequestsGenerator } from '../src/generator/http-requests.ts';
import { registerKafkaCodecs } from '../src/sources/kafka/codecs.ts';
import type { DeliveryTracker } from './delivery-tracker.ts';
import { rayIdFor, withRayId } from './record-identity.ts';
import { intendedOffsetNs, nextBatch, type OpenLoopSchedule } from './schedule.ts';

export interface OpenLoopProducerOptions {
  brokers: string[];
  topic: string;
  /** Events go to partitions round-robin (by index); the key is the tenant, as sluice reads it. */
  partitions: number;
  schedule: OpenLoopSchedule;
  runId: string;
  tenant: string;
  codec: ProducerCodec;
  tracker: DeliveryTracker;
  tickMs?: number;
  /** Produce requests awaiting acknowledgement at most; default 256. */
  maxInFlight?: number;
  seed?: number;
}

export interface ProducerResult {
  scheduled: number;
  sent: number;
  acknowledged: number;
  failedSends: number;
  firstError: string | null;
  /** Wall clock of the schedule's start (event 0's intended time), epoch ms. */
  startedAtMs: number;
  /** Start → the last event handed to kafkajs. */
  sendSeconds: number;
  /** Start → the last acknowledgement. */
  ackSeconds: number;
  targetRate: number;
  /** Events sent ÷ the schedule's duration or sendSeconds, whichever is longer. */
  achievedSendRate: number;
  /** Largest delay between an event's intended time and the moment it was handed to kafkajs. */
  maxSendLagMs: number;
  valueBytes: number;
}

export async function runOpenLoopProducer(options: OpenLoopProducerOptions): Promise<ProducerResult> {
  registerKafkaCodecs();
  const { schedule, tracker, partitions } = options;
  const tickMs = options.tickMs ?? 5;
  const maxInFlight = options.maxInFlight ?? 256;
  const kafka = new kafkajs.Kafka({ clientId: 'sluice-loadgen', brokers: options.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();

  // Epoch ns of the start: Date.now() anchors the epoch, hrtime measures elapsed time.
  const startHr = process.hrtime.bigint();
  const startedAtMs = Date.now();
  const startEpochNs = BigInt(startedAtMs) * 1_000_000n;
  let intendedNs = startEpochNs;
  const generator = createHttpRequestsGenerator({ seed: options.seed ?? 1, tenants: [options.tenant], clock: () => intendedNs });
  const compression = PRODUCER_CODECS[options.codec];
  const perSend = RECORDS_PER_PARTITION_PER_SEND * partitions;

  let sent = 0;
  let acknowledged = 0;
  let failedSends = 0;
  let firstError: string | null = null;
  let inFlight = 0;
  let maxLagNs = 0;
  let valueBytes = 0;
  let lastSendNs = 0;
  let lastAckNs = 0;
  const pending = new Set<Promise<void>>();

  const sendRange = (from: number, to: number): void => {
    const messages: Message[] = new Array(to - from);
    for (let i = from; i < to; i++) {
      intendedNs = startEpochNs + BigInt(intendedOffsetNs(schedule, i));
      const value = Buffer.from(withRayId(generator.next().json, rayIdFor(options.runId, i)), 'utf8');
      valueBytes += value.length;
      messages[i - from] = { key: options.tenant, value, partition: i % partitions };
    }
    inFlight++;
    const send: Promise<void> = sendOnce(producer, options.topic, messages, compression).then(
      () => {
        tracker.markProduced(from, to);
        acknowledged += to - from;
        lastAckNs = Number(process.hrtime.bigint() - startHr);
      },
      (error: unknown) => {
        failedSends++;
        firstError ??= error instanceof Error ? error.message : String(error);
      },
    ).finally(() => {
      inFlight--;
      pending.delete(send);
    });
    pending.add(send);
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = Number(process.hrtime.bigint() - startHr);
      const { from, to } = nextBatch(schedule, sent, elapsed);
      for (let start = from; start < to && inFlight < maxInFlight; start += perSend) {
        const end = Math.min(to, start + perSend);
        const lag = elapsed - intendedOffsetNs(schedule, start);
        if (lag > maxLagNs) maxLagNs = lag;
        sendRange(start, end);
        sent = end;
      }
      if (sent > from) lastSendNs = Number(process.hrtime.bigint() - startHr);
      if (sent >= schedule.total) resolve();
      else setTimeout(tick, tickMs);
    };
    tick();
  });
  await Promise.all(pending);
  await producer.disconnect();

  const scheduleSeconds = schedule.total / schedule.rate;
  return {
    scheduled: schedule.total,
    sent,
    acknowledged,
    failedSends,
    firstError,
    startedAtMs,
    sendSeconds: round(lastSendNs / 1e9, 3),
    ackSeconds: round(lastAckNs / 1e9, 3),
    targetRate: schedule.rate,
    achievedSendRate: Math.round(sent / Math.max(scheduleSeconds, lastSendNs / 1e9)),
    maxSendLagMs: round(maxLagNs / 1e6, 1),
    valueBytes,
  };
}

function sendOnce(producer: Producer, topic: string, messages: Message[], compression: number): Promise<void> {
  return producer.send({ topic, messages, acks: 1, compression }).then(() => undefined);
}
