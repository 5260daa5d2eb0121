// Backpressure on a real broker: a topic holds far more data than sluice's in-flight budget and
// the only job's destination is blocked (its directory path runs through a regular file, so
// every delivery fails with ENOTDIR — a non-retryable error: the batch is kept and retried).
// While blocked, intake must stop (no more records in, nothing committed) and memory must stay
// bounded: buffered bytes within the budget (plus what the push that crossed it added) and the
// process's RSS far below the preloaded data. Once the file is removed, everything is delivered
// exactly once and the group's committed offsets reach the end of the topic.
//
// In-process (runService) so the test can read the pipeline's own counters; the RSS is this
// process's, which is why the data is produced from a child process (see produce-events.ts).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { KafkaSourceConfig } from '../../src/config/schema.ts';
import { BATCH_OVERHEAD_BYTES } from '../../src/core/open-batch.ts';
import { RESUME_FRACTION, type Pipeline } from '../../src/core/pipeline.ts';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runService } from '../../src/service.ts';
import { KafkaSource } from '../../src/sources/kafka/source.ts';
import type { PartitionHandle } from '../../src/core/source.ts';
import { createLogger } from '../../src/shared/log.ts';
import { createTopic, ensureKafka, topicHighWatermarks, uniqueTopic } from '../helpers/kafka.ts';
import { allCommitted, groupOffsets } from './support/kafka-offsets.ts';
import { checkDelivery, readOutput } from './support/output.ts';
import { mib, readProcessMemory } from './support/rss.ts';
import { waitUntil } from './support/wait.ts';

const MiB = 1024 * 1024;
const BUDGET = 16 * MiB;
/** ~1.4 KB each: ~265 MiB preloaded, about 16× the budget. */
const EVENTS = 200_000;
const PARTITIONS = 2;
/** Generated events are 1.2–1.7 KB. */
const MAX_EVENT_BYTES = 4096;
/** The job's max_upload_records. */
const MAX_BATCH_RECORDS = 500;
/**
 * A push may cross the budget by one record and, when that record opens a batch, the batch's own
 * cost (open-batch.ts): its fixed overhead and tables sized for the job's last batch (500 records
 * + 25%, 14 bytes each). Buffers are reused while blocked too (an encoded batch gives its buffer
 * back: open-batch.ts encoded()), and a batch opening on a reused buffer is charged the pages an
 * earlier batch wrote there: at most one batch of records (CI at 6cc50c8: 664 KB over the budget).
 */
const MAX_OVERSHOOT = MAX_EVENT_BYTES + BATCH_OVERHEAD_BYTES + 16 * 1024 + MAX_BATCH_RECORDS * MAX_EVENT_BYTES;
/**
 * Headroom over the RSS measured before sluice started. Measured on this machine while blocked
 * with 2 workers (budgets 8 / 16 / 32 MiB → +101 / +128 / +163 MiB): RSS grows ~2.2 × the budget
 * — the records sit in the batches' buffers, in the workers' encoded results and, until
 * collected, in kafkajs's fetched buffers — plus a fixed part, mostly the worker threads (one V8
 * isolate each: 1 worker measured ~30 MiB less than 2). Since an encoded batch gives its records
 * back (open-batch.ts encoded()), the budget holds encoded output while the buffers that held
 * the records wait idle in the pool (up to the budget again), and ~40k records pass through
 * before intake settles instead of ~31k. Bound for 1 worker: 4 × budget (records in open and
 * sealed batches, encoded output, idle buffers, the workers' results in transit) + 40 MiB (the
 * worker) + 64 MiB (kafkajs fetch responses of up to 10 MiB, decoded, and the main heap's
 * growth between collections: heapTotal ~120 MiB while blocked in the test process) = 168 MiB,
 * under 64% of the preloaded data (measured: +122…143 MiB here, +152 MiB once in CI); a source
 * that kept reading while blocked would hold all of it.
 */
const RSS_HEADROOM = 4 * BUDGET + 40 * MiB + 64 * MiB;
/** While paused nothing new is read or encoded: RSS may move by GC noise only. */
const PLATEAU_SLACK = 16 * MiB;
const ZONE = DEFAULT_TENANTS[0]!;
const PRODUCER = fileURLToPath(new URL('./support/produce-events.ts', import.meta.url));

/** Keeps the highest committable offset the pipeline reported per partition. */
class WatchedKafkaSource extends KafkaSource {
  readonly positions = new Map<string, number>();
  override committable(partition: PartitionHandle, offset: number): void {
    this.positions.set(partition.name, Math.max(offset, this.positions.get(partition.name) ?? 0));
    super.committable(partition, offset);
  }
}

function produceInChild(topic: string, count: number, rayIdsFile: string): Promise<{ records: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PRODUCER, topic, String(count), '11', ZONE, 'zone', rayIdsFile], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`producer failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { records: number; bytes: number });
    });
  });
}

describe('backpressure with a blocked destination', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-backpressure-'));
  let stopSampling = () => {};
  /** Stops the in-process service if a failed assertion left it running. */
  let stopService = async () => {};
  after(async () => {
    stopSampling();
    await stopService();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pauses intake, keeps memory bounded while blocked, then delivers everything once unblocked', async (t) => {
    const { brokers } = await ensureKafka();
    const topic = uniqueTopic('sluice-it-backpressure');
    const groupId = uniqueTopic('sluice-it-backpressure-group');
    await createTopic(topic, PARTITIONS);
    const rayIdsFile = join(dir, 'ray-ids.txt');
    const preloaded = await produceInChild(topic, EVENTS, rayIdsFile);
    assert.equal(preloaded.records, EVENTS);
    const expected = readFileSync(rayIdsFile, 'utf8').split('\n').filter((l) => l !== '');
    const ends = await topicHighWatermarks(topic);

    // The blocker: the job writes under out/job, but `out` is a regular file.
    const blocker = join(dir, 'out');
    writeFileSync(blocker, 'not a directory: deliveries under it fail with ENOTDIR\n');
    const outDir = join(blocker, 'job');
    const config = parseConfig({
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
      // One worker: the property does not depend on the worker count, and each worker is a V8
      // isolate (~32 MiB) that only adds noise to the RSS measurement.
      pipeline: { workers: 1, in_flight_bytes: BUDGET },
      sources: [{
        type: 'kafka', brokers, group_id: groupId, commit_interval_ms: 200, session_timeout_ms: 6000,
        topics: [{ topic, dataset: 'http_requests', tenant_from: { header: 'zone' } }],
      }],
      jobs: [{
        // Every field, uncompressed: once a batch is encoded the budget counts its output, not its
        // records (open-batch.ts encoded()), and output as small as two gzipped fields (~1/70 of
        // the records) would let the whole topic into the budget: intake would never pause.
        id: 1, zone_id: ZONE, dataset: 'http_requests', destination_conf: pathToFileURL(outDir).href, compression: 'none',
        max_upload_records: MAX_BATCH_RECORDS, max_upload_interval_seconds: 1,
      }],
    }, 'backpressure test', {});
    const source = new WatchedKafkaSource(config.sources[0] as KafkaSourceConfig, { log: createLogger('silent') });

    const baseline = readProcessMemory();
    let pipeline: Pipeline | undefined;
    const blocked = { maxBuffered: 0, maxRss: 0 };
    const whole = { maxBuffered: 0, maxRss: 0 };
    let isBlocked = true;
    const sampler = setInterval(() => {
      if (!pipeline) return;
      const rss = readProcessMemory().rssBytes;
      for (const m of isBlocked ? [blocked, whole] : [whole]) {
        m.maxBuffered = Math.max(m.maxBuffered, pipeline.bufferedBytes);
        m.maxRss = Math.max(m.maxRss, rss);
      }
    }, 100);
    stopSampling = () => clearInterval(sampler);

    // A non-retryable failure waits backoff.capMs before the next attempt: 400 ms here (30 s
    // by default) so the test sees many retries and unblocks promptly.
    const running = runService({
      config, sources: [source], log: createLogger('silent'), print: () => {}, handleSignals: false,
      backoff: { baseMs: 50, capMs: 400 },
      // A failed test stops the service while still blocked: give up on its batches quickly.
      shutdownTimeoutMs: 3000,
      onStarted: (p) => (pipeline = p),
    });
    running.catch(() => {});
    stopService = async () => {
      source.stop();
      await running.catch(() => {});
    };
    let ended = false;
    void running.finally(() => (ended = true)).catch(() => {});
    const alive = () => {
      if (ended) throw new Error('the service ended on its own');
      return pipeline !== undefined;
    };

    // Blocked: the budget fills, the source pauses.
    await waitUntil(() => alive() && source.stats.pauses > 0 && pipeline!.runtimes[0]!.health.error_message !== null, 'intake to pause on a full budget');
    const p = pipeline!;
    // An encoded batch is charged its output instead of its records (open-batch.ts encoded()),
    // so each round of encoding frees a little and lets a few more records in, until the budget
    // holds only encoded batches. Settled: the job has no open batch, every sealed one is encoded
    // (its record data given back), and the budget is too full to resume intake (nothing more is
    // freed until a delivery succeeds); and no record came in during a whole round of retries.
    const allEncoded = (): boolean => {
      if (p.bufferedBytes < RESUME_FRACTION * BUDGET) return false;
      const runtime = p.runtimes[0]!;
      const sealed = [...runtime.sealed];
      return sealed.reduce((sum, batch) => sum + batch.charged, 0) === runtime.heldBytes && sealed.every((batch) => batch.data.length === 0);
    };
    let inAtPause = -1;
    await waitUntil(async () => {
      if (!alive() || !allEncoded()) return false;
      const before = p.stats.recordsIn;
      const target = p.stats.deliveryRetries + Math.max(1, p.runtimes[0]!.inFlight);
      await waitUntil(() => alive() && p.stats.deliveryRetries >= target, 'a failed attempt of every blocked batch');
      if (p.stats.recordsIn !== before || !allEncoded()) return false;
      inAtPause = before;
      return true;
    }, 'intake to stay paused with every batch encoded', { timeoutMs: 60_000 });
    // Then watch for a while measured in events, not time: each batch is retried four more
    // times (≥ 1.6 s at 400 ms), long enough for several kafkajs fetch cycles (500 ms).
    const inFlight = Math.max(1, p.runtimes[0]!.inFlight);
    const rssAtPause = readProcessMemory().rssBytes;
    const retriesTarget = p.stats.deliveryRetries + 4 * inFlight;
    await waitUntil(() => alive() && p.stats.deliveryRetries >= retriesTarget, 'four more delivery retries per blocked batch');
    const whileBlocked = await groupOffsets(groupId, topic);
    isBlocked = false;
    const inAfterWindow = p.stats.recordsIn;
    const rssAfterWindow = readProcessMemory().rssBytes;

    t.diagnostic(`preloaded ${EVENTS} records, ${mib(preloaded.bytes)}; budget ${mib(BUDGET)}`);
    t.diagnostic(`blocked: ${inAtPause} records in at the pause, ${inAfterWindow} after the watch window; ${p.stats.deliveryRetries} delivery retries; ${source.stats.pauses} pauses`);
    const usage = process.memoryUsage();
    t.diagnostic(`blocked: heap ${mib(usage.heapTotal)}, external ${mib(usage.external)}, array buffers allocated ${mib(usage.arrayBuffers)}`);
    t.diagnostic(`blocked: max buffered ${mib(blocked.maxBuffered)}; RSS baseline ${mib(baseline.rssBytes)}, max ${mib(blocked.maxRss)} (+${mib(blocked.maxRss - baseline.rssBytes)}); ${mib(rssAtPause)} once every batch failed, ${mib(rssAfterWindow)} after the window`);
    assert.equal(p.stats.recordsDelivered, 0, 'nothing can be delivered while blocked');
    assert.equal(inAfterWindow, inAtPause, 'no record is taken in while paused');
    assert.ok(inAtPause < EVENTS / 2, `intake stopped far short of the topic (${inAtPause} of ${EVENTS} records in)`);
    assert.ok(whileBlocked.every((o) => o.committed === -1), `nothing committed while nothing is delivered: ${JSON.stringify(whileBlocked)}`);
    assert.ok(blocked.maxBuffered <= BUDGET + MAX_OVERSHOOT, `buffered ${blocked.maxBuffered} B exceeds the budget ${BUDGET} B by more than one record, one batch's own cost and one reused buffer's pages`);
    assert.ok(rssAfterWindow <= rssAtPause + PLATEAU_SLACK, `RSS grew from ${mib(rssAtPause)} to ${mib(rssAfterWindow)} while paused`);
    assert.ok(blocked.maxRss <= baseline.rssBytes + RSS_HEADROOM, `RSS ${mib(blocked.maxRss)} > baseline ${mib(baseline.rssBytes)} + ${mib(RSS_HEADROOM)}`);

    // Unblocked: the next retry delivers; intake resumes and drains the topic.
    rmSync(blocker);
    await waitUntil(() => alive() && [...ends].every(([partition, end]) => (source.positions.get(`${topic}/${partition}`) ?? 0) >= Number(end)), 'every record to be delivered', {
      timeoutMs: 120_000,
      detail: () => `positions ${JSON.stringify([...source.positions])}, ends ${JSON.stringify([...ends].map(([k, v]) => [k, String(v)]))}, delivered ${p.stats.recordsDelivered}`,
    });
    source.stop();
    const outcome = await running;
    stopSampling();
    assert.equal(outcome.undelivered, 0);

    const output = readOutput(outDir);
    const check = checkDelivery(output.counts, expected);
    t.diagnostic(`whole run: max buffered ${mib(whole.maxBuffered)}, max RSS ${mib(whole.maxRss)}; ${output.objects} objects, duplicates ${check.duplicates}`);
    assert.equal(check.missing.length, 0, `records never delivered, e.g. ${check.missing.slice(0, 5).join(', ')}`);
    assert.equal(check.unexpected, 0);
    // One consumer, no rebalance: a retried batch keeps its id and overwrites its own object.
    assert.equal(check.duplicates, 0, 'exactly once in a run without crashes or rebalances');
    // While draining at full speed the budget still holds; RSS is reported, not asserted: it
    // also holds garbage the GC has not collected yet (freed batch buffers), which is not
    // bounded by the budget.
    assert.ok(whole.maxBuffered <= BUDGET + MAX_OVERSHOOT, `buffered ${whole.maxBuffered} B while draining`);
    const offsets = await groupOffsets(groupId, topic);
    assert.ok(allCommitted(offsets), `committed offsets reach the end: ${JSON.stringify(offsets)}`);
  });
});
