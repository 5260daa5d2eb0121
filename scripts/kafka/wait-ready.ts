// CLI for scripts/kafka.sh: waits until the broker at <host:port> is usable (see
// ready-check.ts for what "usable" means).
//
//   node scripts/kafka/wait-ready.ts <host:port> [--timeout-ms N] [--pid N]
//
// Exits 0 with one line once ready; exits 1 with the reason when the deadline passes or the
// process named by --pid is gone.

import { waitForKafka } from './ready-check.ts';

const argv = process.argv.slice(2);
let broker: string | undefined;
let timeoutMs = 60_000;
let pid: number | undefined;
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === '--timeout-ms') timeoutMs = Number(argv[++i]);
  else if (arg === '--pid') pid = Number(argv[++i]);
  else if (arg !== undefined && !arg.startsWith('--')) broker = arg;
}
if (broker === undefined || !(timeoutMs > 0) || (pid !== undefined && !Number.isInteger(pid))) {
  process.stderr.write('usage: wait-ready.ts <host:port> [--timeout-ms N] [--pid N]\n');
  process.exit(2);
}

const result = await waitForKafka(broker, pid === undefined ? { timeoutMs } : { timeoutMs, pid });
if (result.ready) {
  process.stdout.write(`kafka: ready on ${broker} after ${result.elapsedMs} ms\n`);
} else {
  process.stderr.write(`kafka: ${broker}: ${result.reason}\n`);
  process.exit(1);
}
