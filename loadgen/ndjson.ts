// Writes realistic http_requests events as NDJSON to stdout — the same generator as the
// embedded source — for backfill demos and reproducible runs:
//
//   node loadgen/ndjson.ts --records 100000 --seed 7 --tenant <zone id> > events.ndjson
//   node loadgen/ndjson.ts --records 100000 | npx sluice run --config jobs.yaml --input - --dataset http_requests --tenant <zone id>
//
// An NDJSON input carries one tenant (given to sluice with --tenant); --tenant here makes the
// generator use that zone for every event, so ZoneName and the zone agree.

import { parseArgs } from 'node:util';
import { createHttpRequestsGenerator } from '../src/generator/http-requests.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    tenant: { type: 'string' },
  },
});
const records = Number(values.records);
const seed = Number(values.seed);
if (!Number.isInteger(records) || records < 0 || !Number.isInteger(seed)) {
  process.stderr.write('loadgen/ndjson: --records and --seed must be integers\n');
  process.exit(2);
}
const generator = createHttpRequestsGenerator({ seed, ...(values.tenant ? { tenants: [values.tenant] } : {}) });

// Write in ~1 MB slices and respect stdout's backpressure so piping into sluice stays bounded.
let written = 0;
function writeSome(): void {
  while (written < records) {
    let chunk = '';
    for (let i = 0; i < 700 && written < records; i++, written++) chunk += `${generator.next().json}\n`;
    if (!process.stdout.write(chunk)) {
      process.stdout.once('drain', writeSome);
      return;
    }
  }
}
writeSome();
