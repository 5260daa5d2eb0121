// One measured scale-out run: N `sluice run` instances started together in a fresh consumer
// group on a preloaded topic, timed from the first spawn until the group's committed offsets
// equal the end offsets (sluice commits only delivered records). Then each instance's received
// count and peak RSS, the CPU everyone used (instances, broker, others on the host), the group's
// assignment, and a count of what reached the output: every RayID once, or what is missing.

import os from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { readOutput } from '../../test/integration/support/output.ts';
import { brokerCpuSeconds } from '../e2e/broker-cpu.ts';
import { steadyRate, watchGroup, type ProgressSample, type TopicEnds } from '../e2e/group-progress.ts';
import { round } from '../result-file.ts';
import { ownCpuSeconds, sampleHostCpu } from './host-cpu.ts';
import { GroupTimeline, type GroupState } from './group-timeline.ts';
import { ScaleInstance, type InstanceCounters } from './instance.ts';

export interface GroupRunOptions {
  sluiceDir: string;
  instances: number;
  brokers: string[];
  topic: string;
  groupId: string;
  tenant: string;
  ends: TopicEnds;
  valueBytes: number;
  workers: number;
  /** Scratch directory of this run (configs, state, output). */
  dir: string;
  deadlineMs: number;
}

export interface InstanceResult {
  name: string;
  received: number | null;
  /** Of the input: received / records. */
  receivedShare: number | null;
  groupJoins: number | null;
  /** Partitions it owned when the run ended. */
  partitions: number[];
  peakRssMB: number;
  cpuSeconds: number;
  exitCode: number | string;
}

export interface GroupRunResult {
  instances: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  /** First spawn → all committed. */
  seconds: number;
  recordsPerSecond: number;
  inputMBPerSecond: number;
  /** 10 % → 90 % committed: without startup, group joins and the last batches' interval. */
  steadyRecordsPerSecond: number | null;
  /**
   * From the group's first Stable state with every instance to all committed: the N instances
   * working together (the last batches' interval and commit included), without the startup in
   * which the first instance to join reads alone while the others' joins wait for its rejoin.
   */
  afterAllJoinedRecordsPerSecond: number | null;
  firstCommitSeconds: number | null;
  /** When the group was first Stable with every instance, s after the first spawn. */
  stableWithAllSeconds: number | null;
  /** The group's states and member counts on the way (ms after the first spawn). */
  groupChanges: GroupState[];
  perInstance: InstanceResult[];
  /** Received by all instances beyond the input: records read again after a partition moved. */
  rereadRecords: number | null;
  /** CPU seconds over the run: the instances, the broker JVM, everything else on the host. */
  cpu: { instances: number; broker: number | null; others: number | null; steal: number | null; coresBusyInstances: number; coresBusyHost: number | null; instanceMicrosPerRecord: number };
  delivery: { objects: number; lines: number; distinctRayIds: number; missing: number; duplicates: number };
}

export async function runGroup(options: GroupRunOptions): Promise<GroupRunResult> {
  const loadAverageBefore = os.loadavg().map((l) => round(l, 2));
  const host0 = sampleHostCpu();
  const broker0 = brokerCpuSeconds();
  const own0 = ownCpuSeconds();
  const outDir = join(options.dir, 'out');
  const instances: ScaleInstance[] = [];
  for (let i = 0; i < options.instances; i++) {
    const name = String.fromCharCode(65 + i);
    instances.push(new ScaleInstance({ ...options, name, outDir, dir: join(options.dir, name) }));
  }
  const originMs = instances[0]!.measured.spawnedAtMs;
  const timeline = new GroupTimeline(options.brokers, options.groupId, originMs);
  let stopped: ReturnType<typeof stopAll> | null = null;
  try {
    const watch = await watchGroup({ ...options, originMs, abandon: Promise.race(instances.map((p) => p.measured.exited)) });
    // Measured before the shutdown: the counters, CPU and memory of the run itself.
    const counters = await Promise.all(instances.map((p) => p.counters()));
    const cpus = instances.map((p) => p.cpuSeconds());
    const peaks = instances.map((p) => p.peakRssBytes());
    const host1 = sampleHostCpu();
    const broker1 = brokerCpuSeconds();
    const own1 = ownCpuSeconds();
    const assignment = await assignmentByClient(options.brokers, options.groupId, options.topic);
    const groupChanges = await timeline.stop();
    stopped = stopAll(instances);
    const exitCodes = await stopped;
    if (watch.reachedAtMs === null) {
      throw new Error(`the group did not commit all ${options.ends.total} records (last committed ${watch.samples.at(-1)?.committed ?? 0})\n${stderrTails(instances)}`);
    }
    const total = options.ends.total;
    const seconds = watch.reachedAtMs / 1000;
    const receivedAll = counters.every((c) => c !== null) ? (counters as InstanceCounters[]).reduce((n, c) => n + c.received, 0) : null;
    const instanceCpu = cpus.reduce((a, b) => a + b, 0);
    const brokerCpu = broker0 === null || broker1 === null ? null : broker1 - broker0;
    const hostBusy = host0 === null || host1 === null ? null : host1.busySeconds - host0.busySeconds;
    const others = hostBusy === null ? null : hostBusy - instanceCpu - (brokerCpu ?? 0) - (own1 - own0);
    const scan = readOutput(outDir);
    const lines = [...scan.counts.values()].reduce((a, b) => a + b, 0);
    const steady = steadyRate(watch.samples, total);
    const allJoinedMs = timeline.stableWith(options.instances);
    return {
      instances: options.instances,
      loadAverageBefore,
      loadAverageAfter: os.loadavg().map((l) => round(l, 2)),
      seconds: round(seconds, 2),
      recordsPerSecond: Math.round(total / seconds),
      inputMBPerSecond: round(options.valueBytes / 1e6 / seconds, 1),
      steadyRecordsPerSecond: steady?.recordsPerSecond ?? null,
      firstCommitSeconds: (() => {
        const first = watch.samples.find((s) => s.committed > 0);
        return first ? round(first.atMs / 1000, 2) : null;
      })(),
      stableWithAllSeconds: allJoinedMs === null ? null : round(allJoinedMs / 1000, 2),
      afterAllJoinedRecordsPerSecond: allJoinedMs === null ? null : rateAfter(watch.samples, allJoinedMs, total, watch.reachedAtMs),
      groupChanges,
      perInstance: instances.map((p, i) => ({
        name: p.name,
        received: counters[i]?.received ?? null,
        receivedShare: counters[i] ? round(counters[i].received / total, 3) : null,
        groupJoins: counters[i]?.groupJoins ?? null,
        partitions: assignment.get(`sluice-${p.name}`) ?? [],
        peakRssMB: round(peaks[i]! / 1e6, 0),
        cpuSeconds: round(cpus[i]!, 2),
        exitCode: exitCodes[i]!,
      })),
      rereadRecords: receivedAll === null ? null : receivedAll - total,
      cpu: {
        instances: round(instanceCpu, 2),
        broker: brokerCpu === null ? null : round(brokerCpu, 2),
        others: others === null ? null : round(Math.max(0, others), 2),
        steal: host0 === null || host1 === null ? null : round(host1.stealSeconds - host0.stealSeconds, 2),
        coresBusyInstances: round(instanceCpu / seconds, 2),
        coresBusyHost: hostBusy === null ? null : round(hostBusy / seconds, 2),
        instanceMicrosPerRecord: round((instanceCpu / total) * 1e6, 2),
      },
      delivery: { objects: scan.objects, lines, distinctRayIds: scan.counts.size, missing: total - scan.counts.size, duplicates: lines - scan.counts.size },
    };
  } finally {
    if (stopped === null) {
      await timeline.stop();
      await stopAll(instances);
    }
  }
}

/** Records/s from `fromMs` (committed then: the last sample at or before it) to the end. */
function rateAfter(samples: readonly ProgressSample[], fromMs: number, total: number, endMs: number): number | null {
  const before = samples.findLast((s) => s.atMs <= fromMs);
  if (endMs <= fromMs) return null;
  return Math.round((total - (before?.committed ?? 0)) / ((endMs - fromMs) / 1000));
}

export function stderrTails(instances: readonly ScaleInstance[]): string {
  return instances.map((p) => `[${p.name} stderr] ${p.measured.stderr().slice(-2000)}`).join('\n');
}

export function stopAll(instances: readonly ScaleInstance[]): Promise<Array<number | string>> {
  return Promise.all(instances.map((p) => p.stop()));
}

/** The group's partitions of `topic` by member client id (instances name their client ids). */
export async function assignmentByClient(brokers: string[], groupId: string, topic: string): Promise<Map<string, number[]>> {
  const admin = new kafkajs.Kafka({ clientId: 'sluice-bench-scale', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const byClient = new Map<string, number[]>();
    for (const member of groups[0]?.members ?? []) {
      const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      byClient.set(member.clientId, [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b));
    }
    return byClient;
  } finally {
    await admin.disconnect();
  }
}
