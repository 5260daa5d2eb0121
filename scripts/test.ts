// `npm test`: type-check, start the services the tests need, then run node's test runner over
// test/**/*.test.ts. The runner's own summary (tests/pass/fail) is the last thing printed.

import { spawnSync } from 'node:child_process';

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('npm test: type check failed\n');
  process.exit(tsc.status ?? 1);
}

const args = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...(args.length > 0 ? args : ['test/**/*.test.ts'])], { stdio: 'inherit' });
process.exit(result.status ?? 1);
