// Logpush routes that Cloudflare's SDKs call but sluice does not offer. They answer like any
// path without a route (404, code 1003), but with a sentence that names the feature, so an SDK
// user reads "not offered by sluice" instead of a bare "no route" that looks like a wrong base URL.

import { API_PREFIX } from './routes.ts';

const NOT_OFFERED: ReadonlyArray<{ path: RegExp; message: string }> = [
  {
    // client.logpush.edge.create/get: POST/GET /zones/{zone_id}/logpush/edge/jobs (older SDKs: …/logpush/edge).
    path: /^\/zones\/[^/]+\/logpush\/edge(\/.*)?$/,
    message: 'Instant Logs (logpush/edge) is not offered by sluice: it streams a live sample of a zone\'s requests from Cloudflare\'s edge; create a Logpush job (logpush/jobs) instead',
  },
  {
    // client.logpush.transformers.*: /accounts/{account_id}/logpush/transformers[/{id}[/content|/versions]|/preview].
    path: /^\/(accounts|zones)\/[^/]+\/logpush\/transformers(\/.*)?$/,
    message: 'Logpush transformers (logpush/transformers) are not offered by sluice: select and shape records with a job\'s filter and output_options instead',
  },
];

/** Why sluice refuses this request path (as received, with or without /client/v4), or null when it names no such feature. */
export function notOfferedRoute(rawPath: string): string | null {
  const path = rawPath === API_PREFIX || rawPath.startsWith(`${API_PREFIX}/`) ? rawPath.slice(API_PREFIX.length) : rawPath;
  return NOT_OFFERED.find((entry) => entry.path.test(path))?.message ?? null;
}
