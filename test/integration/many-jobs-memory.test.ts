// Issue 11's check: 2,000 jobs on the real broker under memory.limit_mb. One job per tenant,
// records keyed round-robin over the 2,000 tenants (as `npm run bench:jobs` does), file://
// destinations, gzip, 1 s interval; the sluice CLI runs as a child process until the group has
// committed every record, then stops on SIGTERM. Every record must be delivered exactly once
// (one member, no crash, no rebalance) and the child's peak RSS (VmHWM) must stay within the limit.
//
// The limit is ABOVE the natural peak: this test checks that a limit is applied (its bookkeeping:
// the budgets it sets, sluice_memory_limit_bytes) and that 2,000 jobs stay under it, NOT that the
// guard holds the RSS down. Measured here (2026-12-07, this 2-core host, 500,000 records over
// 2,000 tenants, 2 workers), peak RSS by limit. Before the runtime flags (src/cli/runtime-flags.ts,
// load average 2.9-4.5):
//   none: 997, 1,002 MiB; 768: 916 (16 pauses); 896: 939 (9 pauses); 1,024: 905-941, 0-1 pauses;
//   1,152: 919-974 MiB, 0 pauses
// With them (8 MB semi-spaces, MALLOC_ARENA_MAX=2; load average 2.5-3.2):
//   none: 810 MiB
//   640: 696 MiB, 14 pauses, 10.6k records/s — over the limit
//   768: 788 MiB, 6 pauses, 20.3k records/s — over the limit
//   896: 779 MiB, 0 pauses
//   1,024: 773, 802, 804 MiB, 0 pauses, 28-39k records/s — at most 79% of it, below the guard's
//          90% pause threshold (922 MiB) by more than the spread seen before (55 MiB)
// With 8 MiB batches and encoded batches giving their records back (load average 1-2):
//   512: 534 MiB, 15 pauses, 12.0k records/s — over the limit
//   640: 599 MiB, 5 pauses, 15.5k records/s
//   768: 581, 645, 647, 650 MiB, 0 pauses, 16-30k records/s — at most 85% of it, below the guard's
//        90% pause threshold (691 MiB) by more than the spread seen before (55 MiB)
//   1,024: 620 MiB, 0 pauses, 42.3k records/s (a smaller limit also means a smaller in-flight
//          budget and worker heap caps: memory-plan.ts)
// No limit below the natural peak held: the guard paused intake (sluice_memory_pressure_pauses_total)
// and the RSS still passed the limit by 3-9%: what grows while intake is paused is not batch
// data but heaps and allocator pages that delivery does not give back (issue 11). Sampling the
// RSS every 50 ms instead of 250 made it worse (869 MiB at 768, 75 pauses, 2.8k records/s: each
// pause and resume of the consumer costs), and pausing on the RSS one interval ahead at its last
// rate did not help (796 MiB). The test reports the pauses and fails when the RSS passes 768 MiB.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ProcWatcher } from '../../bench/e2e/proc-stats.ts';
import { preloadTopic } from '../../bench/e2e/preload.ts';
import { kafkaBenchConfig } from '../../bench/e2e/sluice-run.ts';
import { tenantOf } from '../../bench/jobs/jobs-run.ts';
import { ensureKafka, uniqueTopic } from '../helpers/kafka.ts';
import { parseSamples, valueOf } from '../telemetry/support.ts';
import { allCommitted, groupOffsets, uncommittedRecords } from './support/kafka-offsets.ts';
import { readOutput } from './support/output.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { mib } from './support/rss.ts';
import { waitUntil } from './support/wait.ts';

const MiB = 1024 * 1024;
const JOBS = 2000;
/** The smallest limit tried that held with a margin: its peaks stayed ≤ 85% of it (above). */
const LIMIT_MB = 768;
/** ~680 MiB of ~1.4 KB events, 3-5 objects a job: 25-38 s in all here (11-13 s of it preloading). */
const RECORDS = 500_000;
const PARTITIONS = 4;
const FIELDS = ['RayID', 'EdgeStartTimestamp', 'ClientIP', 'EdgeResponseStatus'];

describe('2,000 jobs under a memory limit', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-many-jobs-'));
  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every record exactly once with the RSS under memory.limit_mb', async (t) => {
    const { brokers } = await ensureKafka();
    const topic = uniqueTopic('sluice-it-many-jobs');
    const groupId = uniqueTopic('sluice-it-many-jobs-group');
    const preloaded = await preloadTopic({
      brokers, topic, partitions: PARTITIONS, records: RECORDS, codec: 'none', partitionBy: 'round-robin',
      keyOf: (index) => tenantOf(index, JOBS),
    });

    const outDir = join(dir, 'out');
    const jobs = Array.from({ length: JOBS }, (_, i) => ({
      id: i + 1,
      zone_id: tenantOf(i, JOBS),
      dataset: 'http_requests',
      destination_conf: pathToFileURL(join(outDir, String(i))).href,
      output_options: { field_names: FIELDS },
      compression: 'gzip',
      max_upload_interval_seconds: 1,
    }));
    const config = {
      ...kafkaBenchConfig({ dir, workers: 2, brokers, groupId, topic }, jobs),
      memory: { limit_mb: LIMIT_MB },
      telemetry: { listen: '127.0.0.1:0' },
    };
    const configPath = join(dir, 'sluice.yaml');
    // No anchors: every job shares the field list, and the YAML reader refuses thousands of aliases.
    writeFileSync(configPath, stringify(config, { aliasDuplicateObjects: false }));

    const startedMs = performance.now();
    const sluice = new SluiceProcess('many-jobs', configPath, { SLUICE_LOG_LEVEL: 'warn' });
    // VmHWM is the kernel's own high-water mark: polling it misses no short peak.
    const memory = new ProcWatcher(sluice.pid, 200);
    void sluice.exited.then(() => memory.stop());
    const alive = () => {
      if (sluice.exit !== null) throw new Error(`sluice exited early: ${JSON.stringify(sluice.exit)}\n${sluice.tail()}`);
      return true;
    };
    let offsets = await groupOffsets(groupId, topic);
    await waitUntil(async () => alive() && allCommitted(offsets = await groupOffsets(groupId, topic)), 'the group to commit every record', {
      timeoutMs: 180_000,
      intervalMs: 500,
      detail: () => `${uncommittedRecords(offsets)} of ${RECORDS} uncommitted; RSS peak ${mib(memory.maxRssBytes)}\n${sluice.tail()}`,
    });
    const seconds = (performance.now() - startedMs) / 1000;

    const metricsUrl = /metrics on (http:\/\/\S+)/.exec(sluice.stdout)?.[1] ?? assert.fail(`no metrics address\n${sluice.tail()}`);
    const metrics = parseSamples(await (await fetch(metricsUrl)).text());
    const pauses = valueOf(metrics, 'sluice_memory_pressure_pauses_total');
    assert.equal(valueOf(metrics, 'sluice_memory_limit_bytes'), LIMIT_MB * MiB, 'the limit is in force');

    sluice.kill('SIGTERM');
    const exit = await sluice.exited;
    const peakRss = memory.maxRssBytes;
    t.diagnostic(`preloaded ${RECORDS} records (${mib(preloaded.valueBytes)}) in ${preloaded.seconds} s; limit ${LIMIT_MB} MiB`);
    t.diagnostic(`committed in ${seconds.toFixed(1)} s (${Math.round(RECORDS / seconds)} records/s, from spawn); peak RSS ${mib(peakRss)}; memory-pressure pauses ${pauses}${pauses === 0 ? ' (the guard did not engage)' : ''}`);
    assert.deepEqual(exit, { code: 0, signal: null }, sluice.tail());

    const output = readOutput(outDir);
    let copies = 0;
    for (const n of output.counts.values()) copies += n;
    t.diagnostic(`${output.objects} objects, ${output.counts.size} distinct records, ${copies} in all`);
    assert.equal(output.tempFiles, 0, 'no temporary file left after a clean stop');
    // The generated RayIDs are distinct, so RECORDS distinct ids in RECORDS lines is every record once.
    assert.equal(output.counts.size, RECORDS, 'every record delivered');
    assert.equal(copies, RECORDS, 'no record delivered twice (one member, no crash, no rebalance)');
    assert.ok(allCommitted(await groupOffsets(groupId, topic)));
    assert.ok(peakRss <= LIMIT_MB * MiB, `peak RSS ${mib(peakRss)} over memory.limit_mb ${LIMIT_MB}`);
  });
});
