// `npm test`: type-check, start the services the tests need, then run node's test runner over
// test/**/*.test.ts. The runner's own summary (tests/pass/fail) is the last thing printed.

import { spawn, spawnSync } from 'node:child_process';

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('npm test: type check failed\n');
  process.exit(tsc.status ?? 1);
}

// The integration tests need real servers on loopback: a Kafka broker (scripts/kafka.sh), an
// S3-compatible server (scripts/s3.sh, versitygw), Azurite for Azure Blob Storage
// (scripts/azurite.sh) and Toxiproxy for fault injection (scripts/toxiproxy.sh). Each script
// installs its server on first use (Kafka from Maven Central, Azurite with npm ci from its
// lockfile, the other two built with `go install`), starts it and waits until it answers; it
// prints one line ("…: started …" or "…: already running …"; more when it installs), and on
// failure the end of the server's log. They start side by side: the Go builds are CPU-bound
// and Kafka's install is mostly download. Tests never run against nothing: no server, no run.
const SERVICES = ['kafka', 's3', 'azurite', 'toxiproxy'] as const;

function runScript(service: string, command: string, output: 'inherit' | 'pipe'): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [`scripts/${service}.sh`, command], { stdio: ['ignore', output, output] });
    let captured = '';
    child.stdout?.on('data', (chunk: Buffer) => (captured += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (captured += chunk.toString()));
    child.on('close', (code) => resolve({ status: code ?? 1, output: captured }));
    child.on('error', (error) => resolve({ status: 1, output: String(error) }));
  });
}

const starts = await Promise.all(SERVICES.map(async (service) => ({ service, ...(await runScript(service, 'start', 'inherit')) })));
const failed = starts.filter((start) => start.status !== 0);
if (failed.length > 0) {
  process.stderr.write(`npm test: could not start ${failed.map((start) => start.service).join(', ')}; not running the tests\n`);
  process.exit(failed[0]!.status || 1);
}

const args = process.argv.slice(2);
// A test that never ends (one broken stop() did) must fail, not hang the whole suite:
// - --test-timeout is the default of every test and hook that declares no `timeout:` of its
//   own. Hooks (before/after) get it even inside a suite that declares a longer one, so it must
//   exceed the longest suite: the slowest integration suites declare 240–300 s
//   (test/integration/kafka-source, kafka-parking, kafka-dead-letter-limits, api-schemathesis),
//   and a hook inside one can take nearly all of it. 360 s leaves a fifth in hand.
// - --test-force-exit ends a file once its tests have finished (or timed out): a timed-out test
//   whose code still holds a socket or timer would otherwise keep its process, and the
//   suite, alive forever; the timeout alone only marks it failed.
const TEST_TIMEOUT_MS = 360_000;
// kafkajs 2.2.4 calls setTimeout with a negative delay when its request queue is idle; Node 24
// clamps it to 1 ms (harmless) but prints a TimeoutNegativeWarning per client. The flags are
// inherited by the runner's per-file child processes.
const result = spawnSync(process.execPath, [
  '--disable-warning=TimeoutNegativeWarning', '--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-force-exit',
  ...(args.length > 0 ? args : ['test/**/*.test.ts']),
], { stdio: 'inherit' });

// Locally the servers stay up so that the next run starts in no time; CI leaves nothing
// running. Their output is swallowed so that the runner's summary stays the last thing printed.
if (process.env['CI'] === 'true') {
  for (const service of SERVICES) {
    const stop = await runScript(service, 'stop', 'pipe');
    if (stop.status !== 0) process.stderr.write(`npm test: stopping ${service} failed:\n${stop.output}`);
  }
}
process.exit(result.status ?? 1);
