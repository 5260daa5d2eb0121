// The destination_conf rules of the HTTP-based vendors Logpush documents beyond Splunk and
// Datadog (https://developers.cloudflare.com/logs/logpush/logpush-job/enable-destinations/):
//
// - Sumo Logic: `sumo://<endpoint>/receiver/v1/http/<code>`, the HTTP source URL with https
//   replaced by sumo. The URL is the credential (Sumo has no other authentication).
// - New Relic: `https://log-api.newrelic.com/log/v1?Api-Key=<license key>&format=cloudflare`
//   (EU: log-api.eu.newrelic.com). The key moves from the query to a header, which New Relic
//   accepts as well, so it never sits in a request line a proxy may log.
// - SentinelOne: `sentinelone://<host>/services/collector/raw?sourcetype=…&header_Authorization=…`,
//   a HEC raw endpoint like Splunk's, without the data channel.
// - IBM Cloud Logs: `ibmcl://<instance>.ingress.<region>.logs.cloud.ibm.com/logs/v1/singles?ibm_api_key=…`;
//   the key is traded for an IAM token (ibm-iam.ts). The job's output_options make the body the
//   JSON array the endpoint reads (the docs' batch_prefix "[", record_prefix …).
//
// Elastic (Elastic Agent's HTTP endpoint input) and IBM QRadar (HTTP Receiver log source) are
// documented as plain https:// destinations and need nothing beyond the generic rules.

/** What a vendor rule may read and change while http-conf.ts resolves a conf. */
export interface VendorConf {
  path: string;
  /** Query parameters that stay on the URL; a rule removes the ones it consumes. */
  query: Record<string, string>;
  headers: Record<string, string>;
  fail: (why: string) => never;
  addSecret: (value: string) => void;
  findHeader: (lowerName: string) => string | undefined;
}

export const SUMO_PATH_PREFIX = '/receiver/v1/http/';
export const NEW_RELIC_LOGS_PATH = '/log/v1';
export const SENTINELONE_RAW_PATH = '/services/collector/raw';

/** Returns the request path. */
export function sumoRules(conf: VendorConf): string {
  if (!conf.path.startsWith(SUMO_PATH_PREFIX) || conf.path.length === SUMO_PATH_PREFIX.length) {
    conf.fail(`the path must be the HTTP source's ${SUMO_PATH_PREFIX}<code>: copy the HTTP Source Address from Sumo Logic and replace https:// with sumo://`);
  }
  const code = conf.path.slice(SUMO_PATH_PREFIX.length);
  if (code.includes('/')) conf.fail(`the path must end with the source code after ${SUMO_PATH_PREFIX} (no further /)`);
  conf.addSecret(code);
  return conf.path;
}

/** New Relic's US, EU and FedRAMP log endpoints, and sluice's test stand-ins. */
export function isNewRelic(host: string, path: string, query: Record<string, string>): boolean {
  if (/(?:^|\.)newrelic\.com$/.test(host)) return true;
  // A receiver on another host (a proxy, a test server) is New Relic when the conf is shaped
  // exactly like the documented one.
  return path === NEW_RELIC_LOGS_PATH && query.format === 'cloudflare';
}

// Query names New Relic reads the key from, and the header each becomes.
const NEW_RELIC_KEYS: ReadonlyArray<[query: string, header: string]> = [
  ['api-key', 'Api-Key'],
  ['license-key', 'X-License-Key'],
  ['x-license-key', 'X-License-Key'],
];

/** Returns the request path. */
export function newRelicRules(conf: VendorConf): string {
  if (conf.path !== NEW_RELIC_LOGS_PATH) conf.fail(`New Relic's log endpoint is ${NEW_RELIC_LOGS_PATH} (e.g. https://log-api.newrelic.com/log/v1?Api-Key=…&format=cloudflare)`);
  for (const name of Object.keys(conf.query)) {
    const header = NEW_RELIC_KEYS.find(([query]) => query === name.toLowerCase())?.[1];
    if (header === undefined) continue;
    const value = conf.query[name]!;
    delete conf.query[name];
    if (value === '') conf.fail(`${name} is empty; give the New Relic license key`);
    if (/[\r\n\0]/.test(value)) conf.fail(`the value of ${name} contains a line break or NUL`);
    conf.headers[header] = value;
    conf.addSecret(value);
  }
  if (conf.findHeader('api-key') === undefined && conf.findHeader('x-license-key') === undefined) {
    conf.fail('New Relic destinations need Api-Key=<license key> (or header_Api-Key)');
  }
  if (conf.query.format !== undefined && conf.query.format !== 'cloudflare') conf.fail('format must be cloudflare (New Relic parses the records as Cloudflare logs)');
  return conf.path;
}

/** Returns the request path. */
export function sentinelOneRules(conf: VendorConf): string {
  const path = conf.path === '/' ? SENTINELONE_RAW_PATH : conf.path;
  if (path !== SENTINELONE_RAW_PATH) conf.fail(`the path must be the HEC raw endpoint ${SENTINELONE_RAW_PATH}`);
  if (conf.findHeader('authorization') === undefined) conf.fail('sentinelone: destinations need header_Authorization=Bearer%20<token>');
  return path;
}

export const IBM_CLOUD_LOGS_PATH = '/logs/v1/singles';

/** Returns the request path and the API key (removed from the query: it never goes to the ingress). */
export function ibmCloudLogsRules(conf: VendorConf): { path: string; apiKey: string } {
  const path = conf.path === '/' ? IBM_CLOUD_LOGS_PATH : conf.path;
  if (path !== IBM_CLOUD_LOGS_PATH) conf.fail(`the path must be IBM Cloud Logs' ${IBM_CLOUD_LOGS_PATH}`);
  const apiKey = conf.query.ibm_api_key;
  delete conf.query.ibm_api_key;
  if (apiKey === undefined || apiKey === '') conf.fail('ibmcl: destinations need ibm_api_key=<IBM Cloud API key>');
  conf.addSecret(apiKey!);
  return { path, apiKey: apiKey! };
}
