// `npm run loadgen -- …`: open-loop load against Kafka → sluice → file:// or s3://, with
// end-to-end latency per record. See bench/README.md "Load generator".
//
//   node loadgen/main.ts --rate 5000 --seconds 60 --output file:///tmp/lg/{DATE} --sluice
//   node loadgen/main.ts --rate 5000 --seconds 60 --topic logs --output 's3://bucket/p/{DATE}?endpoint=…' (sluice already running)
//
// Prints a table and writes bench/results/loadgen-<ISO time>.json. Exit code 1 if any produced
// record was not delivered within the grace period (or a send failed), 2 on bad flags.

import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANTS } from '../src/generator/http-requests.ts';
import { dropKafkajsNegativeTimeoutWarning } from '../src/kafka/kafkajs-warnings.ts';
import type { Compression } from '../src/jobs/types.ts';
import { PRODUCER_CODECS, type ProducerCodec } from '../bench/e2e/preload.ts';
import { gitCommit, machine, writeResultFile } from '../bench/result-file.ts';
import { runLoadgen, type LoadgenOptions, type LoadgenResult } from './run.ts';

const REPO = resolve(import.meta.dirname, '..');
const COMPRESSIONS: readonly Compression[] = ['gzip', 'zstd', 'snappy', 'none'];

class UsageError extends Error {
  readonly code = 'ERR_LOADGEN_USAGE';
}

function parseOptions(argv: string[]): LoadgenOptions & { resultsDir: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '5000' },
      seconds: { type: 'string', default: '60' },
      brokers: { type: 'string', default: '127.0.0.1:39092' },
      topic: { type: 'string' },
      partitions: { type: 'string', default: '4' },
      output: { type: 'string' },
      tenant: { type: 'string', default: DEFAULT_TENANTS[0]! },
      codec: { type: 'string', default: 'none' },
      sluice: { type: 'boolean', default: false },
      'max-upload-interval': { type: 'string', default: '1' },
      compression: { type: 'string', default: 'zstd' },
      workers: { type: 'string', default: '2' },
      grace: { type: 'string' },
      'poll-ms': { type: 'string', default: '250' },
      'results-dir': { type: 'string', default: join(REPO, 'bench/results') },
    },
  });
  const number = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got "${text}"`);
    return n;
  };
  if (values.output === undefined) throw new UsageError('--output file:///dir/{DATE} or s3://bucket/prefix/{DATE}?… is required');
  if (!(values.codec in PRODUCER_CODECS)) throw new UsageError(`--codec must be one of ${Object.keys(PRODUCER_CODECS).join(', ')}`);
  if (!COMPRESSIONS.includes(values.compression as Compression)) throw new UsageError(`--compression must be one of ${COMPRESSIONS.join(', ')}`);
  if (!values.sluice && values.topic === undefined) throw new UsageError('--topic is required when observing a running sluice (without --sluice)');
  return {
    rate: number('rate', values.rate, 1),
    seconds: number('seconds', values.seconds, 0.1),
    brokers: values.brokers.split(',').map((b) => b.trim()).filter((b) => b !== ''),
    topic: values.topic ?? `loadgen-${Date.now().toString(36)}-${process.pid}`,
    partitions: number('partitions', values.partitions, 1),
    output: values.output,
    tenant: values.tenant,
    codec: values.codec as ProducerCodec,
    spawnSluice: values.sluice,
    maxUploadIntervalSeconds: number('max-upload-interval', values['max-upload-interval'], 0.1),
    compression: values.compression as Compression,
    workers: number('workers', values.workers, 1),
    ...(values.grace === undefined ? {} : { graceSeconds: number('grace', values.grace, 0) }),
    pollMs: number('poll-ms', values['poll-ms'], 10),
    resultsDir: values['results-dir'],
  };
}

export function formatResultTable(result: LoadgenResult): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const l = result.latencyMs;
  const rows: Array<[string, string]> = [
    ['target send rate', `${n(result.send.targetRate)} events/s`],
    ['achieved send rate', `${n(result.send.achievedSendRate)} events/s (max send lag ${result.send.maxSendLagMs} ms)`],
    ['delivered rate', `${n(result.delivery.deliveredRate)} events/s (start → last delivery)`],
    ['produced / delivered', `${n(result.delivery.produced)} / ${n(result.delivery.delivered)} in ${n(result.delivery.objects)} objects`],
    ['missing / duplicated', `${n(result.delivery.missing)} / ${n(result.delivery.duplicates)}`],
    ['latency p50 / p90', `${l.p50} / ${l.p90} ms`],
    ['latency p99 / p99.9 / max', `${l.p99} / ${l.p999} / ${l.max} ms`],
  ];
  if (result.sluice) rows.push(['sluice peak RSS / CPU', `${result.sluice.peakRssMB} MB / ${result.sluice.cpuSeconds} s`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`loadgen: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  dropKafkajsNegativeTimeoutWarning();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const { resultsDir, ...run } = options;
  const result = await runLoadgen({ ...run, log: (line) => process.stderr.write(`loadgen: ${line}\n`) });
  const report = {
    benchmark: 'loadgen',
    date: startedAt.toISOString(),
    machine: machine(loadBefore, os.loadavg()),
    node: process.version,
    commit: gitCommit(),
    parameters: {
      rate: run.rate, seconds: run.seconds, brokers: run.brokers, topic: run.topic, partitions: run.partitions,
      producerCodec: run.codec, tenant: run.tenant, output: result.output,
      sluice: run.spawnSluice
        ? { spawned: true, workers: run.workers, compression: run.compression, maxUploadIntervalSeconds: run.maxUploadIntervalSeconds, format: 'ndjson, 10 fields incl. RayID and EdgeStartTimestamp (unixnano)' }
        : { spawned: false },
      graceSeconds: run.graceSeconds ?? 2 * run.maxUploadIntervalSeconds + 30,
      pollMs: run.pollMs,
    },
    results: result,
  };
  console.log(formatResultTable(result));
  console.log(`wrote ${writeResultFile(resultsDir, report.benchmark, report.date, report)}`);
  if (result.delivery.missing > 0) {
    process.stderr.write(`loadgen: ${result.delivery.missing} produced records were not delivered within the grace period (first indexes: ${result.delivery.missingSample.join(', ')})\n`);
    process.exitCode = 1;
  }
  if (result.send.failedSends > 0) {
    process.stderr.write(`loadgen: ${result.send.failedSends} produce requests failed (${result.send.sent - result.send.acknowledged} events): ${result.send.firstError}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`loadgen: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
