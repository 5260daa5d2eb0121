// The readiness wait shared by every test service (Kafka in scripts/kafka/ready-check.ts; S3 and
// Toxiproxy in scripts/services/ready-check.ts): a cheap TCP gate, and a poll loop with a
// deadline that gives up at once when the server process it waits for is gone. Each service
// supplies only its own "does it answer?" check.

import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type ReadyResult = { ready: true; elapsedMs: number } | { ready: false; reason: string };
export type ServiceCheck = (hostPort: string) => Promise<ReadyResult>;

export type WaitOptions = {
  timeoutMs: number;
  /** Give up as soon as this process is gone. */
  pid?: number;
  /** Pause between checks (default 100 ms). */
  pollIntervalMs?: number;
  /** What the pid is called in the "exited" reason (default 'server'). */
  processNoun?: string;
};

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

/**
 * A plain TCP connect before the real check: while the port is closed there is no point
 * building a client (and its own retry loop) at all. Returns why it is not open, or undefined.
 */
export async function portOpen(hostPort: string): Promise<string | undefined> {
  const [host, portText] = hostPort.split(':');
  const port = Number(portText);
  if (host === undefined || !Number.isInteger(port)) return `not a host:port: ${hostPort}`;
  if (!(await tcpAccepts(host, port, 1000))) return `nothing accepts connections on ${hostPort}`;
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls `check` until the service is ready or the deadline passes. With `pid`, gives up at once
 * when that process is gone: a server that died while starting will never answer, and waiting
 * out the deadline would only hide the failure.
 */
export async function waitForService(check: ServiceCheck, hostPort: string, options: WaitOptions): Promise<ReadyResult> {
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const processNoun = options.processNoun ?? 'server';
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let reason = 'deadline passed before the first check';
  while (Date.now() < deadline) {
    if (options.pid !== undefined && !isAlive(options.pid)) return { ready: false, reason: `${processNoun} process ${options.pid} exited` };
    const result = await check(hostPort);
    if (result.ready) return { ready: true, elapsedMs: Date.now() - started };
    reason = result.reason;
    await delay(pollIntervalMs); // poll interval between checks of the condition, not a wait for the result
  }
  return { ready: false, reason: `not ready after ${options.timeoutMs} ms: ${reason}` };
}
