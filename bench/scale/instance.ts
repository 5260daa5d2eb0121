// One `sluice run` process of the scale-out benchmark: a member of the shared consumer group with
// one ndjson + gzip job to a shared file:// directory, one worker, metrics on a free loopback
// port. Its Kafka client id names the instance, so the group's member list says who owns what.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { TEN_FIELDS } from '../fixtures.ts';
import { spawnMeasured, stopChild, type MeasuredChild } from '../e2e/child.ts';
import { kafkaBenchConfig } from '../e2e/sluice-run.ts';
import { metricSum } from './metrics-text.ts';

const METRICS_LINE = /^sluice: metrics on (\S+)$/;

export interface InstanceOptions {
  /** The sluice checkout to run (this one, or a clean copy of a commit). */
  sluiceDir: string;
  name: string;
  brokers: string[];
  topic: string;
  groupId: string;
  tenant: string;
  /** Directory every instance's job writes into (the fleet's one destination). */
  outDir: string;
  /** This instance's config and state. */
  dir: string;
  workers: number;
}

export interface InstanceCounters {
  /** `sluice_source_received_records_total`: records this instance read from Kafka. */
  received: number;
  /** `sluice_kafka_group_joins_total`: its first join plus one per rebalance. */
  groupJoins: number;
}

export function instanceConfig(options: InstanceOptions): Record<string, unknown> {
  const config = kafkaBenchConfig(options, [{
    id: 1,
    name: 'scale-out',
    zone_id: options.tenant,
    dataset: 'http_requests',
    destination_conf: pathToFileURL(options.outDir).href,
    output_options: { field_names: TEN_FIELDS },
    compression: 'gzip',
    max_upload_interval_seconds: 1,
  }]);
  const [source] = config['sources'] as Array<Record<string, unknown>>;
  source!['client_id'] = `sluice-${options.name}`;
  return { ...config, telemetry: { listen: '127.0.0.1:0' } };
}

export class ScaleInstance {
  readonly name: string;
  readonly measured: MeasuredChild;
  /** Known once the process has printed it; until then it has no counters to scrape. */
  #metricsUrl: string | null = null;

  constructor(options: InstanceOptions) {
    this.name = options.name;
    mkdirSync(options.dir, { recursive: true });
    const configFile = join(options.dir, 'sluice.yaml');
    writeFileSync(configFile, stringify(instanceConfig(options)));
    this.measured = spawnMeasured([join(options.sluiceDir, 'src/cli/main.ts'), 'run', '--config', configFile], {
      cwd: options.dir,
      env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' },
    });
    void this.measured.lineMatching((line) => METRICS_LINE.test(line)).then((line) => (this.#metricsUrl = METRICS_LINE.exec(line)![1]!));
  }

  /**
   * This instance's counters now (its /metrics), or null if it does not serve them (yet). Never
   * waits for a starting process: a poll over every instance must not stall on a new one.
   */
  async counters(): Promise<InstanceCounters | null> {
    if (this.#metricsUrl === null) return null;
    try {
      const response = await fetch(this.#metricsUrl, { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      return { received: metricSum(text, 'sluice_source_received_records_total'), groupJoins: metricSum(text, 'sluice_kafka_group_joins_total') };
    } catch {
      return null;
    }
  }

  /** Peak RSS so far in bytes (VmHWM or the largest sample). */
  peakRssBytes(): number {
    const sample = this.measured.watcher.sample() ?? this.measured.watcher.last;
    return Math.max(this.measured.watcher.maxRssBytes, sample?.peakRssBytes ?? 0);
  }

  /** CPU seconds of every thread so far (0 once the process is gone). */
  cpuSeconds(): number {
    return (this.measured.watcher.sample() ?? this.measured.watcher.last)?.cpuSeconds ?? 0;
  }

  /** SIGTERM (graceful: delivers, commits and leaves the group), SIGKILL after 60 s. */
  stop(): Promise<number | string> {
    return stopChild(this.measured, 60_000);
  }
}
