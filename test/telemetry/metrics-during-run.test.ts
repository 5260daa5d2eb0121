// /metrics scraped WHILE an end-to-end run is under way, with two datasets flowing at once:
// generated http_requests (two filtered, sampled jobs on two tenants, a third tenant with no
// job, oversized records) and NDJSON firewall_events (two filtered, sampled jobs on the same
// tenant, so every record is routed twice, with invalid JSON, wrong-typed filter fields,
// oversized lines and one record that crashes workers, so its batches are quarantined).
//
// docs/metrics.md "The accounting identity", per dataset:
//   received = unrouted + dropped{oversized} + matched                   (per record, every scrape)
//   routed   = delivered + filtered + sampled
//              + dropped{invalid_json, wrong_type, quarantined}           (per routed copy)
//              + copies still in open or in-flight batches
// so mid-run `routed ≥ settled` (settled = the routed-copy terms), equal once drained.
//
// Both sources are driven by the test: the generator's rate schedule reads a clock the test
// moves, and the NDJSON input is a stream the test writes. At two checkpoints the sources hold
// still mid-run; once every sealed batch is accounted for, routed − settled must be exactly the
// copies left in the jobs' open batches (they close only at max_upload_records here). Then the
// rest is let in step by step, a scrape after each, while a background scraper scrapes
// throughout: every one of those scrapes is checked. The last scrape, after the run, is exact.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createHttpRequestsGenerator, DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runService, type ServiceOutcome } from '../../src/service.ts';
import { GeneratorSource } from '../../src/sources/generator.ts';
import { NdjsonSource } from '../../src/sources/ndjson.ts';
import { createLogger } from '../../src/shared/log.ts';
import { SluiceMetrics } from '../../src/telemetry/metrics.ts';
import { startOpsServer, type OpsServer } from '../../src/telemetry/ops-server.ts';
import { Readiness } from '../../src/telemetry/readiness.ts';
import { parseSamples, valueOf, waitFor, type Sample } from './support.ts';

const SEED = 23;
/** Generated records per virtual second: the test's clock decides how many are due. */
const RATE = 1000;
const GENERATED = 9_000;
const FIREWALL_LINES = 3_000;
/** Checkpoints: [generated records, firewall lines] pushed when the sources hold still. */
const CHECKPOINTS: ReadonlyArray<readonly [number, number]> = [[1_337, 777], [2_900, 1_555]];
/** Every job's max_upload_records; batches never close on time or memory during the run. */
const BATCH_RECORDS = 200;
/** After the checkpoints, each step lets this many more generated records and lines in. */
const STEP_RECORDS = 400;
const STEP_LINES = 100;
const CRASH_LINE = 100;
const [zoneA, zoneB, zoneC] = DEFAULT_TENANTS as [string, string, string];
const FIREWALL_ZONE = '5f0c2d7a9e3b4c1d8a6f2e0b7c9d1a3e';
const DATASETS = ['firewall_events', 'http_requests'];

interface Account {
  received: number; unrouted: number; oversized: number; matched: number; routed: number;
  delivered: number; filtered: number; sampled: number; invalid_json: number; wrong_type: number; quarantined: number;
}

interface Scrape {
  accounts: Map<string, Account>;
  /** Copies in sealed batches, all datasets (sluice_batcher_batch_records_sum). */
  sealedCopies: number;
}

/** The routed copies whose fate is known (every term of the second line but the buffered one). */
const settledOf = (a: Account) => a.delivered + a.filtered + a.sampled + a.invalid_json + a.wrong_type + a.quarantined;

function accountsOf(samples: readonly Sample[]): Map<string, Account> {
  const accounts = new Map<string, Account>();
  for (const s of samples) {
    if (s.name !== 'sluice_source_received_records_total') continue;
    const ds = { dataset: s.labels.dataset! };
    const of = (name: string) => valueOf(samples, `sluice_${name}_records_total`, ds);
    const dropped = (reason: string) => valueOf(samples, 'sluice_pipeline_dropped_records_total', { ...ds, reason });
    accounts.set(ds.dataset, {
      received: s.value, unrouted: of('router_unrouted'), oversized: dropped('oversized'), matched: of('router_matched'), routed: of('router_routed'),
      delivered: of('pipeline_delivered'), filtered: of('pipeline_filtered'), sampled: of('pipeline_sampled'),
      invalid_json: dropped('invalid_json'), wrong_type: dropped('wrong_type'), quarantined: dropped('quarantined'),
    });
  }
  return accounts;
}

/** What docs/metrics.md promises at any scrape, drained or not, plus what this setup implies. */
function assertMidRun(accounts: Map<string, Account>, where: string): void {
  for (const [dataset, a] of accounts) {
    const at = `${where}, ${dataset}: ${JSON.stringify(a)}`;
    assert.equal(a.received, a.unrouted + a.oversized + a.matched, at);
    assert.ok(a.routed >= settledOf(a), `routed < settled copies at ${at}`);
    // Every http_requests record matches at most one job; every firewall_events record two.
    assert.equal(a.routed, dataset === 'firewall_events' ? 2 * a.matched : a.matched, at);
  }
}

function fixedClock(): () => bigint {
  let t = 1_764_000_000_000_000_000n;
  return () => (t += 1_013n);
}

type LineKind = 'valid' | 'invalid_json' | 'wrong_type' | 'oversized' | 'crash';

function firewallLine(i: number, maxRecordBytes: number): { kind: LineKind; line: string } {
  const ray = `8f${i.toString(16).padStart(14, '0')}`;
  const base = {
    RayID: ray,
    Datetime: '@',
    Action: ['block', 'allow', 'challenge', 'log', 'managed_challenge'][i % 5],
    ClientASN: [13335, 15169, 7922, 64512, 42, 701][i % 6] as number | string,
    ClientIP: `10.0.${(i >> 8) & 255}.${i & 255}`,
    ClientCountry: ['us', 'de', 'jp', 'br'][i % 4],
    EdgeResponseStatus: [403, 200, 429][i % 3],
  } as Record<string, unknown>;
  let kind: LineKind = 'valid';
  if (i === CRASH_LINE) {
    kind = 'crash';
    base.ClientIP = 'CRASH-ME';
  } else if (i % 97 === 5) {
    return { kind: 'invalid_json', line: i % 2 === 0 ? `{"RayID":"${ray}","Action":` : `not json ${ray}` };
  } else if (i % 89 === 7) {
    kind = 'wrong_type';
    base.ClientASN = String(base.ClientASN);
  } else if (i % 101 === 9) {
    kind = 'oversized';
    base.Description = 'x'.repeat(maxRecordBytes + 50);
  }
  // A unixnano integer is 19 digits, beyond a double: spliced into the text, not stringified.
  return { kind, line: JSON.stringify(base).replace('"@"', String(1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n)) };
}

/** An NDJSON input the test writes to: each write is one chunk of lines; end() ends it. */
class Feed implements AsyncIterable<Uint8Array> {
  private readonly queue: Array<Uint8Array | null> = [];
  private wake: (() => void) | null = null;

  write(lines: readonly string[]): void {
    if (lines.length > 0) this.put(Buffer.from(lines.map((line) => `${line}\n`).join('')));
  }

  end(): void {
    this.put(null);
  }

  private put(chunk: Uint8Array | null): void {
    this.queue.push(chunk);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
      const chunk = this.queue.shift()!;
      if (chunk === null) return;
      yield chunk;
    }
  }
}

describe('metrics scraped during an end-to-end run with two datasets', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-during-'));
  const out = (name: string) => `${pathToFileURL(join(dir, 'out', name)).href}/{DATE}`;
  const metrics = new SluiceMetrics();
  const readiness = new Readiness();
  let ops: OpsServer;
  let outcome: ServiceOutcome;
  let maxRecordBytes = 0;
  let tenants: string[] = [];
  let sizes: number[] = [];
  let lines: Array<{ kind: LineKind; line: string }> = [];
  /** The scrape at each checkpoint, once every sealed batch was accounted for. */
  const checkpoints: Array<{ at: readonly [number, number]; scrape: Scrape }> = [];
  /** Scrapes taken between the steps that let the last records in, in order. */
  const flowing: Scrape[] = [];
  /** Every scrape of the background scraper, in order. */
  const background: Scrape[] = [];
  let final: Scrape;

  const scrape = async (): Promise<Scrape> => {
    const response = await fetch(`${ops.url}/metrics`);
    assert.equal(response.status, 200);
    const samples = parseSamples(await response.text());
    return { accounts: accountsOf(samples), sealedCopies: valueOf(samples, 'sluice_batcher_batch_records_sum') };
  };

  /** The counts the first `generated` records and `firewall` lines must produce (routing only). */
  const expectedAt = (generated: number, firewall: number) => {
    const http = { received: generated, unrouted: 0, oversized: 0, matched: 0, routed: 0, open: 0 };
    const perJob = new Map<string, number>();
    for (let i = 0; i < generated; i++) {
      if (sizes[i]! > maxRecordBytes) http.oversized++;
      else if (tenants[i] === zoneC) http.unrouted++;
      else perJob.set(tenants[i]!, (perJob.get(tenants[i]!) ?? 0) + 1);
    }
    for (const copies of perJob.values()) {
      http.matched += copies;
      http.open += copies % BATCH_RECORDS;
    }
    http.routed = http.matched;
    const fw = { received: firewall, unrouted: 0, oversized: 0, matched: 0, routed: 0, open: 0 };
    for (let i = 0; i < firewall; i++) {
      if (lines[i]!.kind === 'oversized') fw.oversized++;
      else fw.matched++;
    }
    fw.routed = 2 * fw.matched;
    fw.open = 2 * (fw.matched % BATCH_RECORDS);
    return { http_requests: http, firewall_events: fw } as Record<string, typeof http>;
  };

  before(async () => {
    const generator = createHttpRequestsGenerator({ seed: SEED, tenants: [zoneA, zoneB, zoneC], clock: fixedClock() });
    const events = Array.from({ length: GENERATED }, () => generator.next());
    tenants = events.map((e) => e.tenant);
    sizes = events.map((e) => Buffer.byteLength(e.json));
    maxRecordBytes = [...sizes].sort((a, b) => a - b)[Math.floor(GENERATED * 0.95)]!;
    lines = Array.from({ length: FIREWALL_LINES }, (_, i) => firewallLine(i, maxRecordBytes));

    ops = await startOpsServer({ listen: '127.0.0.1:0', metrics, readiness });
    const job = (id: number, zone: string, dataset: string, extra: object) => ({
      id, zone_id: zone, dataset, destination_conf: out(`job-${id}`), compression: 'gzip',
      max_upload_records: BATCH_RECORDS, max_upload_interval_seconds: 300, ...extra,
    });
    const config = parseConfig({
      data_dir: join(dir, 'state'),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1, max_record_bytes: maxRecordBytes },
      // A budget no run here reaches, so no batch is sealed early to free memory.
      pipeline: { workers: 2, in_flight_bytes: 256 * 1024 * 1024 },
      sources: [
        { type: 'generator', rate: RATE, records: GENERATED, seed: SEED, tenants: [zoneA, zoneB, zoneC] },
        { type: 'ndjson', path: '-', dataset: 'firewall_events', tenant: FIREWALL_ZONE },
      ],
      jobs: [
        job(1, zoneA, 'http_requests', {
          filter: { where: { key: 'EdgeResponseStatus', operator: 'lt', value: 400 } },
          output_options: { field_names: ['RayID', 'EdgeResponseStatus'], sample_rate: 0.5 },
        }),
        job(2, zoneB, 'http_requests', {
          filter: { where: { key: 'ClientRequestMethod', operator: 'eq', value: 'GET' } },
          output_options: { field_names: ['RayID', 'ClientRequestMethod'], sample_rate: 0.25 },
        }),
        job(3, FIREWALL_ZONE, 'firewall_events', {
          filter: { where: { key: 'ClientASN', operator: 'gt', value: 1000 } },
          output_options: { field_names: ['RayID', 'ClientASN'], sample_rate: 0.5 },
        }),
        job(4, FIREWALL_ZONE, 'firewall_events', {
          filter: { where: { key: 'Action', operator: 'in', value: ['block', 'challenge'] } },
          output_options: { field_names: ['RayID', 'Action'], sample_rate: 0.75 },
        }),
      ],
    }, 'metrics during a run');

    // Virtual milliseconds since the generator started: its first reading of the clock is its
    // start (GeneratorSource reads `now` once for the start, then per slice), whenever that is.
    let virtualMs = 0;
    let generatorStarted = false;
    const now = () => (generatorStarted ? virtualMs : ((generatorStarted = true), 0));
    const generatorSource = new GeneratorSource({
      dataset: 'http_requests', rate: RATE, seed: SEED, records: GENERATED, tenants: [zoneA, zoneB, zoneC], clock: fixedClock(), now,
    });
    const feed = new Feed();
    let fed = 0;
    const feedTo = (n: number, chunk = n - fed) => {
      for (; fed < n; fed = Math.min(n, fed + chunk)) feed.write(lines.slice(fed, Math.min(n, fed + chunk)).map((l) => l.line));
    };
    const release = () => {
      virtualMs = Number.MAX_SAFE_INTEGER;
      feedTo(FIREWALL_LINES, 250);
      feed.end();
    };

    let done = false;
    const running = runService({
      config,
      sources: [generatorSource, new NdjsonSource({ path: '-', dataset: 'firewall_events', tenant: FIREWALL_ZONE, input: feed })],
      log: createLogger('silent'),
      print: () => {},
      handleSignals: false,
      workerFile: new URL('../fixtures/crash-on-marker-worker.ts', import.meta.url).href,
      telemetry: { metrics, readiness },
    }).finally(() => (done = true));
    const scraper = (async () => {
      while (!done) {
        background.push(await scrape());
        await nextTurn();
      }
    })();

    try {
      for (const at of CHECKPOINTS) {
        const [generated, firewall] = at;
        virtualMs = (generated * 1000) / RATE;
        feedTo(firewall);
        // The sources hold still at these counts; wait until every sealed batch is accounted for.
        const expected = expectedAt(generated, firewall);
        let last: Scrape | undefined;
        const reached = await waitFor(`checkpoint ${at}`, async () => {
          const s = last = await scrape();
          const counts = DATASETS.map((d) => s.accounts.get(d));
          const settled = counts.reduce((sum, a) => sum + (a ? settledOf(a) : 0), 0);
          const heldStill = counts.every((a, i) => a?.received === expected[DATASETS[i]!]!.received) && settled === s.sealedCopies;
          return heldStill || done ? s : undefined;
        }, 60_000).catch((error: unknown) => assert.fail(`${String(error)}; last scrape: ${JSON.stringify(last && { accounts: [...last.accounts], sealed: last.sealedCopies })}`));
        assert.ok(!done, `the run ended before checkpoint ${at}`);
        checkpoints.push({ at, scrape: reached });
      }
      // Then the rest flows in steps, a scrape after each: both sources are still open meanwhile.
      while (fed < FIREWALL_LINES) {
        virtualMs += (STEP_RECORDS * 1000) / RATE;
        feedTo(Math.min(FIREWALL_LINES, fed + STEP_LINES));
        flowing.push(await scrape());
      }
    } finally {
      // Let the run finish even when a checkpoint failed, so the service does not hang.
      release();
      outcome = await running;
      await scraper;
    }
    final = await scrape();
  });

  after(async () => {
    await ops?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivered everything and ended drained', () => {
    assert.equal(outcome.undelivered, 0);
    assert.equal(outcome.pipeline.bufferedBytes, 0);
  });

  it('at each checkpoint mid-run: received adds up, and routed − settled is exactly the copies in open batches', () => {
    assert.equal(checkpoints.length, CHECKPOINTS.length);
    for (const { at, scrape: s } of checkpoints) {
      assert.deepEqual([...s.accounts.keys()].sort(), DATASETS, `both datasets at checkpoint ${at}`);
      assertMidRun(s.accounts, `checkpoint ${at}`);
      const expected = expectedAt(...at);
      for (const dataset of DATASETS) {
        const a = s.accounts.get(dataset)!;
        const e = expected[dataset]!;
        const where = `checkpoint ${at}, ${dataset}: ${JSON.stringify(a)}`;
        assert.deepEqual(
          { received: a.received, unrouted: a.unrouted, oversized: a.oversized, matched: a.matched, routed: a.routed },
          { received: e.received, unrouted: e.unrouted, oversized: e.oversized, matched: e.matched, routed: e.routed }, where,
        );
        // Records are in flight here (their batches are open), so the second line is strict.
        assert.ok(e.open > 0, `the checkpoint leaves copies in open batches (${where})`);
        assert.equal(a.routed - settledOf(a), e.open, where);
        assert.ok(a.delivered > 0, `first deliveries counted (${where})`);
      }
      // Both firewall jobs' first batches hold the crashing record: set aside, every copy counted.
      assert.equal(s.accounts.get('firewall_events')!.quarantined, 2 * BATCH_RECORDS);
    }
  });

  it('holds at every scrape while the records flow, and counters never go back', () => {
    assert.ok(flowing.length >= 10, `${flowing.length} scrapes while the last records flowed in`);
    assert.ok(background.length >= 3, `${background.length} background scrapes`);
    for (const [name, scrapes] of [['stepped', flowing], ['background', background]] as const) {
      let previous: Map<string, Account> | null = null;
      for (const [n, s] of scrapes.entries()) {
        assertMidRun(s.accounts, `${name} scrape ${n}`);
        for (const [dataset, a] of previous ?? []) {
          const now = s.accounts.get(dataset);
          assert.ok(now, `${dataset} vanished at ${name} scrape ${n}`);
          for (const key of Object.keys(a) as Array<keyof Account>) assert.ok(now[key] >= a[key], `${dataset} ${key} went back at ${name} scrape ${n}`);
        }
        previous = s.accounts;
      }
    }
    const inFlight = [...flowing, ...background].filter((s) => [...s.accounts.values()].some((a) => a.routed > settledOf(a)));
    assert.ok(inFlight.length > 0, 'some scrape saw copies still buffered');
  });

  it('after the run: both datasets, and every identity exact', () => {
    assert.deepEqual([...final.accounts.keys()].sort(), DATASETS);
    const expected = expectedAt(GENERATED, FIREWALL_LINES);
    for (const dataset of DATASETS) {
      const a = final.accounts.get(dataset)!;
      const e = expected[dataset]!;
      const where = `${dataset}: ${JSON.stringify(a)}`;
      assert.equal(a.received, a.unrouted + a.oversized + a.matched, where);
      assert.equal(a.routed, settledOf(a), where);
      assert.deepEqual(
        { received: a.received, unrouted: a.unrouted, oversized: a.oversized, matched: a.matched, routed: a.routed },
        { received: e.received, unrouted: e.unrouted, oversized: e.oversized, matched: e.matched, routed: e.routed }, where,
      );
      assert.ok(a.delivered > 0 && a.filtered > 0 && a.sampled > 0 && a.oversized > 0, where);
    }
    const http = final.accounts.get('http_requests')!;
    assert.ok(http.unrouted > 0);
    assert.deepEqual([http.invalid_json, http.wrong_type, http.quarantined], [0, 0, 0]);

    // firewall_events: oversized counts records (before routing), the other drops count copies.
    // The crashing record's batch (the same records for both jobs) is quarantined whole.
    const fw = final.accounts.get('firewall_events')!;
    const matchedKinds = lines.filter((l) => l.kind !== 'oversized').map((l) => l.kind);
    const window = Math.floor(matchedKinds.indexOf('crash') / BATCH_RECORDS) * BATCH_RECORDS;
    const outside = matchedKinds.filter((_, m) => m < window || m >= window + BATCH_RECORDS);
    assert.deepEqual(
      { oversized: fw.oversized, invalid_json: fw.invalid_json, wrong_type: fw.wrong_type, quarantined: fw.quarantined },
      {
        oversized: lines.filter((l) => l.kind === 'oversized').length,
        invalid_json: 2 * outside.filter((k) => k === 'invalid_json').length,
        wrong_type: outside.filter((k) => k === 'wrong_type').length,
        quarantined: 2 * BATCH_RECORDS,
      },
    );
    assert.ok(fw.invalid_json > 0 && fw.wrong_type > 0);

    // The scrape agrees with the pipeline's own totals.
    const stats = outcome.pipeline.stats;
    const sum = (key: keyof Account) => [...final.accounts.values()].reduce((total, a) => total + a[key], 0);
    assert.deepEqual(
      { delivered: sum('delivered'), filtered: sum('filtered'), sampled: sum('sampled'), in: sum('received') },
      { delivered: stats.recordsDelivered, filtered: stats.recordsFiltered, sampled: stats.recordsSampled, in: stats.recordsIn },
    );
  });
});
