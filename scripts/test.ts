// `npm test`: type-check, start the services the tests need, then run node's test runner over
// test/**/*.test.ts. The runner's own summary (tests/pass/fail) is the last thing printed.

import { spawnSync } from 'node:child_process';

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('npm test: type check failed\n');
  process.exit(tsc.status ?? 1);
}

// The integration tests need a real Kafka broker on loopback. kafka.sh installs it on first
// use, formats its storage once, and waits until it answers metadata requests; it prints one
// line ("kafka: started …" or "kafka: already running …"; one more when it installs), and on
// failure the end of the broker's log. Kafka tests never run against nothing: no broker, no run.
const kafka = spawnSync('bash', ['scripts/kafka.sh', 'start'], { stdio: 'inherit' });
if (kafka.status !== 0) {
  process.stderr.write('npm test: the Kafka broker could not be started; not running the tests\n');
  process.exit(kafka.status || 1);
}

const args = process.argv.slice(2);
// kafkajs 2.2.4 calls setTimeout with a negative delay when its request queue is idle; Node 24
// clamps it to 1 ms (harmless) but prints a TimeoutNegativeWarning per client. The flag is
// inherited by the runner's per-file child processes.
const result = spawnSync(process.execPath, ['--disable-warning=TimeoutNegativeWarning', '--test', '--test-reporter=spec', ...(args.length > 0 ? args : ['test/**/*.test.ts'])], { stdio: 'inherit' });

// Locally the broker stays up so that the next run starts in no time; CI leaves nothing
// running. Its output is swallowed so that the runner's summary stays the last thing printed.
if (process.env['CI'] === 'true') {
  const stop = spawnSync('bash', ['scripts/kafka.sh', 'stop'], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (stop.status !== 0) process.stderr.write(`npm test: stopping Kafka failed:\n${stop.stdout}${stop.stderr}`);
}
process.exit(result.status ?? 1);
