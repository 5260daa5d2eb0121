// A small client for the Toxiproxy that scripts/toxiproxy.sh runs on loopback, for
// fault-injection tests: put a proxy between sluice and a real server (createProxy), then
// cut, slow or reset its connections (addToxic, disableProxy) and heal them again.
//
// Tests name their proxies with uniqueProxyName() and delete them when done; listen on
// '127.0.0.1:0' to let Toxiproxy pick a free port (the returned proxy has the real one).
// Proxies listen on loopback only: createProxy refuses any other address.

import { checkToxiproxyOnce } from '../../scripts/services/ready-check.ts';
import { ServiceStarter } from './service-script.ts';

/** API port; scripts/toxiproxy.sh reads the same variable. */
export const TOXIPROXY_PORT = Number(process.env['SLUICE_TOXIPROXY_PORT'] ?? 38474);
const API_HOST_PORT = `127.0.0.1:${TOXIPROXY_PORT}`;
export const TOXIPROXY_API = `http://${API_HOST_PORT}`;

export class ToxiproxyError extends Error {
  readonly code = 'ERR_TOXIPROXY_API';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'ToxiproxyError';
    this.status = status;
  }
}

const starter = new ServiceStarter('toxiproxy.sh', () => checkToxiproxyOnce(API_HOST_PORT));

/** Resolves once the API answers, starting Toxiproxy with scripts/toxiproxy.sh if not. */
export async function ensureToxiproxy(): Promise<{ api: string }> {
  await starter.ensure();
  return { api: TOXIPROXY_API };
}

export type ToxiProxy = { name: string; listen: string; upstream: string; enabled: boolean };

/** The toxics this client knows; attributes are Toxiproxy's (all numbers). */
export type ToxicType = 'latency' | 'reset_peer' | 'timeout' | 'limit_data' | 'bandwidth' | 'slow_close' | 'slicer';
export type Toxic = {
  type: ToxicType;
  /** Defaults to `<type>_<stream>` (Toxiproxy's own default), unique per proxy. */
  name?: string;
  /** Direction: 'downstream' (server → client, the default) or 'upstream' (client → server). */
  stream?: 'upstream' | 'downstream';
  /** Fraction of connections affected, 0..1 (default 1). */
  toxicity?: number;
  /**
   * latency: { latency: ms, jitter: ms }; reset_peer: { timeout: ms before the RST };
   * timeout: { timeout: ms, 0 = hold forever }; limit_data: { bytes }; bandwidth: { rate: KB/s };
   * slow_close: { delay: ms }; slicer: { average_size, size_variation, delay: µs }.
   */
  attributes?: Record<string, number>;
};

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(`${TOXIPROXY_API}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new ToxiproxyError(`toxiproxy ${method} ${path}: HTTP ${response.status}: ${text.trim()}`, response.status);
  return (text.length > 0 ? JSON.parse(text) : undefined) as T;
}

function nameOf(proxy: string | ToxiProxy): string {
  return encodeURIComponent(typeof proxy === 'string' ? proxy : proxy.name);
}

function isLoopback(hostPort: string): boolean {
  const host = hostPort.slice(0, hostPort.lastIndexOf(':'));
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

let proxyCounter = 0;

/** A proxy name no other test uses (Toxiproxy's names are global to the server). */
export function uniqueProxyName(prefix: string): string {
  return `${prefix.replace(/[^a-zA-Z0-9_-]/g, '-')}-${process.pid}-${Date.now().toString(36)}-${++proxyCounter}`;
}

/**
 * Creates an enabled proxy `listen` → `upstream` (both host:port on loopback). With port 0
 * Toxiproxy picks a free port; the returned `listen` is the address it really listens on.
 */
export async function createProxy(name: string, listen: string, upstream: string): Promise<ToxiProxy> {
  if (!isLoopback(listen) || !isLoopback(upstream)) throw new ToxiproxyError(`proxy ${name}: listen and upstream must be loopback host:port (got ${listen} → ${upstream})`, 0);
  await ensureToxiproxy();
  return call<ToxiProxy>('POST', '/proxies', { name, listen, upstream, enabled: true });
}

export async function getProxy(proxy: string | ToxiProxy): Promise<ToxiProxy> {
  return call<ToxiProxy>('GET', `/proxies/${nameOf(proxy)}`);
}

/** Adds a toxic and returns its name (for removeToxic). */
export async function addToxic(proxy: string | ToxiProxy, toxic: Toxic): Promise<string> {
  const stream = toxic.stream ?? 'downstream';
  const created = await call<{ name: string }>('POST', `/proxies/${nameOf(proxy)}/toxics`, {
    name: toxic.name ?? `${toxic.type}_${stream}`,
    type: toxic.type,
    stream,
    toxicity: toxic.toxicity ?? 1,
    attributes: toxic.attributes ?? {},
  });
  return created.name;
}

export async function removeToxic(proxy: string | ToxiProxy, toxicName: string): Promise<void> {
  await call('DELETE', `/proxies/${nameOf(proxy)}/toxics/${encodeURIComponent(toxicName)}`);
}

/** Closes the listener and every open connection through the proxy; new ones are refused. */
export async function disableProxy(proxy: string | ToxiProxy): Promise<void> {
  await call('POST', `/proxies/${nameOf(proxy)}`, { enabled: false });
}

/** Listens again, on the same address. */
export async function enableProxy(proxy: string | ToxiProxy): Promise<void> {
  await call('POST', `/proxies/${nameOf(proxy)}`, { enabled: true });
}

/** Deletes the proxy (closing its connections). A proxy that is already gone is not an error. */
export async function deleteProxy(proxy: string | ToxiProxy): Promise<void> {
  try {
    await call('DELETE', `/proxies/${nameOf(proxy)}`);
  } catch (error) {
    if (!(error instanceof ToxiproxyError && error.status === 404)) throw error;
  }
}
