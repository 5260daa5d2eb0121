// `--sluice`: runs sluice as a child process for the load, with a config written here — a Kafka
// source on the loadgen topic (tenant from the record key) and one job on the loadgen tenant to
// the chosen output. The load starts only once sluice's consumer group is Stable (joined,
// partitions assigned), so startup is not counted as latency.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import kafkajs from 'kafkajs';
import { stringify } from 'yaml';
import { spawnMeasured, stopChild, type MeasuredChild } from '../bench/e2e/child.ts';
import type { Compression } from '../src/jobs/types.ts';

const REPO = resolve(import.meta.dirname, '..');

/** Fields the job delivers: RayID and EdgeStartTimestamp identify and time each record. */
export const LOADGEN_FIELDS = [
  'RayID', 'EdgeStartTimestamp', 'EdgeEndTimestamp', 'ClientIP', 'ClientRequestHost', 'ClientRequestMethod',
  'ClientRequestURI', 'EdgeResponseBytes', 'EdgeResponseStatus', 'ZoneName',
];

export interface LoadgenSluiceOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  tenant: string;
  /** destination_conf of the one job. */
  output: string;
  compression: Compression;
  maxUploadIntervalSeconds: number;
  workers: number;
  dataDir: string;
}

/** The one Kafka source of a spawned sluice: the loadgen topic, tenant from the record key. */
export function loadgenSources(options: { brokers: string[]; groupId: string; topic: string }): unknown[] {
  return [{
    type: 'kafka',
    brokers: options.brokers,
    group_id: options.groupId,
    from_beginning: true,
    topics: [{ topic: options.topic, dataset: 'http_requests', tenant_from: { key: true } }],
  }];
}

export function loadgenSluiceConfig(options: LoadgenSluiceOptions): Record<string, unknown> {
  return {
    data_dir: options.dataDir,
    // Logpush's 30 s floor would make every latency ≥ the interval; the floor follows the job.
    limits: { min_upload_interval_seconds: Math.min(options.maxUploadIntervalSeconds, 30) },
    pipeline: { workers: options.workers },
    sources: loadgenSources(options),
    // The output is usually a store on this machine (versitygw, MinIO): allowed explicitly, as
    // destinations refuse loopback and private addresses by default.
    destinations: { allow_networks: ['127.0.0.0/8', '::1/128'] },
    jobs: [{
      id: 1,
      name: 'loadgen',
      zone_id: options.tenant,
      dataset: 'http_requests',
      destination_conf: options.output,
      output_options: { field_names: LOADGEN_FIELDS, timestamp_format: 'unixnano' },
      compression: options.compression,
      max_upload_interval_seconds: options.maxUploadIntervalSeconds,
    }],
  };
}

export interface RunningSluice {
  measured: MeasuredChild;
  /** SIGTERM (graceful: flushes open batches), SIGKILL after the grace. */
  stop(): Promise<{ exitCode: number | string; peakRssMB: number; cpuSeconds: number }>;
}

export async function startSluice(options: LoadgenSluiceOptions & { workDir: string; readyTimeoutMs?: number }): Promise<RunningSluice> {
  const configFile = join(options.workDir, 'sluice.yaml');
  writeFileSync(configFile, stringify(loadgenSluiceConfig(options)));
  const measured = spawnMeasured([join(REPO, 'src/cli/main.ts'), 'run', '--config', configFile], {
    cwd: options.workDir,
    env: { ...process.env, SLUICE_LOG_LEVEL: process.env['SLUICE_LOG_LEVEL'] ?? 'warn' },
  });
  const stop = async () => {
    const atEnd = measured.watcher.sample() ?? measured.watcher.last;
    const exitCode = await stopChild(measured, 60_000);
    return {
      exitCode,
      peakRssMB: Math.round(Math.max(measured.watcher.maxRssBytes, atEnd?.peakRssBytes ?? 0) / 1e6),
      cpuSeconds: Math.round((atEnd?.cpuSeconds ?? 0) * 100) / 100,
    };
  };
  try {
    await waitForStableGroup(options.brokers, options.groupId, options.readyTimeoutMs ?? 120_000, measured.exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\nsluice stderr:\n${measured.stderr().slice(-4000)}`);
  }
  return { measured, stop };
}

/** Resolves once the group is Stable with a member; rejects on timeout or if sluice exits. */
export async function waitForStableGroup(brokers: string[], groupId: string, timeoutMs: number, exited: Promise<unknown>): Promise<void> {
  let gone: unknown = null;
  void exited.then((code) => (gone = code ?? 'exited'));
  const admin = new kafkajs.Kafka({ clientId: 'sluice-loadgen-admin', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (gone !== null) throw new Error(`sluice exited (${String(gone)}) before its consumer group became Stable`);
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups[0];
      if (group !== undefined && group.state === 'Stable' && group.members.length > 0) return;
      if (Date.now() > deadline) throw new Error(`sluice's consumer group ${groupId} was not Stable after ${timeoutMs} ms (state ${group?.state ?? 'unknown'})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}
