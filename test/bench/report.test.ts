import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { findRegressions, loadRuns, parseResultFileName, renderReport, runsFromResult } from '../../bench/report.ts';

const pipeline = (date: string, zstd: number, gzip: number) => ({
  benchmark: 'pipeline', date, node: 'v24', results: [
    { name: 'ndjson zstd', recordsPerSecond: zstd },
    { name: 'ndjson gzip', recordsPerSecond: gzip },
  ],
});

const loadgen = (date: string, commit: string, rate: number, p99: number, rss: number, missing = 0) => ({
  benchmark: 'loadgen', date, commit,
  parameters: { rate: 10000, seconds: 60, output: 'file:///tmp/x/{DATE}', sluice: { spawned: true, compression: 'zstd', maxUploadIntervalSeconds: 1 } },
  results: { delivery: { deliveredRate: rate, missing }, latencyMs: { p99 }, sluice: { peakRssMB: rss } },
});

const upload = { bench: 'upload', commit: 'abc1234', results: [{ partsInFlight: 4, mibPerSecond: 180.5 }] };

function fixtureDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-report-'));
  for (const [name, json] of Object.entries(files)) writeFileSync(join(dir, name), typeof json === 'string' ? json : JSON.stringify(json));
  return dir;
}

test('file names give the benchmark and date when the JSON does not', () => {
  assert.deepEqual(parseResultFileName('upload-2026-11-27T00-06-00.182Z.json'), { benchmark: 'upload', date: '2026-11-27T00:06:00.182Z' });
  const [run] = runsFromResult(upload, 'upload-2026-11-27T00-06-00.182Z.json');
  assert.equal(run?.benchmark, 'upload');
  assert.equal(run?.date, '2026-11-27T00:06:00.182Z');
  assert.equal(run?.contender, '4 parts in flight');
  assert.equal(run?.throughput, 180.5);
  assert.equal(run?.unit, 'MiB/s');
});

test('the table lists every run per contender in date order, with p99 and peak RSS where present', () => {
  const dir = fixtureDir({
    'pipeline-b.json': pipeline('2026-11-02T00:00:00.000Z', 150_000, 90_000),
    'pipeline-a.json': pipeline('2026-11-01T00:00:00.000Z', 100_000, 100_000),
    'loadgen-1.json': loadgen('2026-11-01T00:00:00.000Z', 'aaa1111', 9_990, 1_200, 300),
    'loadgen-2.json': loadgen('2026-11-02T00:00:00.000Z', 'bbb2222', 9_980, 1_250.5, 310, 7),
    'broken.json': '{ not json',
  });
  try {
    const skipped: string[] = [];
    const runs = loadRuns(dir, (line) => skipped.push(line));
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!, /broken\.json/);
    const md = renderReport(runs);
    const lines = md.split('\n');
    const pipelineHeader = lines.indexOf('## pipeline');
    const loadgenHeader = lines.indexOf('## loadgen');
    assert.ok(loadgenHeader >= 0 && pipelineHeader > loadgenHeader, 'benchmarks in name order');
    // Pipeline has neither p99 nor RSS columns; loadgen has both.
    assert.equal(lines[pipelineHeader + 2], '| contender | date | commit | records/s | vs previous | note |');
    assert.equal(lines[loadgenHeader + 2], '| contender | date | commit | records/s | p99 ms | peak RSS MB | vs previous | note |');
    const zstdRows = lines.filter((l) => l.startsWith('| ndjson zstd |'));
    assert.deepEqual(zstdRows, [
      '| ndjson zstd | 2026-11-01 00:00:00 | – | 100,000 |  |  |',
      '| ndjson zstd | 2026-11-02 00:00:00 | – | 150,000 | +50% |  |',
    ]);
    const loadgenRows = lines.filter((l) => l.startsWith('| 10,000 events/s'));
    assert.equal(loadgenRows.length, 2);
    assert.match(loadgenRows[1]!, /\| bbb2222 \| 9,980 \| 1,250\.5 \| 310 \| -0\.1% \| 7 missing \|$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a regression is the latest run more than 10% worse than the previous one, per contender and metric', () => {
  const runs = [
    ...runsFromResult(pipeline('2026-11-01T00:00:00.000Z', 100_000, 100_000), 'p1.json'),
    ...runsFromResult(pipeline('2026-11-02T00:00:00.000Z', 91_000, 89_000), 'p2.json'),
    ...runsFromResult(loadgen('2026-11-01T00:00:00.000Z', 'a', 10_000, 1_000, 300), 'l1.json'),
    ...runsFromResult(loadgen('2026-11-02T00:00:00.000Z', 'b', 10_000, 1_101, 330), 'l2.json'),
  ];
  const regressions = findRegressions(runs);
  // zstd: −9% (not flagged); gzip: −11%; loadgen p99 +10.1%; RSS exactly +10% (not flagged).
  assert.deepEqual(regressions.map((r) => `${r.contender}: ${r.metric}`).sort(), [
    '10,000 events/s for 60 s → file, sluice zstd 1 s interval: p99',
    'ndjson gzip: throughput',
  ]);
  const gzip = regressions.find((r) => r.metric === 'throughput')!;
  assert.equal(gzip.previous, 100_000);
  assert.equal(gzip.latest, 89_000);
  assert.ok(Math.abs(gzip.worseBy - 0.11) < 1e-9);
  const md = renderReport(runs);
  assert.match(md, /^REGRESSION pipeline \/ ndjson gzip: throughput 100,000 → 89,000 \(11% worse;/m);
  assert.match(md, /^REGRESSION loadgen \/ .*: p99 1,000 ms → 1,101 ms/m);
  assert.match(md, /\| ndjson gzip \| 2026-11-02 00:00:00 .*\*\*REGRESSION\*\*/);
  // Only the latest run is compared: an old drop followed by a recovery is not flagged.
  const recovered = [...runs, ...runsFromResult(pipeline('2026-11-03T00:00:00.000Z', 95_000, 95_000), 'p3.json')];
  assert.deepEqual(findRegressions(recovered).filter((r) => r.benchmark === 'pipeline'), []);
});
