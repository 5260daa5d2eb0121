// `npm run bench:report`: the history of every benchmark result under bench/results/ as markdown
// tables, one per benchmark (a row per run and contender: date, commit, throughput, p99 and peak
// RSS where the benchmark has them), and a REGRESSION line for every contender whose latest run
// is more than 10% worse than its previous run (throughput down, or p99 / peak RSS up).
// It is a report: the exit code is 0 even with regressions.
//
//   node bench/report.ts [--dir bench/results] [--threshold 0.1]
//
// Result files differ by benchmark (they grew one by one); `runsFromResult` maps each known shape
// (pipeline, scan, upload, e2e-kafka, loadgen, and any `results: [{ name, recordsPerSecond }]`)
// to rows, and skips what it does not know rather than guessing.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchRun {
  benchmark: string;
  /** What is measured within the benchmark (a codec/format, a process, a parameter set). */
  contender: string;
  /** ISO time of the run. */
  date: string;
  commit: string;
  /** Higher is better. */
  throughput: number | null;
  unit: string;
  /** Lower is better. */
  p99Ms: number | null;
  /** Lower is better. */
  peakRssMB: number | null;
  note: string;
  file: string;
}

export interface Regression {
  benchmark: string;
  contender: string;
  metric: 'throughput' | 'p99' | 'peak RSS';
  previous: number;
  latest: number;
  /** Relative change in the bad direction, e.g. 0.15 = 15% worse. */
  worseBy: number;
  previousDate: string;
  latestDate: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), v);

/** `pipeline-2026-11-27T00-04-59.810Z.json` → benchmark "pipeline", date "2026-11-27T00:04:59.810Z". */
export function parseResultFileName(file: string): { benchmark: string; date: string | null } {
  const match = /^(.*?)-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}(?:\.\d+)?)Z\.json$/.exec(file);
  if (!match) return { benchmark: file.replace(/\.json$/, ''), date: null };
  return { benchmark: match[1]!, date: `${match[2]}T${match[3]}:${match[4]}:${match[5]}Z` };
}

/** The rows one result file contributes (none for a shape this report does not know). */
export function runsFromResult(json: unknown, file: string): BenchRun[] {
  if (!isObject(json)) return [];
  const fromName = parseResultFileName(file);
  const benchmark = str(json['benchmark']) ?? str(json['bench']) ?? fromName.benchmark;
  const date = str(json['date']) ?? fromName.date ?? '';
  const base = { benchmark, date, commit: str(json['commit']) ?? '–', file, p99Ms: null, peakRssMB: null, note: '' };
  const results = json['results'];

  if (benchmark === 'e2e-kafka' && isObject(results)) {
    const p = isObject(json['parameters']) ? json['parameters'] : {};
    const jobs = Array.isArray(p['jobs']) ? p['jobs'].length : num(p['jobs']) ?? 1;
    const params = `${num(p['records'])?.toLocaleString('en-US') ?? '?'} records, ${num(p['partitions']) ?? '?'} partitions, codec ${str(p['codec']) ?? '?'}, ${num(p['workers']) ?? '?'} workers, ${jobs} job(s)`;
    const rows: BenchRun[] = [];
    const add = (name: string, part: unknown, rss: boolean) => {
      if (!isObject(part) || num(part['recordsPerSecond']) === null) return;
      rows.push({ ...base, contender: `${name} (${params})`, throughput: num(part['recordsPerSecond']), unit: 'records/s', peakRssMB: rss ? num(part['peakRssMB']) : null });
    };
    add('sluice, spawn → all committed', results['sluice'], true);
    add('kafkajs baseline consumer', results['baseline'], true);
    add('producer (preload)', results['preload'], false);
    return rows;
  }

  if (benchmark === 'loadgen' && isObject(results)) {
    const p = isObject(json['parameters']) ? json['parameters'] : {};
    const output = str(p['output']) ?? '';
    const scheme = output.slice(0, Math.max(0, output.indexOf(':'))) || '?';
    const spawned = at(p, 'sluice', 'spawned') === true;
    const missing = num(at(results, 'delivery', 'missing')) ?? 0;
    return [{
      ...base,
      contender: `${num(p['rate'])?.toLocaleString('en-US') ?? '?'} events/s for ${num(p['seconds']) ?? '?'} s → ${scheme}${spawned ? `, sluice ${str(at(p, 'sluice', 'compression')) ?? ''} ${num(at(p, 'sluice', 'maxUploadIntervalSeconds')) ?? '?'} s interval` : ', external sluice'}`,
      throughput: num(at(results, 'delivery', 'deliveredRate')),
      unit: 'records/s',
      p99Ms: num(at(results, 'latencyMs', 'p99')),
      peakRssMB: num(at(results, 'sluice', 'peakRssMB')),
      note: missing > 0 ? `${missing.toLocaleString('en-US')} missing` : '',
    }];
  }

  if (Array.isArray(results)) {
    const rows: BenchRun[] = [];
    for (const r of results) {
      if (!isObject(r)) continue;
      const records = num(r['recordsPerSecond']);
      const mib = num(r['mibPerSecond']);
      const name = str(r['name']) ?? (num(r['partsInFlight']) !== null ? `${r['partsInFlight']} parts in flight` : null);
      if (name === null || (records === null && mib === null)) continue;
      rows.push({ ...base, contender: name, throughput: records ?? mib, unit: records !== null ? 'records/s' : 'MiB/s', p99Ms: num(r['p99Ms']), peakRssMB: num(r['peakRssMB']) });
    }
    return rows;
  }
  return [];
}

/** Every run of every result file in `dir` (unreadable or unknown files are skipped with a note). */
export function loadRuns(dir: string, warn: (line: string) => void = () => {}): BenchRun[] {
  const runs: BenchRun[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      warn(`skipped ${file}: ${(error as Error).message}`);
      continue;
    }
    const rows = runsFromResult(json, file);
    if (rows.length === 0) warn(`skipped ${file}: no result shape this report knows`);
    runs.push(...rows);
  }
  return runs;
}

function byDate(a: BenchRun, b: BenchRun): number {
  return a.date < b.date ? -1 : a.date > b.date ? 1 : a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function groups(runs: readonly BenchRun[]): Map<string, Map<string, BenchRun[]>> {
  const out = new Map<string, Map<string, BenchRun[]>>();
  for (const run of runs) {
    let bench = out.get(run.benchmark);
    if (!bench) out.set(run.benchmark, (bench = new Map()));
    let list = bench.get(run.contender);
    if (!list) bench.set(run.contender, (list = []));
    list.push(run);
  }
  for (const bench of out.values()) for (const list of bench.values()) list.sort(byDate);
  return out;
}

/** Regressions of the latest run of each contender against its previous run. */
export function findRegressions(runs: readonly BenchRun[], threshold = 0.1): Regression[] {
  const found: Regression[] = [];
  for (const bench of groups(runs).values()) {
    for (const list of bench.values()) {
      if (list.length < 2) continue;
      const latest = list.at(-1)!;
      const previous = list.at(-2)!;
      const check = (metric: Regression['metric'], prev: number | null, last: number | null, higherIsBetter: boolean) => {
        if (prev === null || last === null || prev <= 0) return;
        const worseBy = higherIsBetter ? (prev - last) / prev : (last - prev) / prev;
        if (worseBy > threshold) {
          found.push({ benchmark: latest.benchmark, contender: latest.contender, metric, previous: prev, latest: last, worseBy, previousDate: previous.date, latestDate: latest.date });
        }
      };
      check('throughput', previous.throughput, latest.throughput, true);
      check('p99', previous.p99Ms, latest.p99Ms, false);
      check('peak RSS', previous.peakRssMB, latest.peakRssMB, false);
    }
  }
  return found;
}

export function formatRegression(r: Regression): string {
  const unit = r.metric === 'p99' ? ' ms' : r.metric === 'peak RSS' ? ' MB' : '';
  return `REGRESSION ${r.benchmark} / ${r.contender}: ${r.metric} ${r.previous.toLocaleString('en-US')}${unit} → ${r.latest.toLocaleString('en-US')}${unit} (${Math.round(r.worseBy * 1000) / 10}% worse; ${r.previousDate} → ${r.latestDate})`;
}

/** Markdown: one section and table per benchmark, contenders in first-seen order, runs by date. */
export function renderReport(runs: readonly BenchRun[], threshold = 0.1): string {
  const regressions = findRegressions(runs, threshold);
  const flagged = new Set(regressions.map((r) => `${r.benchmark}\u0000${r.contender}\u0000${r.latestDate}`));
  const n = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US'));
  const lines: string[] = ['# Benchmark history', ''];
  for (const [benchmark, contenders] of [...groups(runs)].sort(([a], [b]) => a.localeCompare(b))) {
    const all = [...contenders.values()].flat();
    const hasP99 = all.some((r) => r.p99Ms !== null);
    const hasRss = all.some((r) => r.peakRssMB !== null);
    const units = [...new Set(all.map((r) => r.unit))].join(' or ');
    const header = ['contender', 'date', 'commit', units, ...(hasP99 ? ['p99 ms'] : []), ...(hasRss ? ['peak RSS MB'] : []), 'vs previous', 'note'];
    lines.push(`## ${benchmark}`, '', `| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i < 3 || i === header.length - 1 ? '---' : '---:')).join(' | ')} |`);
    for (const [contender, list] of contenders) {
      list.forEach((run, i) => {
        const prev = i > 0 ? list[i - 1]! : null;
        const change = prev && prev.throughput && run.throughput !== null ? `${run.throughput >= prev.throughput ? '+' : ''}${Math.round(((run.throughput - prev.throughput) / prev.throughput) * 1000) / 10}%` : '';
        const regression = flagged.has(`${benchmark}\u0000${contender}\u0000${run.date}`) && i === list.length - 1;
        const cells = [
          contender, run.date.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''), run.commit, n(run.throughput),
          ...(hasP99 ? [n(run.p99Ms)] : []), ...(hasRss ? [n(run.peakRssMB)] : []),
          change, [regression ? '**REGRESSION**' : '', run.note].filter((s) => s !== '').join('; '),
        ];
        lines.push(`| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
      });
    }
    lines.push('');
  }
  if (regressions.length > 0) lines.push(...regressions.map(formatRegression), '');
  else lines.push(`No regressions: every contender's latest run is within ${Math.round(threshold * 1000) / 10}% of its previous run.`, '');
  return lines.join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { dir: { type: 'string', default: join(import.meta.dirname, 'results') }, threshold: { type: 'string', default: '0.1' } } });
  const runs = loadRuns(values.dir, (line) => process.stderr.write(`bench:report: ${line}\n`));
  process.stdout.write(renderReport(runs, Number(values.threshold)));
}
