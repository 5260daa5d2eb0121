// CLI for scripts/kafka.sh, scripts/s3.sh, scripts/azurite.sh and scripts/toxiproxy.sh: waits until the service at
// <host:port> is usable (see scripts/kafka/ready-check.ts and ready-check.ts for what "usable"
// means).
//
//   node scripts/services/wait-ready.ts kafka|s3|azurite|toxiproxy <host:port> [--timeout-ms N] [--pid N]
//
// Exits 0 with one line once ready; exits 1 with the reason when the deadline passes or the
// process named by --pid is gone.

import { waitForService } from './wait-for-service.ts';
import type { ServiceCheck, WaitOptions } from './wait-for-service.ts';

// Each check is imported only when asked for: the Kafka check loads kafkajs, the S3 one the AWS
// SDK, and a readiness wait should not load both.
const services: Record<string, () => Promise<{ check: ServiceCheck } & Omit<WaitOptions, 'timeoutMs' | 'pid'>>> = {
  // Kafka polls every 200 ms, twice the S3/Toxiproxy interval, as it always has.
  kafka: async () => ({ check: (await import('../kafka/ready-check.ts')).checkKafkaOnce, pollIntervalMs: 200, processNoun: 'broker' }),
  s3: async () => ({ check: (await import('./ready-check.ts')).checkS3Once }),
  azurite: async () => ({ check: (await import('./ready-check.ts')).checkAzuriteOnce }),
  toxiproxy: async () => ({ check: (await import('./ready-check.ts')).checkToxiproxyOnce }),
};

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
const load = service === undefined ? undefined : services[service];
if (load === undefined || hostPort === undefined || !(timeoutMs > 0) || (pid !== undefined && !Number.isInteger(pid))) {
  process.stderr.write('usage: wait-ready.ts kafka|s3|azurite|toxiproxy <host:port> [--timeout-ms N] [--pid N]\n');
  process.exit(2);
}

const { check, ...options } = await load();
const result = await waitForService(check, hostPort, pid === undefined ? { ...options, timeoutMs } : { ...options, timeoutMs, pid });
if (result.ready) {
  process.stdout.write(`${service}: ready on ${hostPort} after ${result.elapsedMs} ms\n`);
} else {
  process.stderr.write(`${service}: ${hostPort}: ${result.reason}\n`);
  process.exit(1);
}
