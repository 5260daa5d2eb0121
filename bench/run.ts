// `npm run bench`: runs every micro benchmark bench/*.bench.ts (not the end-to-end ones,
// bench/e2e-*.bench.ts and bench/scale-out.bench.ts, which need a broker and minutes, nor
// bench/verify.bench.ts, which takes minutes: they have npm scripts of their own:
// `npm run bench:e2e`, `bench:scale-out`, `bench:verify`), one after another, each in its own Node process
// (so one benchmark's JIT state and heap do not colour the next). Extra arguments are passed
// to every benchmark; `--only <name>` runs just bench/<name>.bench.ts.
//
//   node bench/run.ts [--only pipeline] [-- --rounds 5]

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const passThrough = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];

function isEndToEnd(file: string): boolean {
  return file.startsWith('e2e-') || file === 'scale-out.bench.ts' || file === 'verify.bench.ts';
}

const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => (only === undefined ? !isEndToEnd(f) : f === `${only}.bench.ts`))
  .sort();
if (files.length === 0) {
  console.error(only === undefined ? 'no bench/*.bench.ts files' : `no bench/${only}.bench.ts`);
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, [join(dir, file), ...passThrough], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
