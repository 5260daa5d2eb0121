// Micro benchmark: gzip compression of what a worker actually compresses (ndjson, 10 fields, from
// generated http_requests batches; bench/encoded-output.ts), node:zlib as sluice calls it today
// (workers/codecs/gzip.ts) against tuned node:zlib calls and other gzip implementations, on one
// core, per level. Every output is gunzipped with node:zlib and compared with its input.
//
//   node_modules/.bin/node bench/gzip.bench.ts [--input-mib 16] [--levels 1,6] [--rounds 5] [--warmup 1]
//                                              [--small-mib 4] [--candidates DIR]
//
// Two workloads: "8 MiB chunks" (a batch's output in pipeline.chunk_bytes pieces, what one
// codec.compress call gets from a large batch) and "16 KiB chunks" (what small batches give,
// e.g. many jobs with 1 s intervals: there a call's fixed cost counts).
//
// Other implementations are not dependencies of sluice: the benchmark measures the ones it can
// import (`npm install --no-save libdeflate fflate pako @hazae41/foras`, or installed elsewhere and
// named with --candidates DIR) and lists the others as skipped. Contenders run interleaved; the
// median round is reported, as input MiB per second of wall time and per CPU second of the
// process (on a shared host the second moves far less; it also counts the libuv threads that do
// the async calls' work). Writes bench/results/gzip-<ISO time>.json.

import { readFileSync } from 'node:fs';
import { createRequire, findPackageJSON } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { DEFAULT_CHUNK_BYTES } from '../src/config/schema.ts';
import { createGzipCodec, GZIP_DEFAULT_LEVEL } from '../workers/codecs/gzip.ts';
import { ndjsonOutput, piecesAtLines } from './encoded-output.ts';
import { median } from './median.ts';
import { resultHeader, round, writeResultFile } from './result-file.ts';
import { formatTable } from './text-table.ts';

type Compress = (input: Uint8Array) => Uint8Array | Promise<Uint8Array>;

interface Contender {
  name: string;
  /** Where it comes from and what it changes. */
  note: string;
  make(level: number): Compress;
}

const SLUICE = 'node:zlib gzipSync (sluice today)';
const MIB = 1024 * 1024;

function nodeSync(name: string, note: string, options: zlib.ZlibOptions): Contender {
  return { name, note, make: (level) => (input) => zlib.gzipSync(input, { ...options, level }) };
}

function nodeAsync(name: string, note: string, options: zlib.ZlibOptions): Contender {
  return {
    name,
    note,
    make: (level) => (input) => new Promise((resolve, reject) =>
      zlib.gzip(input, { ...options, level }, (error, output) => (error ? reject(error) : resolve(output)))),
  };
}

const NODE_CONTENDERS: Contender[] = [
  { name: SLUICE, note: 'workers/codecs/gzip.ts: gzipSync, memLevel 8, chunkSize 16 KiB', make: (level) => createGzipCodec(level).compress },
  nodeSync('node:zlib gzipSync memLevel 9', 'zlib keeps a larger hash table', { memLevel: 9 }),
  nodeSync('node:zlib gzipSync chunkSize 1 MiB', 'fewer output-buffer calls into zlib and a smaller concat', { chunkSize: MIB }),
  nodeSync('node:zlib gzipSync memLevel 9, chunkSize 1 MiB', 'both', { memLevel: 9, chunkSize: MIB }),
  nodeAsync('node:zlib gzip async', 'the libuv thread pool does the work; awaited one call at a time', {}),
  nodeAsync('node:zlib gzip async memLevel 9, chunkSize 1 MiB', 'as above, tuned', { memLevel: 9, chunkSize: MIB }),
];

interface Imported {
  exports: Record<string, unknown>;
  version: string;
}

/**
 * Imports a package from `dir` (an npm prefix with node_modules) if given, else from the
 * project; null if neither has it. (The project has an old pako through hdr-histogram-js.)
 */
async function importOptional(name: string, dir: string | undefined): Promise<Imported | null> {
  const bases = [...(dir === undefined ? [] : [join(dir, 'package.json')]), import.meta.filename];
  for (const base of bases) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve(name);
    } catch {
      continue;
    }
    const url = pathToFileURL(resolved);
    const module = (await import(url.href)) as Record<string, unknown>;
    const version = (JSON.parse(readFileSync(findPackageJSON(url)!, 'utf8')) as { version: string }).version;
    // require.resolve may pick a package's CommonJS build, whose exports arrive as `default`.
    return { exports: { ...(module['default'] as Record<string, unknown> | undefined), ...module }, version };
  }
  return null;
}

type Fn = (...args: unknown[]) => unknown;

/** The other implementations that install from the npm registry alone (no native build, no download at install). */
async function otherContenders(dir: string | undefined): Promise<{ found: Contender[]; skipped: string[] }> {
  const found: Contender[] = [];
  const skipped: string[] = [];
  const libdeflate = await importOptional('libdeflate', dir);
  if (libdeflate) {
    const gzip = libdeflate.exports['gzip'] as Fn;
    found.push({ name: `libdeflate ${libdeflate.version} (WASM)`, note: 'npm libdeflate: libdeflate compiled to WebAssembly', make: (level) => (input) => gzip(input, level) as Uint8Array });
  } else skipped.push('libdeflate');
  const fflate = await importOptional('fflate', dir);
  if (fflate) {
    const gzipSync = fflate.exports['gzipSync'] as Fn;
    found.push({ name: `fflate ${fflate.version} gzipSync`, note: 'npm fflate: pure JavaScript', make: (level) => (input) => gzipSync(input, { level }) as Uint8Array });
  } else skipped.push('fflate');
  const pako = await importOptional('pako', dir);
  if (pako) {
    const gzip = pako.exports['gzip'] as Fn;
    found.push({ name: `pako ${pako.version} gzip`, note: 'npm pako: zlib ported to JavaScript', make: (level) => (input) => gzip(input, { level }) as Uint8Array });
  } else skipped.push('pako');
  const foras = await importOptional('@hazae41/foras', dir);
  if (foras) {
    await (foras.exports['initBundledOnce'] as Fn)();
    const Memory = foras.exports['Memory'] as new (bytes: Uint8Array) => { free(): void };
    const gzip = foras.exports['gzip'] as (input: unknown, level: number) => { copyAndDispose(): Uint8Array };
    found.push({
      name: `@hazae41/foras ${foras.version} gzip (WASM)`,
      note: 'npm @hazae41/foras: Rust flate2 (miniz_oxide) compiled to WebAssembly',
      make: (level) => (input) => {
        const memory = new Memory(input);
        try {
          return gzip(memory, level).copyAndDispose();
        } finally {
          memory.free();
        }
      },
    });
  } else skipped.push('@hazae41/foras');
  return { found, skipped };
}

interface Workload {
  name: string;
  pieceBytes: number;
  pieces: Uint8Array[];
  bytes: number;
}

interface GzipResult {
  name: string;
  contender: string;
  level: number;
  workload: string;
  pieces: number;
  inputBytes: number;
  outputBytes: number;
  compressionRatio: number;
  /** Input MiB per second of wall time, median round. */
  mibPerSecond: number;
  /** Input MiB per CPU second of the whole process (all threads), median round: what a busy host changes least. */
  mibPerCpuSecond: number;
  /** mibPerCpuSecond ÷ sluice's current codec's at the same level and workload. */
  speedVsSluice: number;
  verified: boolean;
  roundMillis: number[];
  roundCpuMillis: number[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

async function compressAll(compress: Compress, pieces: readonly Uint8Array[], verify: boolean): Promise<number> {
  let outputBytes = 0;
  for (const piece of pieces) {
    let output = compress(piece);
    if (output instanceof Promise) output = await output;
    outputBytes += output.length;
    if (verify && !sameBytes(zlib.gunzipSync(output), piece)) {
      throw new Error(`gunzip of the output differs from the input (${piece.length} bytes)`);
    }
  }
  return outputBytes;
}

function printTable(results: readonly GzipResult[]): void {
  const rows = results.map((r) => [
    r.contender, String(r.level), r.workload, r.mibPerCpuSecond.toFixed(1), r.mibPerSecond.toFixed(1), `${r.speedVsSluice.toFixed(2)}×`,
    r.compressionRatio.toFixed(3), r.verified ? 'yes' : 'NO',
  ]);
  console.log(formatTable(['contender', 'level', 'workload', 'MiB/CPU-s', 'MiB/s wall', 'vs sluice', 'ratio', 'round trip'], rows, [0, 2]));
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      'input-mib': { type: 'string', default: '16' },
      'small-mib': { type: 'string', default: '4' },
      levels: { type: 'string', default: `1,${GZIP_DEFAULT_LEVEL}` },
      rounds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      candidates: { type: 'string' },
    },
  });
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const levels = values.levels.split(',').map(Number);
  const rounds = Number(values.rounds);
  const warmup = Number(values.warmup);

  const all = ndjsonOutput(Math.max(Number(values['input-mib']), Number(values['small-mib'])) * MIB);
  const large = piecesAtLines(all.subarray(0, Number(values['input-mib']) * MIB), DEFAULT_CHUNK_BYTES);
  const small = piecesAtLines(all.subarray(0, Number(values['small-mib']) * MIB), 16 * 1024);
  const workloads: Workload[] = [
    { name: '8 MiB chunks', pieceBytes: DEFAULT_CHUNK_BYTES, pieces: large, bytes: large.reduce((s, p) => s + p.length, 0) },
    { name: '16 KiB chunks', pieceBytes: 16 * 1024, pieces: small, bytes: small.reduce((s, p) => s + p.length, 0) },
  ];

  const others = await otherContenders(values.candidates);
  const contenders = [...NODE_CONTENDERS, ...others.found];
  if (others.skipped.length > 0) console.log(`not installed, skipped: ${others.skipped.join(', ')}`);

  const cells = levels.flatMap((level) => workloads.flatMap((workload) => contenders.map((contender) => ({
    level, workload, contender, compress: contender.make(level), millis: [] as number[], cpuMillis: [] as number[], outputBytes: 0, verified: false,
  }))));
  for (let r = 0; r < warmup + rounds; r++) {
    for (const cell of cells) {
      const verify = r === 0;
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      cell.outputBytes = await compressAll(cell.compress, cell.workload.pieces, verify);
      const elapsed = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      if (verify) cell.verified = true;
      // The verifying round also gunzips, so it never counts.
      if (r >= warmup && !(verify && warmup === 0)) {
        cell.millis.push(elapsed);
        cell.cpuMillis.push((cpu.user + cpu.system) / 1000);
      }
    }
  }

  const mibPerSecond = (cell: (typeof cells)[number]): number => cell.workload.bytes / MIB / (median(cell.millis) / 1000);
  const mibPerCpuSecond = (cell: (typeof cells)[number]): number => cell.workload.bytes / MIB / (median(cell.cpuMillis) / 1000);
  const results = cells.map((cell): GzipResult => {
    const sluice = cells.find((c) => c.level === cell.level && c.workload === cell.workload && c.contender.name === SLUICE)!;
    return {
      name: `${cell.contender.name}, level ${cell.level}, ${cell.workload.name}`,
      contender: cell.contender.name,
      level: cell.level,
      workload: cell.workload.name,
      pieces: cell.workload.pieces.length,
      inputBytes: cell.workload.bytes,
      outputBytes: cell.outputBytes,
      compressionRatio: round(cell.workload.bytes / cell.outputBytes, 3),
      mibPerSecond: round(mibPerSecond(cell), 1),
      mibPerCpuSecond: round(mibPerCpuSecond(cell), 1),
      speedVsSluice: round(mibPerCpuSecond(cell) / mibPerCpuSecond(sluice), 2),
      verified: cell.verified,
      roundMillis: cell.millis.map((m) => round(m, 1)),
      roundCpuMillis: cell.cpuMillis.map((m) => round(m, 1)),
    };
  });
  const report = {
    ...resultHeader('gzip', startedAt, loadBefore, os.loadavg()),
    zlib: process.versions.zlib,
    parameters: {
      input: 'ndjson, 10 fields (bench/fixtures.ts TEN_FIELDS) encoded by processBatch from generated http_requests, seeds 42…',
      levels,
      rounds,
      warmupRounds: warmup,
      statistic: 'median round, of wall time and of process CPU time (user + system, all threads); the first round also gunzips every output and does not count',
      workloads: workloads.map((w) => ({ name: w.name, pieceBytes: w.pieceBytes, pieces: w.pieces.length, bytes: w.bytes })),
      contenders: contenders.map((c) => ({ name: c.name, note: c.note })),
      skipped: others.skipped,
    },
    results,
  };
  printTable(results);
  console.log(`\nload average before ${report.machine.loadAverageBefore.join(' ')}, after ${report.machine.loadAverageAfter.join(' ')} (${report.machine.cores} cores)`);
  console.log(`wrote ${writeResultFile(join(import.meta.dirname, 'results'), report.benchmark, report.date, report)}`);
}
