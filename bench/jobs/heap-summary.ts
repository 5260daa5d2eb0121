// Sums a V8 heap snapshot's self sizes by node type and constructor name — where a heap's
// bytes are, without opening DevTools. ArrayBuffer backing stores are outside the V8 heap and
// show only as their small JSArrayBuffer objects (their size is in process.memoryUsage()).
//
//   node bench/jobs/heap-summary.ts <file.heapsnapshot> [--top 25]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function summarise(file: string, top: number): { totalMB: number; rows: Array<{ what: string; count: number; MB: number }> } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const sums = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Objects and closures by constructor; strings, code, arrays… by their type alone.
    const what = type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + nameAt]!]}` : type;
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    const entry = sums.get(what);
    if (entry) { entry.count++; entry.bytes += size; } else sums.set(what, { count: 1, bytes: size });
  }
  const rows = [...sums].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)
    .map(([what, e]) => ({ what, count: e.count, MB: Math.round(e.bytes / 1e4) / 100 }));
  return { totalMB: Math.round(total / 1e4) / 100, rows };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  for (const file of positionals) {
    const { totalMB, rows } = summarise(file, Number(values.top));
    console.log(`${file}: ${totalMB} MB in the heap`);
    for (const r of rows) console.log(`  ${String(r.MB).padStart(8)} MB  ${String(r.count).padStart(9)}  ${r.what}`);
  }
}
