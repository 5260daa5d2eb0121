// CLI for scripts/s3.sh and scripts/toxiproxy.sh: waits until the service at <host:port> is
// usable (see ready-check.ts for what "usable" means).
//
//   node scripts/services/wait-ready.ts s3|toxiproxy <host:port> [--timeout-ms N] [--pid N]
//
// Exits 0 with one line once ready; exits 1 with the reason when the deadline passes or the
// process named by --pid is gone.

import { checkS3Once, checkToxiproxyOnce, waitForService } from './ready-check.ts';
import type { ServiceCheck } from './ready-check.ts';

const checks: Record<string, ServiceCheck> = { s3: checkS3Once, toxiproxy: checkToxiproxyOnce };

const argv = process.argv.slice(2);
const positional: string[] = [];
let timeoutMs = 60_000;
let pid: number | undefined;
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === '--timeout-ms') timeoutMs = Number(argv[++i]);
  else if (arg === '--pid') pid = Number(argv[++i]);
  else if (arg !== undefined) positional.push(arg);
}
const [service, hostPort] = positional;
const check = service === undefined ? undefined : checks[service];
if (check === undefined || hostPort === undefined || !(timeoutMs > 0) || (pid !== undefined && !Number.isInteger(pid))) {
  process.stderr.write('usage: wait-ready.ts s3|toxiproxy <host:port> [--timeout-ms N] [--pid N]\n');
  process.exit(2);
}

const result = await waitForService(check, hostPort, pid === undefined ? { timeoutMs } : { timeoutMs, pid });
if (result.ready) {
  process.stdout.write(`${service}: ready on ${hostPort} after ${result.elapsedMs} ms\n`);
} else {
  process.stderr.write(`${service}: ${hostPort}: ${result.reason}\n`);
  process.exit(1);
}
