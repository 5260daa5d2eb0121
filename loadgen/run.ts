// One load-generator run: topic → (optional sluice child) → open-loop produce → observe the
// destination until every produced event was delivered or the grace period ran out.
// Returns the numbers; main.ts prints them and writes the JSON.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { ProducerCodec } from '../bench/e2e/preload.ts';
import type { Compression } from '../src/jobs/types.ts';
import { redactDestinationConf } from '../src/destinations/destination-conf.ts';
import { decodeObject } from './decode-object.ts';
import { DeliveryTracker, type DeliverySummary } from './delivery-tracker.ts';
import { createObjectWatcher, type ObjectWatcher } from './object-watchers.ts';
import { runOpenLoopProducer, type ProducerResult } from './open-loop-producer.ts';
import { newRunId, readDeliveredIdentity } from './record-identity.ts';
import { openLoopSchedule } from './schedule.ts';
import { startSluice, type RunningSluice } from './sluice-child.ts';

export interface LoadgenOptions {
  brokers: string[];
  topic: string;
  partitions: number;
  rate: number;
  seconds: number;
  /** destination_conf of the job whose objects are observed. */
  output: string;
  tenant: string;
  codec: ProducerCodec;
  /** Start sluice as a child (true) or observe one already running (false). */
  spawnSluice: boolean;
  /** For the spawned sluice's job, and for the default grace period. */
  maxUploadIntervalSeconds: number;
  compression: Compression;
  workers: number;
  /** How long to wait for stragglers after the last send; default 2 × interval + 30 s. */
  graceSeconds?: number;
  pollMs?: number;
  tickMs?: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface LatencyMillis {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadgenResult {
  runId: string;
  output: string;
  observedAt: string;
  timeSource: string;
  send: ProducerResult;
  delivery: DeliverySummary & {
    objects: number;
    /** Delivered events ÷ (schedule start → last delivery). */
    deliveredRate: number;
    /** Last send → last delivery. */
    drainSeconds: number | null;
    /** Produced events still missing when the grace period ended (a sample of their indexes). */
    missingSample: number[];
  };
  latencyMs: LatencyMillis;
  /** The spawned sluice's resource use, or null when observing an external one. */
  sluice: { exitCode: number | string; peakRssMB: number; cpuSeconds: number } | null;
}

export async function runLoadgen(options: LoadgenOptions): Promise<LoadgenResult> {
  const log = options.log ?? (() => {});
  const schedule = openLoopSchedule(options.rate, options.seconds);
  const runId = newRunId();
  const tracker = new DeliveryTracker(runId, schedule.total);
  const pollMs = options.pollMs ?? 250;
  const graceMs = (options.graceSeconds ?? 2 * options.maxUploadIntervalSeconds + 30) * 1000;

  await ensureTopic(options.brokers, options.topic, options.partitions);
  const watcher = createObjectWatcher(options.output);
  await watcher.prime();

  let sluice: RunningSluice | null = null;
  let workDir: string | null = null;
  if (options.spawnSluice) {
    workDir = mkdtempSync(join(os.tmpdir(), 'sluice-loadgen-'));
    log(`starting sluice (work dir ${workDir}) …`);
    sluice = await startSluice({
      brokers: options.brokers,
      topic: options.topic,
      groupId: `sluice-loadgen-${runId}`,
      tenant: options.tenant,
      output: options.output,
      compression: options.compression,
      maxUploadIntervalSeconds: options.maxUploadIntervalSeconds,
      workers: options.workers,
      dataDir: join(workDir, 'state'),
      workDir,
    });
  }

  const observer = observe(watcher, tracker, pollMs);
  let sluiceStats: LoadgenResult['sluice'] = null;
  try {
    log(`run ${runId}: ${schedule.total.toLocaleString('en-US')} events at ${options.rate}/s for ${options.seconds} s → ${watcher.where}`);
    const send = await runOpenLoopProducer({
      brokers: options.brokers, topic: options.topic, partitions: options.partitions, schedule, runId,
      tenant: options.tenant, codec: options.codec, tracker,
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    });
    const sentAtMs = Date.now();
    log(`sent ${send.sent.toLocaleString('en-US')} (acknowledged ${send.acknowledged.toLocaleString('en-US')}) at ${send.achievedSendRate}/s, max send lag ${send.maxSendLagMs} ms; waiting up to ${graceMs / 1000} s for delivery …`);
    await observer.until(() => tracker.missing === 0 && tracker.delivered >= send.acknowledged, sentAtMs + graceMs);
    await observer.stop();
    if (sluice !== null) sluiceStats = await sluice.stop();

    const summary = tracker.summary();
    const window = tracker.deliveryWindow;
    const h = tracker.histogram;
    const ms = (micros: number) => Math.round(micros / 10) / 100;
    return {
      runId,
      output: redactDestinationConf(options.output),
      observedAt: watcher.where,
      timeSource: watcher.timeSource,
      send,
      delivery: {
        ...summary,
        objects: observer.objects(),
        deliveredRate: window === null ? 0 : Math.round(summary.delivered / Math.max(0.001, (window.lastMs - send.startedAtMs) / 1000)),
        drainSeconds: window === null ? null : Math.round(((window.lastMs - send.startedAtMs) / 1000 - send.sendSeconds) * 100) / 100,
        missingSample: tracker.missingSample(20),
      },
      latencyMs: {
        count: h.totalCount,
        min: ms(h.totalCount === 0 ? 0 : h.minNonZeroValue),
        p50: ms(h.getValueAtPercentile(50)),
        p90: ms(h.getValueAtPercentile(90)),
        p99: ms(h.getValueAtPercentile(99)),
        p999: ms(h.getValueAtPercentile(99.9)),
        max: ms(h.maxValue),
        mean: ms(h.mean),
      },
      sluice: sluiceStats,
    };
  } finally {
    await observer.stop().catch(() => {}); // a failure was already thrown from the try block
    if (sluice !== null && sluiceStats === null) await sluice.stop().catch(() => {});
    watcher.close();
    if (workDir !== null) rmSync(workDir, { recursive: true, force: true });
  }
}

export async function ensureTopic(brokers: string[], topic: string, partitions: number): Promise<void> {
  const admin = new kafkajs.Kafka({ clientId: 'sluice-loadgen-admin', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // false = it exists already (observing an existing setup); its partition count is kept.
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export interface Observer {
  /** Resolves when `done()` holds after a poll, or at `deadlineMs` (epoch ms). */
  until(done: () => boolean, deadlineMs: number): Promise<void>;
  stop(): Promise<void>;
  objects(): number;
}

/** Polls the watcher every `pollMs` in the background and feeds every delivered record to the tracker. */
export function observe(watcher: ObjectWatcher, tracker: DeliveryTracker, pollMs: number): Observer {
  let stopped = false;
  let objects = 0;
  let failure: unknown = null;
  const waiters = new Set<() => void>();
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      try {
        for (const object of await watcher.poll()) {
          objects++;
          const text = decodeObject(object.name, await object.read());
          let from = 0;
          while (from < text.length) {
            let end = text.indexOf('\n', from);
            if (end < 0) end = text.length;
            if (end > from) {
              const identity = readDeliveredIdentity(text.slice(from, end));
              if (identity !== null) tracker.recordDelivery(identity, object.visibleAtMs);
            }
            from = end + 1;
          }
        }
      } catch (error) {
        failure = error;
        stopped = true;
      }
      for (const wake of waiters) wake();
      if (!stopped) await new Promise((r) => setTimeout(r, Math.max(0, pollMs - (Date.now() - started))));
    }
  })();
  return {
    async until(done, deadlineMs) {
      while (!done() && Date.now() < deadlineMs && !stopped) {
        await new Promise<void>((resolve) => {
          const wake = () => { waiters.delete(wake); clearTimeout(timer); resolve(); };
          const timer = setTimeout(wake, Math.max(0, deadlineMs - Date.now()));
          waiters.add(wake);
        });
      }
      if (failure !== null) throw failure;
    },
    async stop() {
      stopped = true;
      await loop;
      if (failure !== null) throw failure;
    },
    objects: () => objects,
  };
}
