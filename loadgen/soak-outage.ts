// `npm run soak -- outage [--minutes 10] [--outage-minutes 5] [--kill9]`: issue 10's outage soak.
//
// 10 jobs (10 tenants) read one topic through a sluice child with parking on; an open-loop load
// of 5,000 records/s (500 per tenant) runs for --minutes; job 1's S3 destination goes through
// Toxiproxy, which is cut for --outage-minutes in the middle of the run and then restored. The
// other nine jobs write to the same S3 server directly. Reported per phase (before / during /
// after, by each record's intended send time): every job's p50/p99 end-to-end latency and
// delivered records/s; job 1's time to catch up (restore → its last record from before the
// restore delivered); the longest intake pause (sluice's own received-records counter, scraped
// every 250 ms); parking events from sluice's log; missing and duplicate records of every job.
// --kill9 also SIGKILLs sluice once during the outage and once during catch-up and restarts it.
//
// Starts the Kafka broker, the S3 server and Toxiproxy itself (scripts/*.sh) if they are not
// running. Writes bench/results/soak-outage-<ISO time>.json. Exit code 1 if a record is missing,
// 2 on bad flags. Not part of `npm test`. bench/README.md "Outage soak" has the measured runs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dropKafkajsNegativeTimeoutWarning } from '../src/kafka/kafkajs-warnings.ts';
import { gitCommit, machine, round, writeResultFile } from '../bench/result-file.ts';
import { ensureKafka } from '../test/helpers/kafka.ts';
import { createBucket, ensureS3, uniqueBucket } from '../test/helpers/s3.ts';
import { createProxy, deleteProxy, disableProxy, enableProxy, uniqueProxyName } from '../test/helpers/toxiproxy.ts';
import { IntakeMonitor } from './intake-monitor.ts';
import { createObjectWatcher } from './object-watchers.ts';
import { runOpenLoopProducer, type ProducerResult } from './open-loop-producer.ts';
import { PhasedTracker, type Phase } from './phased-tracker.ts';
import { newRunId } from './record-identity.ts';
import { ensureTopic, observe, type Observer } from './run.ts';
import { openLoopSchedule } from './schedule.ts';
import { parkingEvents, SoakSluice } from './soak-sluice.ts';

const REPO = resolve(import.meta.dirname, '..');
const FAILING_JOB = 1;
/** Within this much of "before" counts as unaffected (the goal). */
const P99_TOLERANCE = 0.2;
const MAX_INTAKE_PAUSE_SECONDS = 2;

class UsageError extends Error {
  readonly code = 'ERR_SOAK_USAGE';
}

interface SoakOptions {
  minutes: number;
  outageMinutes: number;
  rate: number;
  jobs: number;
  partitions: number;
  workers: number;
  maxUploadIntervalSeconds: number;
  kill9: boolean;
  graceSeconds: number;
  pollMs: number;
  resultsDir: string;
}

function parseOptions(argv: string[]): SoakOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      minutes: { type: 'string', default: '10' },
      'outage-minutes': { type: 'string', default: '5' },
      rate: { type: 'string', default: '5000' },
      jobs: { type: 'string', default: '10' },
      partitions: { type: 'string', default: '4' },
      workers: { type: 'string', default: '2' },
      'max-upload-interval': { type: 'string', default: '1' },
      kill9: { type: 'boolean', default: false },
      grace: { type: 'string', default: '300' },
      'poll-ms': { type: 'string', default: '500' },
      'results-dir': { type: 'string', default: join(REPO, 'bench/results') },
    },
  });
  if (positionals.length !== 1 || positionals[0] !== 'outage') throw new UsageError(`the only soak is "outage" (npm run soak -- outage [--minutes 10] [--outage-minutes 5] [--kill9]), got "${positionals.join(' ')}"`);
  const number = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got "${text}"`);
    return n;
  };
  const options: SoakOptions = {
    minutes: number('minutes', values.minutes, 0.5),
    outageMinutes: number('outage-minutes', values['outage-minutes'], 0.1),
    rate: number('rate', values.rate, 10),
    jobs: Math.floor(number('jobs', values.jobs, 2)),
    partitions: number('partitions', values.partitions, 1),
    workers: number('workers', values.workers, 1),
    maxUploadIntervalSeconds: number('max-upload-interval', values['max-upload-interval'], 0.1),
    kill9: values.kill9,
    graceSeconds: number('grace', values.grace, 0),
    pollMs: number('poll-ms', values['poll-ms'], 50),
    resultsDir: values['results-dir'],
  };
  if (options.outageMinutes >= options.minutes) throw new UsageError(`--outage-minutes (${options.outageMinutes}) must be shorter than --minutes (${options.minutes}): the soak needs a before and an after`);
  return options;
}

/** Zone ids of the soak's tenants: 32 hex chars, one per job. */
function soakTenant(job: number): string {
  return `50a4${job.toString(16).padStart(28, '0')}`;
}

async function main(): Promise<void> {
  let options: SoakOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`soak: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  dropKafkajsNegativeTimeoutWarning();
  const log = (line: string) => process.stderr.write(`soak: ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const seconds = options.minutes * 60;
  const outageMs = options.outageMinutes * 60_000;
  const beforeMs = ((seconds * 1000) - outageMs) / 2;

  log('starting Kafka, S3 and Toxiproxy if they are not running …');
  const { brokers } = await ensureKafka();
  const s3 = await ensureS3();
  const bucket = uniqueBucket('soak-outage');
  await createBucket(bucket);
  const proxy = await createProxy(uniqueProxyName('soak-outage-s3'), '127.0.0.1:0', s3.endpoint.replace(/^http:\/\//, ''));
  const topic = `soak-outage-${Date.now().toString(36)}-${process.pid}`;
  await ensureTopic(brokers, topic, options.partitions);
  const conf = (job: number, endpoint: string) =>
    `s3://${bucket}/soak/job${job}/{DATE}?region=${s3.region}&endpoint=${encodeURIComponent(endpoint)}&access-key-id=${s3.accessKeyId}&secret-access-key=${s3.secretAccessKey}`;
  const jobIds = Array.from({ length: options.jobs }, (_, i) => i + 1);
  const workDir = mkdtempSync(join(os.tmpdir(), 'sluice-soak-'));
  const runIds = jobIds.map(() => newRunId());
  const sluice = new SoakSluice({
    brokers, topic, groupId: `sluice-soak-${runIds[0]}`, workers: options.workers, maxUploadIntervalSeconds: options.maxUploadIntervalSeconds, workDir,
    jobs: jobIds.map((id) => ({ id, tenant: soakTenant(id), destinationConf: conf(id, id === FAILING_JOB ? `http://${proxy.listen}` : s3.endpoint) })),
  });
  const monitor = new IntakeMonitor();
  const observers: Observer[] = [];
  const watchers = jobIds.map((id) => createObjectWatcher(conf(id, s3.endpoint))); // observed directly, never through the proxy
  const timers: NodeJS.Timeout[] = [];
  const timeline: Array<{ atMs: number; event: string }> = [];
  const note = (event: string) => {
    timeline.push({ atMs: Date.now(), event });
    log(event);
  };
  try {
    log(`starting sluice (${options.jobs} jobs, parking on, work dir ${workDir}) …`);
    monitor.setUrl(await sluice.start());

    const perJobRate = options.rate / options.jobs;
    const schedule = openLoopSchedule(perJobRate, seconds);
    const t0 = Date.now();
    const outageAt = t0 + beforeMs;
    const restoreAt = outageAt + outageMs;
    const phases: Phase[] = [
      { name: 'before', fromMs: t0, toMs: outageAt },
      { name: 'during', fromMs: outageAt, toMs: restoreAt },
      { name: 'after', fromMs: restoreAt, toMs: Infinity },
    ];
    const trackers = jobIds.map((_, i) => new PhasedTracker(runIds[i]!, schedule.total, phases, restoreAt));
    for (let i = 0; i < jobIds.length; i++) observers.push(observe(watchers[i]!, trackers[i]!, options.pollMs));

    // Faults on a timetable relative to the load's start; a restart's failure ends the run.
    let faultError: unknown = null;
    const at = (ms: number, action: () => Promise<void>) => timers.push(setTimeout(() => action().catch((error: unknown) => { faultError ??= error; log(`fault step failed: ${(error as Error).message}`); }), Math.max(0, ms - Date.now())));
    // Noted before and after: closing the proxy's open connections can take a while on a busy host.
    at(outageAt, async () => { note('cutting job 1\'s S3 connection'); await disableProxy(proxy); note(`outage: job ${FAILING_JOB}'s S3 connection cut`); });
    at(restoreAt, async () => { note('restoring job 1\'s S3 connection'); await enableProxy(proxy); note(`restored: job ${FAILING_JOB}'s S3 connection back`); });
    // One restart at a time: a restarted sluice waits up to the session timeout (30 s) for its
    // killed member to leave the group, which can outlast the gap to the next kill.
    let restarting = Promise.resolve();
    const restart = (when: string): Promise<void> => (restarting = restarting.then(async () => {
      note(`SIGKILL sluice (${when})`);
      await sluice.kill9();
      monitor.setUrl(await sluice.start());
      note('sluice restarted, group Stable');
    }));
    if (options.kill9) {
      at(outageAt + outageMs * 0.75, () => restart('during the outage'));
      at(restoreAt + 5000, () => restart('during catch-up'));
    }

    log(`load: ${options.rate}/s over ${options.jobs} tenants for ${seconds} s; outage ${round(beforeMs / 1000, 1)} s → ${round((beforeMs + outageMs) / 1000, 1)} s`);
    monitor.start();
    const sends: ProducerResult[] = await Promise.all(jobIds.map((id, i) => runOpenLoopProducer({
      brokers, topic, partitions: options.partitions, schedule, runId: runIds[i]!, tenant: soakTenant(id), codec: 'none', tracker: trackers[i]!,
      // 10 producers: a 50 ms tick keeps produce requests at ~200/s in all.
      tickMs: 50, seed: id,
    })));
    const sentAtMs = Date.now();
    // Intake is measured while the load runs: after the last send there is nothing to take in.
    const intake = monitor.stop();
    const acknowledged = sends.reduce((sum, s) => sum + s.acknowledged, 0);
    log(`sent ${acknowledged.toLocaleString('en-US')} acknowledged records; waiting up to ${options.graceSeconds} s for delivery …`);
    const deadline = sentAtMs + options.graceSeconds * 1000;
    await Promise.all(observers.map((o, i) => o.until(() => faultError !== null || (trackers[i]!.missing === 0 && trackers[i]!.delivered >= sends[i]!.acknowledged), deadline)));
    for (const o of observers) await o.stop();
    const exitCode = sluice.running ? await sluice.stop() : 'not running';
    if (faultError !== null) throw faultError;

    const jobs = jobIds.map((id, i) => {
      const t = trackers[i]!;
      const summary = t.summary();
      const lastBefore = t.lastBeforeMarkMs;
      return {
        job: id,
        role: id === FAILING_JOB ? 'failing' : 'other',
        tenant: soakTenant(id),
        produced: summary.produced,
        delivered: summary.delivered,
        missing: summary.missing,
        duplicates: summary.duplicates,
        missingSample: t.missingSample(10),
        phases: t.phaseFigures(),
        ...(id === FAILING_JOB ? { catchUpSeconds: summary.missing === 0 && lastBefore !== null ? round(Math.max(0, lastBefore - restoreAt) / 1000, 1) : null } : {}),
      };
    });
    const others = jobs.filter((j) => j.role === 'other');
    const ratio = (phase: number) => round(Math.max(...others.map((j) => j.phases[phase]!.p99Ms / Math.max(1, j.phases[0]!.p99Ms))), 2);
    const failing = jobs.find((j) => j.role === 'failing')!;
    const missing = jobs.reduce((sum, j) => sum + j.missing, 0);
    const goals = {
      otherP99DuringOverBefore: ratio(1),
      otherP99AfterOverBefore: ratio(2),
      otherP99Met: ratio(1) <= 1 + P99_TOLERANCE && ratio(2) <= 1 + P99_TOLERANCE,
      longestIntakePauseSeconds: intake.longestPauseSeconds,
      intakePauseMet: intake.longestPauseSeconds <= MAX_INTAKE_PAUSE_SECONDS,
      missing,
      missingMet: missing === 0,
      failingCatchUpSeconds: failing.catchUpSeconds ?? null,
      failingCaughtUp: failing.catchUpSeconds !== null && failing.catchUpSeconds !== undefined,
    };
    const rel = (ms: number) => round((ms - t0) / 1000, 1);
    const report = {
      benchmark: 'soak-outage',
      date: startedAt.toISOString(),
      machine: machine(loadBefore, os.loadavg()),
      node: process.version,
      commit: gitCommit(),
      parameters: {
        minutes: options.minutes, outageMinutes: options.outageMinutes, rate: options.rate, jobs: options.jobs, partitions: options.partitions,
        workers: options.workers, maxUploadIntervalSeconds: options.maxUploadIntervalSeconds, kill9: options.kill9, graceSeconds: options.graceSeconds,
        pollMs: options.pollMs, failingJob: FAILING_JOB, parking: 'enabled, other settings default', compression: 'zstd', output: 'S3 (versitygw on loopback); job 1 through Toxiproxy',
        latency: 'visibility (S3 listing time, late by ≤ pollMs) − intended send time; phase by intended send time',
      },
      phasesSeconds: { outageAt: rel(outageAt), restoreAt: rel(restoreAt), end: seconds },
      goals,
      intake: { ...intake, pauses: intake.pauses.map((p) => ({ at: rel(p.fromMs), seconds: p.seconds, bufferedMB: p.bufferedMB })), parkedChanges: intake.parkedChanges.map((c) => ({ at: rel(c.atMs), parked: c.parked })) },
      timeline: timeline.map((e) => ({ at: rel(e.atMs), event: e.event })),
      parkingLog: sluice.stderrs.flatMap(parkingEvents).map((e) => ({ at: rel(e.atMs), job: e.jobId, msg: e.msg })),
      send: { acknowledged, failedSends: sends.reduce((sum, s) => sum + s.failedSends, 0), maxSendLagMs: Math.max(...sends.map((s) => s.maxSendLagMs)), firstError: sends.find((s) => s.firstError !== null)?.firstError ?? null },
      sluice: { exitCode, peakRssMB: Math.round(sluice.peakRssBytes / 1e6), cpuSeconds: round(sluice.cpuSeconds, 1) },
      jobs,
    };
    // sluice's own log, for the why behind a pause (too large for the results directory).
    const logFile = join(os.tmpdir(), `soak-outage-${report.date.replaceAll(':', '-')}-sluice.log`);
    writeFileSync(logFile, sluice.stderrs.join(''));
    console.log(formatTable(report.jobs, goals));
    console.log(`sluice's log: ${logFile}`);
    console.log(`wrote ${writeResultFile(options.resultsDir, report.benchmark, report.date, report)}`);
    if (missing > 0) {
      process.stderr.write(`soak: ${missing} produced records were not delivered within the grace period\n`);
      process.exitCode = 1;
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    monitor.stop();
    for (const o of observers) await o.stop().catch(() => {}); // a failure was already thrown
    if (sluice.running) await sluice.stop().catch(() => {});
    for (const w of watchers) w.close();
    await deleteProxy(proxy).catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}

type JobRow = { job: number; role: string; missing: number; duplicates: number; phases: Array<{ phase: string; p50Ms: number; p99Ms: number; deliveredPerSecond: number }>; catchUpSeconds?: number | null };

function formatTable(jobs: JobRow[], goals: Record<string, unknown>): string {
  const lines = ['job  role     before p50/p99 ms (rec/s)   during p50/p99 ms (rec/s)   after p50/p99 ms (rec/s)    missing dup'];
  for (const j of jobs) {
    const cells = j.phases.map((p) => `${p.p50Ms}/${p.p99Ms} (${p.deliveredPerSecond})`.padEnd(28));
    lines.push(`${String(j.job).padEnd(5)}${j.role.padEnd(9)}${cells.join('')}${String(j.missing).padEnd(8)}${j.duplicates}`);
  }
  lines.push(`goals: ${JSON.stringify(goals)}`);
  return lines.join('\n');
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
