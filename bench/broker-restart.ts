// `npm run bench:broker-restart -- [--rounds 2] [--down 30] [--port 39192]`: how soon sluice
// takes records in again after its Kafka broker restarts (issue 10).
//
// Runs its *own* broker (scripts/kafka.sh with SLUICE_KAFKA_PORT, a data dir of its own) so the
// shared broker on 39092 is never stopped, and a sluice child with one job to files and metrics
// on a free port. Each round: records flow (received counter moves) → the broker is stopped
// (SIGTERM) → after --down seconds it is started again → "ready" when kafka.sh start returns
// (it waits for metadata answers) → 100 records are produced at once → "intake back" when
// sluice's `sluice_source_received_records_total` moves. Reports ready → intake back (the
// recovery) and stop → intake back (the gap), and whether the consumer crashed (a crash means
// kafkajs rejoined as a new member). Writes bench/results/broker-restart-<ISO time>.json.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { createHttpRequestsGenerator } from '../src/generator/http-requests.ts';
import { dropKafkajsNegativeTimeoutWarning } from '../src/kafka/kafkajs-warnings.ts';
import { receivedRecords } from '../loadgen/intake-monitor.ts';
import { ensureTopic } from '../loadgen/run.ts';
import { SoakSluice } from '../loadgen/soak-sluice.ts';
import { gitCommit, machine, round, writeResultFile } from './result-file.ts';

const REPO = resolve(import.meta.dirname, '..');
const SHARED_PORT = 39092;
const TENANT = '023e105f4ecef8ad9ca31a8372d0c353';
const BURST = 100;

const run = promisify(execFile);

class UsageError extends Error {
  readonly code = 'ERR_BENCH_USAGE';
}

function kafkaScript(port: number, command: 'start' | 'stop'): Promise<unknown> {
  return run('bash', [join(REPO, 'scripts/kafka.sh'), command], { env: { ...process.env, SLUICE_KAFKA_PORT: String(port) }, timeout: 180_000 });
}

async function produceBurst(brokers: string[], topic: string, seed: number): Promise<void> {
  const generator = createHttpRequestsGenerator({ seed, tenants: [TENANT] });
  // More retries than kafkajs's 5: right after a start the broker may not host the partition yet.
  const producer = new kafkajs.Kafka({ clientId: 'sluice-bench-restart', brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 10 } }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: BURST }, () => ({ key: TENANT, value: generator.next().json })) });
  } finally {
    await producer.disconnect();
  }
}

async function received(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return receivedRecords(await response.text());
}

/** Seconds until the group's committed offsets reach the topic's end (commits work again), or null after `timeoutMs`. */
async function untilCommittedToEnd(brokers: string[], groupId: string, topic: string, timeoutMs: number): Promise<number | null> {
  const admin = new kafkajs.Kafka({ clientId: 'sluice-bench-restart-admin', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const started = Date.now();
  try {
    while (Date.now() - started < timeoutMs) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      // A partition no record went to has end 0 and no commit (-1).
      if ((committed?.partitions ?? []).every((p) => p.offset === ends.get(p.partition) || (ends.get(p.partition) === '0' && Number(p.offset) < 0))) return round((Date.now() - started) / 1000, 1);
      await new Promise((r) => setTimeout(r, 250));
    }
    return null;
  } finally {
    await admin.disconnect();
  }
}

/** Polls every 100 ms until the counter exceeds `above`; returns the epoch ms it was seen, or null at the deadline. */
async function untilReceivedAbove(url: string, above: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await received(url).catch(() => -1) > above) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rounds: { type: 'string', default: '2' },
      down: { type: 'string', default: '30' },
      port: { type: 'string', default: '39192' },
      'results-dir': { type: 'string', default: join(REPO, 'bench/results') },
    },
  });
  const rounds = Number(values.rounds);
  const downSeconds = Number(values.down);
  const port = Number(values.port);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError(`--rounds must be a whole number ≥ 1, got "${values.rounds}"`);
  if (!(downSeconds >= 0)) throw new UsageError(`--down must be a number of seconds ≥ 0, got "${values.down}"`);
  if (!Number.isInteger(port) || port < 1024 || port > 65534) throw new UsageError(`--port must be a free TCP port, got "${values.port}"`);
  // Other engineers' tests use the shared broker: this benchmark stops its broker on purpose.
  if (port === SHARED_PORT || port + 1 === SHARED_PORT) throw new UsageError(`--port ${port} would stop the shared broker on ${SHARED_PORT}; pick another port`);
  dropKafkajsNegativeTimeoutWarning();
  const log = (line: string) => process.stderr.write(`broker-restart: ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const brokers = [`127.0.0.1:${port}`];

  log(`starting a broker of its own on ${brokers[0]} …`);
  await kafkaScript(port, 'start');
  const topic = `broker-restart-${Date.now().toString(36)}`;
  await ensureTopic(brokers, topic, 2);
  const workDir = mkdtempSync(join(os.tmpdir(), 'sluice-broker-restart-'));
  const groupId = `sluice-broker-restart-${Date.now().toString(36)}`;
  const sluice = new SoakSluice({
    brokers, topic, groupId, workers: 1, maxUploadIntervalSeconds: 1, workDir, parking: false,
    jobs: [{ id: 1, tenant: TENANT, destinationConf: `file://${join(workDir, 'out')}/{DATE}` }],
  });
  const results: Array<{ round: number; downSeconds: number; startSeconds: number; recoverySeconds: number | null; gapSeconds: number | null; commitsBackSeconds: number | null }> = [];
  let stop: { seconds: number; exitCode: number | string } | null = null;
  try {
    const url = await sluice.start();
    let seed = 1;
    let total = 0;
    for (let round_ = 1; round_ <= rounds; round_++) {
      await produceBurst(brokers, topic, seed++);
      if (await untilReceivedAbove(url, total, 60_000) === null) throw new Error(`round ${round_}: sluice took no records before the restart`);
      total = await received(url);
      const stopAt = Date.now();
      await kafkaScript(port, 'stop');
      log(`round ${round_}: broker stopped; down for ${downSeconds} s`);
      await new Promise((r) => setTimeout(r, Math.max(0, stopAt + downSeconds * 1000 - Date.now())));
      const startAt = Date.now();
      await kafkaScript(port, 'start');
      const readyAt = Date.now();
      await produceBurst(brokers, topic, seed++);
      const backAt = await untilReceivedAbove(url, total, 180_000);
      total = await received(url).catch(() => total);
      // Intake alone is not recovery: the member must also commit again (a stale generation would refuse every commit).
      const commitsBackSeconds = await untilCommittedToEnd(brokers, groupId, topic, 30_000);
      const row = {
        commitsBackSeconds,
        round: round_,
        downSeconds: round((startAt - stopAt) / 1000, 1),
        startSeconds: round((readyAt - startAt) / 1000, 1),
        recoverySeconds: backAt === null ? null : round((backAt - readyAt) / 1000, 1),
        gapSeconds: backAt === null ? null : round((backAt - stopAt) / 1000, 1),
      };
      results.push(row);
      log(`round ${round_}: ready → intake back ${row.recoverySeconds ?? 'never (180 s)'} s; stop → intake back ${row.gapSeconds ?? '-'} s; commits at the end ${commitsBackSeconds ?? 'not within 30'} s later`);
    }
    const stopping = Date.now();
    const exitCode = await sluice.stop();
    stop = { seconds: round((Date.now() - stopping) / 1000, 1), exitCode };
    log(`sluice stopped (SIGTERM) in ${stop.seconds} s, exit ${exitCode}`);
  } finally {
    if (sluice.running) await sluice.stop().catch(() => {});
    await kafkaScript(port, 'stop').catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
  const stderr = sluice.stderrs.join('');
  const report = {
    benchmark: 'broker-restart',
    date: startedAt.toISOString(),
    machine: machine(loadBefore, os.loadavg()),
    node: process.version,
    commit: gitCommit(),
    parameters: { rounds, downSeconds, port, burst: BURST, sessionTimeoutMs: 'default', ready: 'scripts/kafka.sh start returned (metadata answers)', intakeBack: 'sluice_source_received_records_total moved (scraped every 100 ms)' },
    results,
    stop,
    consumerCrashes: stderr.split('\n').filter((line) => line.includes('Kafka consumer crashed')).length,
  };
  const logFile = join(os.tmpdir(), `broker-restart-${report.date.replaceAll(':', '-')}-sluice.log`);
  writeFileSync(logFile, stderr);
  console.log(JSON.stringify({ results, stop, consumerCrashes: report.consumerCrashes }));
  console.log(`sluice's log: ${logFile}`);
  console.log(`wrote ${writeResultFile(values['results-dir'], report.benchmark, report.date, report)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`broker-restart: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
