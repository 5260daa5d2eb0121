// Scale-out benchmark (issue 13): what 1, 2 and 3 `sluice run` instances in one consumer group
// take from Kafka together, on the real broker of scripts/kafka.sh.
//
//   node bench/scale-out.bench.ts [--records 2000000] [--partitions 12] [--instances 1,2,3]
//                                 [--rounds 2] [--workers 1] [--deadline-s 600]
//                                 [--no-scale-events] [--sluice <checkout>] [--keep]
//
// 1. One topic with P partitions, preloaded with R generated http_requests records (~1.4 KB),
//    all keyed by one tenant and spread round-robin over the partitions (bench/e2e/preload.ts).
// 2. Per round, per N: N instances started together in a fresh group (from_beginning), each with
//    one job (ndjson, 10 fields, gzip, 1 s interval) to one shared file:// directory and
//    `pipeline.workers` W; timed from the first spawn until the group's committed offsets equal
//    the end offsets. Per instance: records received (/metrics), partitions owned, peak RSS,
//    CPU; the host's load average before and after, and the CPU others used meanwhile; every
//    output object decoded and its RayIDs counted (missing = records − distinct RayIDs).
//    Rounds interleave the Ns, so a change in the host's load hits every N alike.
// 3. Scale events (bench/scale/scale-events.ts): 2 instances, a third started at 25 % committed,
//    the first stopped with SIGTERM at 60 %: time to a Stable group and the intake gap of each.
// --sluice DIR runs another checkout's sluice (e.g. a clean `git archive` of a commit with a
// node_modules link) while other work is uncommitted in this tree.
// Writes bench/results/scale-out-<ISO time>.json and prints a table.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteTopic, ensureKafka } from '../test/helpers/kafka.ts';
import { dropKafkajsNegativeTimeoutWarning } from '../src/kafka/kafkajs-warnings.ts';
import { topicEnds } from './e2e/group-progress.ts';
import { preloadTopic } from './e2e/preload.ts';
import { positiveInteger } from './cli-flags.ts';
import { resultHeader, writeResultFile } from './result-file.ts';
import { runGroup, type GroupRunResult } from './scale/group-run.ts';
import { runScaleEvents, type ScaleEventsResult } from './scale/scale-events.ts';

/** The one tenant (record key and job zone_id): every record is routed and must be delivered. */
const TENANT = '023e105f4ecef8ad9ca31a8372d0c353';

function flags() {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      records: { type: 'string', default: '2000000' },
      partitions: { type: 'string', default: '12' },
      instances: { type: 'string', default: '1,2,3' },
      rounds: { type: 'string', default: '2' },
      workers: { type: 'string', default: '1' },
      'deadline-s': { type: 'string', default: '600' },
      'scale-events': { type: 'boolean', default: true },
      sluice: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  return {
    records: positiveInteger('records', values.records),
    partitions: positiveInteger('partitions', values.partitions),
    instances: values.instances.split(',').map((n) => positiveInteger('instances', n.trim())),
    rounds: positiveInteger('rounds', values.rounds),
    workers: positiveInteger('workers', values.workers),
    deadlineMs: positiveInteger('deadline-s', values['deadline-s']) * 1000,
    scaleEvents: values['scale-events'],
    sluiceDir: resolve(values.sluice ?? join(import.meta.dirname, '..')),
    keep: values.keep,
  };
}

function printRuns(runs: ReadonlyArray<GroupRunResult & { round: number }>): void {
  const n = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US'));
  const header = ['N', 'round', 'seconds', 'records/s', 'steady', 'all joined s', 'after all joined', 'received % per instance', 'peak RSS MB', 'cores: sluice/host', 'others CPU s', 'load before→after', 'missing', 'dups'];
  const rows = runs.map((r) => [
    String(r.instances), String(r.round), n(r.seconds), n(r.recordsPerSecond), n(r.steadyRecordsPerSecond), n(r.stableWithAllSeconds), n(r.afterAllJoinedRecordsPerSecond),
    r.perInstance.map((p) => (p.receivedShare === null ? '–' : Math.round(p.receivedShare * 100))).join('/'),
    r.perInstance.map((p) => p.peakRssMB).join('/'),
    `${r.cpu.coresBusyInstances}/${r.cpu.coresBusyHost ?? '–'}`,
    n(r.cpu.others),
    `${r.loadAverageBefore[0]}→${r.loadAverageAfter[0]}`,
    n(r.delivery.missing), n(r.delivery.duplicates),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

function printScaleEvents(result: ScaleEventsResult): void {
  console.log(`\nscale events (2 instances, +1 at 25 %, SIGTERM one at 60 %): done in ${result.seconds} s, ${result.delivery.missing} missing, ${result.delivery.duplicates} duplicates`);
  console.log(`  calm before the first event: longest intake gap ${result.calmLongestIntakeGapSeconds ?? '–'} s, commits stalled at most ${result.calmLongestCommitStallSeconds ?? '–'} s`);
  console.log(`  stretches of ≥ 1 s without intake [s after spawn, length s]: ${JSON.stringify(result.intakeGaps)}`);
  if (result.events.length < 2) console.log(`  only ${result.events.length} of the 2 events happened before the input ran out (more --records)`);
  for (const e of result.events) {
    const first = e.firstRecordAfterSeconds === undefined ? '' : `, new instance's first record after ${e.firstRecordAfterSeconds ?? '–'} s`;
    console.log(`  ${e.event} at ${e.atSeconds} s: Stable after ${e.stableAfterSeconds ?? '–'} s, longest intake gap ${e.longestIntakeGapSeconds} s, commits stalled at most ${e.longestCommitStallSeconds} s${first}`);
  }
}

async function main(): Promise<void> {
  const params = flags();
  dropKafkajsNegativeTimeoutWarning();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const { brokers } = await ensureKafka();
  const topic = `bench-scale-${startedAt.getTime().toString(36)}-${process.pid}`;
  const scratch = mkdtempSync(join(os.tmpdir(), 'sluice-bench-scale-'));
  const runs: Array<GroupRunResult & { round: number }> = [];
  try {
    console.log(`topic ${topic}: producing ${params.records.toLocaleString('en-US')} records over ${params.partitions} partitions …`);
    const preload = await preloadTopic({ brokers, topic, partitions: params.partitions, records: params.records, codec: 'none', partitionBy: 'round-robin', keyOf: () => TENANT });
    const ends = await topicEnds(brokers, topic);
    console.log(`  ${preload.recordsPerSecond.toLocaleString('en-US')} records/s, ${preload.seconds} s (${preload.averageRecordBytes} B/record)`);
    for (let round = 1; round <= params.rounds; round++) {
      for (const instances of params.instances) {
        const dir = join(scratch, `n${instances}-r${round}`);
        console.log(`round ${round}: ${instances} instance(s) …`);
        const run = await runGroup({
          instances, brokers, topic, groupId: `${topic}-n${instances}-r${round}`, tenant: TENANT, ends, valueBytes: preload.valueBytes,
          workers: params.workers, dir, deadlineMs: params.deadlineMs, sluiceDir: params.sluiceDir,
        });
        runs.push({ ...run, round });
        console.log(`  ${run.recordsPerSecond.toLocaleString('en-US')} records/s in ${run.seconds} s; ${run.delivery.missing} missing; load ${run.loadAverageBefore[0]} → ${run.loadAverageAfter[0]}`);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    let scaleEvents: ScaleEventsResult | null = null;
    let scaleEventsError: string | null = null;
    if (params.scaleEvents) {
      console.log('scale events: 2 instances, a third at 25 % committed, SIGTERM to one at 60 % …');
      const dir = join(scratch, 'events');
      // A failure here must not throw away the measured runs: it is reported in the result.
      scaleEvents = await runScaleEvents({ brokers, topic, groupId: `${topic}-events`, tenant: TENANT, ends, workers: params.workers, dir, deadlineMs: params.deadlineMs, sluiceDir: params.sluiceDir })
        .catch((error: unknown) => {
          scaleEventsError = error instanceof Error ? error.message : String(error);
          console.error(`scale events failed: ${scaleEventsError}`);
          return null;
        });
      rmSync(dir, { recursive: true, force: true });
    }
    const loadAfter = os.loadavg();
    const report = {
      ...resultHeader('scale-out', startedAt, loadBefore, loadAfter),
      parameters: {
        ...params,
        brokers,
        recordBytesAverage: preload.averageRecordBytes,
        inputMB: Math.round(preload.valueBytes / 1e6),
        job: 'one job on the one tenant: ndjson, 10 fields, gzip, max_upload_interval_seconds 1, file:// (shared directory)',
        sluice: 'default batch limits and in_flight_bytes, min_upload_interval_seconds 1, commit_interval_ms 250, session_timeout_ms default',
        broker: 'scripts/kafka.sh on the same host (group.initial.rebalance.delay.ms 0)',
      },
      results: { preload, runs, scaleEvents, scaleEventsError },
    };
    console.log('');
    printRuns(runs);
    if (scaleEvents) printScaleEvents(scaleEvents);
    console.log(`\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`wrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
    const missing = runs.reduce((sum, r) => sum + r.delivery.missing, 0) + (scaleEvents?.delivery.missing ?? 0);
    if (scaleEventsError !== null) process.exitCode = 1;
    if (missing > 0) {
      console.error(`${missing} records missing`);
      process.exitCode = 1;
    }
  } finally {
    if (params.keep) {
      console.log(`kept topic ${topic} and ${scratch}`);
    } else {
      rmSync(scratch, { recursive: true, force: true });
      await deleteTopic(topic).catch((error: unknown) => console.error(`could not delete topic ${topic}: ${(error as Error).message}`));
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
});
