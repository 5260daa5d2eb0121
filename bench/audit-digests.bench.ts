// What coverage before acknowledgement costs (src/audit/digesting-destination.ts): an audit_logs
// job whose deliveries each wait until a signed digest listing the object is durable, against
// the same job with `audit_digests.enabled: false`. In process (runService, an NDJSON source of
// audit records), to file:// and to the real S3 server (versitygw, scripts/s3.sh); small batches,
// so each run writes hundreds of objects. Reported per run: wall time from start until every
// record is acknowledged, objects/s, the mean delivery latency (one upload attempt, digest wait
// included: sluice_destination_upload_duration_seconds) and the digests written. Rounds
// alternate which mode goes first; medians are reported.
// ~1 minute with the defaults; part of `npm run bench` (alone: `npm run bench -- --only audit-digests`).
// Writes bench/results/audit-digests-<ISO time>.json.
//
//   node bench/audit-digests.bench.ts [--records 100000] [--per-object 50] [--rounds 3] [--stores file,s3] [--log warn]

import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.ts';
import { runService } from '../src/service.ts';
import { createLogger } from '../src/shared/log.ts';
import { NdjsonSource } from '../src/sources/ndjson.ts';
import { SluiceMetrics } from '../src/telemetry/metrics.ts';
import { Readiness } from '../src/telemetry/readiness.ts';
import { LOOPBACK_DESTINATIONS } from '../test/helpers/network.ts';
import { createBucket, ensureS3, uniqueBucket } from '../test/helpers/s3.ts';
import { median } from './median.ts';
import { resultHeader, round, writeResultFile } from './result-file.ts';

const ACCOUNT = '01a7362d577a6c3019a474fd6f485823';
const JOB = 9;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    'per-object': { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    stores: { type: 'string', default: 'file,s3' },
    log: { type: 'string', default: 'silent' },
  },
});
const records = Number(values.records);
const perObject = Number(values['per-object']);
const rounds = Number(values.rounds);
const stores = values.stores.split(',') as Array<'file' | 's3'>;

const startedAt = new Date();
const loadBefore = os.loadavg();
const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-audit-digests-'));
const input = join(dir, 'audit.ndjson');
const lines: string[] = [];
for (let i = 0; i < records; i++) {
  lines.push(JSON.stringify({
    ID: `evt-${i}`, When: `2026-11-27T10:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')}Z`,
    ActionType: i % 3 === 0 ? 'delete' : 'update', ActorEmail: `user${i % 97}@example.com`, ResourceID: `res-${i % 1009}`,
  }));
}
writeFileSync(input, `${lines.join('\n')}\n`);

interface Run {
  seconds: number;
  objects: number;
  digests: number;
  meanDeliveryMs: number;
}

let runCounter = 0;

async function destinationConf(store: 'file' | 's3'): Promise<string> {
  if (store === 'file') return `${pathToFileURL(join(dir, `out-${++runCounter}`)).href}/{DATE}`;
  const s3 = await ensureS3();
  const bucket = uniqueBucket('sluice-bench-audit');
  await createBucket(bucket);
  return `s3://${bucket}/audit/{DATE}?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}&access-key-id=${s3.accessKeyId}&secret-access-key=${s3.secretAccessKey}`;
}

async function runOnce(store: 'file' | 's3', digests: boolean): Promise<Run> {
  const conf = await destinationConf(store);
  const config = parseConfig({
    data_dir: join(dir, 'state'),
    limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
    pipeline: { workers: 1 },
    // No RSS guard: this process also holds the input and earlier runs' garbage, and with the
    // default limit intake paused for good on the first S3 run after the file runs (the event
    // loop drained mid-run; reported, not yet fixed).
    memory: { limit_mb: 0 },
    sources: [{ type: 'generator' }],
    destinations: LOOPBACK_DESTINATIONS,
    audit_digests: { enabled: digests, interval_seconds: 60 },
    jobs: [{ id: JOB, account_id: ACCOUNT, dataset: 'audit_logs', destination_conf: conf, max_upload_records: perObject, compression: 'gzip', output_options: { field_names: ['ID', 'When', 'ActionType', 'ActorEmail', 'ResourceID'] } }],
  }, 'audit digests bench');
  const telemetry = { metrics: new SluiceMetrics({ defaultMetrics: false }), readiness: new Readiness() };
  const started = performance.now();
  const outcome = await runService({
    config,
    sources: [new NdjsonSource({ path: input, dataset: 'audit_logs', tenant: ACCOUNT })],
    log: createLogger(values.log as 'silent'),
    print: () => {},
    handleSignals: false,
    telemetry,
  });
  const seconds = (performance.now() - started) / 1000;
  if (outcome.undelivered !== 0) throw new Error(`${store}, digests ${digests}: ${outcome.undelivered} records undelivered`);
  const upload = await telemetry.metrics.registry.getSingleMetric('sluice_destination_upload_duration_seconds')!.get();
  const success = (suffix: string) => upload.values.find((v) => (v as { metricName?: string }).metricName === `sluice_destination_upload_duration_seconds_${suffix}` && v.labels['outcome'] === 'success')?.value ?? 0;
  const written = (await telemetry.metrics.registry.getSingleMetric('sluice_audit_digests_total')!.get()).values.find((v) => v.labels['outcome'] === 'written')?.value ?? 0;
  const objects = outcome.pipeline.stats.batchesDelivered;
  return { seconds, objects, digests: written, meanDeliveryMs: (success('sum') / success('count')) * 1000 };
}

const results = [];
try {
  for (const store of stores) {
    const runs: Record<'on' | 'off', Run[]> = { on: [], off: [] };
    for (let r = 0; r < rounds; r++) {
      const order: boolean[] = r % 2 === 0 ? [true, false] : [false, true];
      for (const digests of order) runs[digests ? 'on' : 'off'].push(await runOnce(store, digests));
    }
    for (const mode of ['off', 'on'] as const) {
      const list = runs[mode];
      const seconds = median(list.map((x) => x.seconds));
      const objects = median(list.map((x) => x.objects));
      const result = {
        name: `${store}, digests ${mode}`, store, digests: mode === 'on',
        records, objects, seconds: round(seconds, 2), recordsPerSecond: round(records / seconds, 0), objectsPerSecond: round(objects / seconds, 1),
        meanDeliveryMs: round(median(list.map((x) => x.meanDeliveryMs)), 1), digestsWritten: median(list.map((x) => x.digests)),
        perRound: list.map((x) => ({ seconds: round(x.seconds, 2), objects: x.objects, digests: x.digests, meanDeliveryMs: round(x.meanDeliveryMs, 1) })),
      };
      results.push(result);
      console.log(`${result.name.padEnd(18)} ${objects} objects, ${result.seconds} s, ${result.objectsPerSecond} objects/s, mean delivery ${result.meanDeliveryMs} ms, ${result.digestsWritten} digests (median of ${rounds})`);
    }
  }
  const file = writeResultFile(join(import.meta.dirname, 'results'), 'audit-digests', startedAt.toISOString(), {
    ...resultHeader('audit-digests', startedAt, loadBefore, os.loadavg()),
    params: { records, recordsPerObject: perObject, rounds, compression: 'gzip', workers: 1, digestIntervalSeconds: 60, s3Server: 'versitygw (scripts/s3.sh, local disk)' },
    results,
  });
  console.log(`wrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
