// Are the test S3 server and Toxiproxy usable — not merely listening? S3: a signed ListBuckets
// with the test account succeeds (so a foreign S3 server with other credentials does not pass
// for ours). Toxiproxy: GET /version answers 200. Used by scripts/services/wait-ready.ts (the
// shell scripts' readiness wait) and by the test helpers' "is it up already?" check.

import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { S3_TEST_ACCESS_KEY_ID, S3_TEST_REGION, S3_TEST_SECRET_ACCESS_KEY } from './test-account.ts';

export type ReadyResult = { ready: true; elapsedMs: number } | { ready: false; reason: string };
export type ServiceCheck = (hostPort: string) => Promise<ReadyResult>;

// A plain TCP connect first: while the port is closed there is no point building a client.
function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function portOpen(hostPort: string): Promise<string | undefined> {
  const [host, portText] = hostPort.split(':');
  const port = Number(portText);
  if (host === undefined || !Number.isInteger(port)) return `not a host:port: ${hostPort}`;
  if (!(await tcpAccepts(host, port, 1000))) return `nothing accepts connections on ${hostPort}`;
  return undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`;
}

export const checkS3Once: ServiceCheck = async (hostPort) => {
  const closed = await portOpen(hostPort);
  if (closed !== undefined) return { ready: false, reason: closed };
  // maxAttempts 1: the caller's loop is the retry policy.
  const client = new S3Client({
    endpoint: `http://${hostPort}`,
    region: S3_TEST_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_TEST_ACCESS_KEY_ID, secretAccessKey: S3_TEST_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  try {
    await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(5000) });
    return { ready: true, elapsedMs: 0 };
  } catch (error) {
    return { ready: false, reason: `ListBuckets with the test account failed: ${describe(error)}` };
  } finally {
    client.destroy();
  }
};

export const checkToxiproxyOnce: ServiceCheck = async (hostPort) => {
  const closed = await portOpen(hostPort);
  if (closed !== undefined) return { ready: false, reason: closed };
  try {
    const response = await fetch(`http://${hostPort}/version`, { signal: AbortSignal.timeout(5000) });
    const body = await response.text();
    if (response.status !== 200) return { ready: false, reason: `GET /version answered ${response.status}` };
    return body.includes('version') || /^v?\d/.test(body.trim()) ? { ready: true, elapsedMs: 0 } : { ready: false, reason: `GET /version answered something else: ${body.slice(0, 100)}` };
  } catch (error) {
    return { ready: false, reason: `GET /version failed: ${describe(error)}` };
  }
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls until the service is ready or the deadline passes. With `pid`, gives up at once when
 * that process is gone: a server that died while starting will never answer.
 */
export async function waitForService(check: ServiceCheck, hostPort: string, options: { timeoutMs: number; pid?: number }): Promise<ReadyResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let reason = 'deadline passed before the first check';
  while (Date.now() < deadline) {
    if (options.pid !== undefined && !isAlive(options.pid)) return { ready: false, reason: `server process ${options.pid} exited` };
    const result = await check(hostPort);
    if (result.ready) return { ready: true, elapsedMs: Date.now() - started };
    reason = result.reason;
    await delay(100); // poll interval between checks of the condition, not a wait for the result
  }
  return { ready: false, reason: `not ready after ${options.timeoutMs} ms: ${reason}` };
}
