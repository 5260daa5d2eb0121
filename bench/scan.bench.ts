// Micro benchmark: the field scanner (workers/scan.ts) against the obvious alternative,
// JSON.parse of each record and picking the fields, on one core.
//
//   node_modules/.bin/node bench/scan.bench.ts [--records N] [--rounds R] [--batch RECORDS_PER_BATCH]
//
// Records imitate http_requests events: ~1.6 KB, ~53 top-level fields including 19-digit
// unixnano integers, nested objects and arrays, and strings with escapes. The contenders start
// from what a worker has: batches of UTF-8 record bytes plus end offsets.
//   - scanner, batch bytes: the worker's path: records scanned in place in the batch bytes.
//   - JSON.parse + pick: each record decoded, parsed, 10 fields read.
// Prints one line per contender and a JSON result line (machine, Node version, parameters).

import os from 'node:os';
import { parseArgs } from 'node:util';
import { createFieldScanner, createScannedRecord } from '../workers/scan.ts';
import { TEN_FIELDS } from './fixtures.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
    // Records per batch text, as a worker gets them in one task.
    batch: { type: 'string', default: '1000' },
  },
});
const recordCount = Number(args.records);
const rounds = Number(args.rounds);
const batchRecords = Number(args.batch);

let seed = 12345;
function random(): number {
  // xorshift32: deterministic records, so runs compare like with like.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (max: number): number => Math.floor(random() * max);
const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');

function buildRecord(): string {
  const start = 1_700_000_000_000_000_000n + BigInt(int(1e9)) * 1_000_000n + BigInt(int(1e6));
  const end = start + BigInt(int(5e8));
  const path = pick(['/', '/api/v1/items', '/static/app.js', '/images/logo.png', '/search']);
  const query = random() < 0.5 ? `?q=${hex(6)}&page=${int(50)}` : '';
  const fields: Record<string, unknown> = {
    BotDetectionIDs: [int(1e6), int(1e6)],
    BotScore: int(100),
    BotScoreSrc: pick(['Heuristics', 'Not Computed']),
    BotTags: random() < 0.3 ? ['api'] : [],
    CacheCacheStatus: pick(['hit', 'miss', 'dynamic', 'expired']),
    CacheReserveUsed: false,
    CacheResponseBytes: int(200000),
    CacheTieredFill: random() < 0.2,
    ClientASN: int(65000),
    ClientCity: pick(['London', 'Sao Paulo', 'Z\u00fcrich', 'Paris']), // kept ASCII, written with an escape
    ClientCountry: pick(['gb', 'br', 'ch', 'us']),
    ClientDeviceType: pick(['desktop', 'mobile', 'tablet']),
    ClientIP: `${int(256)}.${int(256)}.${int(256)}.${int(256)}`,
    ClientLatitude: (random() * 180 - 90).toFixed(4),
    ClientRequestBytes: 800 + int(900),
    ClientRequestHost: pick(['example.com', 'www.example.com', 'api.example.com']),
    ClientRequestMethod: pick(['GET', 'GET', 'GET', 'POST', 'PUT']),
    ClientRequestPath: path,
    ClientRequestProtocol: pick(['HTTP/1.1', 'HTTP/2', 'HTTP/3']),
    ClientRequestScheme: 'https',
    ClientRequestSource: 'eyeball',
    ClientRequestURI: path + query,
    ClientRequestUserAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1',
    ClientSSLProtocol: 'TLSv1.3',
    ClientSrcPort: int(65536),
    ClientTCPRTTMs: int(300),
    Cookies: random() < 0.5 ? { theme: 'dark' } : {},
    EdgeColoCode: pick(['LHR', 'GRU', 'ZRH', 'EWR']),
    EdgeColoID: int(400),
    EdgeEndTimestamp: end,
    EdgePathingOp: 'wl',
    EdgePathingStatus: 'nr',
    EdgeRequestHost: 'example.com',
    EdgeResponseBytes: int(100000) + 300,
    EdgeResponseCompressionRatio: int(40) / 10,
    EdgeResponseContentType: pick(['text/html', 'application/json', 'image/png']),
    EdgeResponseStatus: pick([200, 200, 200, 304, 404, 500]),
    EdgeServerIP: `10.${int(256)}.${int(256)}.${int(256)}`,
    EdgeStartTimestamp: start,
    EdgeTimeToFirstByteMs: int(2000),
    JA4Signals: { h2h3_ratio_1h: int(100) / 100, ips_quantile_1h: int(100) },
    OriginIP: `192.0.2.${int(256)}`,
    OriginResponseBytes: int(100000),
    OriginResponseDurationMs: int(3000),
    OriginResponseStatus: pick([200, 304, 404]),
    RayID: hex(16),
    ResponseHeaders: { 'content-type': 'text/html; charset="utf-8"' },
    SecurityAction: 'unknown',
    SecurityActions: [],
    SecurityRuleDescription: random() < 0.3 ? 'Block "bad" paths\n(v2)' : '',
    WAFAttackScore: int(100),
    WorkerSubrequest: false,
    ZoneName: 'example.com',
  };
  return JSON.stringify(fields, (_key, value) => (typeof value === 'bigint' ? `@@${value}@@` : value))
    .replace(/"@@(\d+)@@"/g, '$1') // write the bigints as bare 19-digit integers
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const records = Array.from({ length: recordCount }, buildRecord);
if (process.env.SHOW_RECORD) console.log(records[0]);

interface Batch {
  data: Buffer;
  /** ends[i]: byte offset one past record i (as BatchTask.ends). */
  ends: Uint32Array;
}
const batches: Batch[] = [];
for (let first = 0; first < recordCount; first += batchRecords) {
  const slice = records.slice(first, first + batchRecords);
  const ends = new Uint32Array(slice.length);
  let offset = 0;
  slice.forEach((record, i) => {
    offset += Buffer.byteLength(record);
    ends[i] = offset;
  });
  batches.push({ data: Buffer.from(slice.join('')), ends });
}
const averageBytes = batches.reduce((sum, b) => sum + b.data.length, 0) / recordCount;
const fieldCount = Object.keys(JSON.parse(records[0]!) as object).length;

const scanner = createFieldScanner(TEN_FIELDS);
const out = createScannedRecord(scanner.slotCount);
const decoder = new TextDecoder();

/** The worker's path: records scanned in place in the batch bytes; touches each range so nothing is optimised away. */
function runScanner(): number {
  let checksum = 0;
  for (const { data, ends } of batches) {
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i]!;
      if (!scanner.scan(data, start, end, out)) throw new Error(`record rejected at ${start}`);
      for (let s = 0; s < scanner.slotCount; s++) checksum += out.ends[s]! - out.starts[s]!;
      start = end;
    }
  }
  return checksum;
}

/** Alternative: decode each record, JSON.parse it, pick the 10 fields. */
function runParse(): number {
  let checksum = 0;
  for (const { data, ends } of batches) {
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i]!;
      const record = JSON.parse(decoder.decode(data.subarray(start, end))) as Record<string, unknown>;
      for (let s = 0; s < TEN_FIELDS.length; s++) if (record[TEN_FIELDS[s]!] !== undefined) checksum++;
      start = end;
    }
  }
  return checksum;
}

/**
 * Best records/s of each contender over `rounds` rounds. Rounds interleave the contenders so
 * that load from other processes on the machine affects them alike.
 */
function measure(contenders: Record<string, () => number>): Record<string, number> {
  const best: Record<string, number> = {};
  for (const run of Object.values(contenders)) run(); // warm up (and let the JIT optimise)
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(contenders)) {
      const t0 = process.hrtime.bigint();
      run();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      best[name] = Math.max(best[name] ?? 0, recordCount / seconds);
    }
  }
  for (const [name, rate] of Object.entries(best)) {
    console.log(`${name.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} records/s (best of ${rounds})`);
  }
  return best;
}

console.log(`${recordCount} records in batches of ${batchRecords}, ${averageBytes.toFixed(0)} bytes avg, ${fieldCount} top-level fields, selecting ${TEN_FIELDS.length}`);
const rates = measure({
  'scanner, batch bytes': runScanner,
  'JSON.parse + pick': runParse,
});
const scannerRate = rates['scanner, batch bytes']!;
const parseRate = rates['JSON.parse + pick']!;
console.log(`scanner / parse: ${(scannerRate / parseRate).toFixed(2)}x`);
console.log(JSON.stringify({
  bench: 'scan',
  machine: { cpus: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadavg: os.loadavg() },
  node: process.version,
  params: { records: recordCount, rounds, batchRecords, averageBytes: Math.round(averageBytes), fieldCount, selected: TEN_FIELDS.length },
  recordsPerSecond: {
    scannerBatchBytes: Math.round(scannerRate),
    jsonParsePick: Math.round(parseRate),
  },
}));
