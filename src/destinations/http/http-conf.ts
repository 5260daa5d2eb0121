// destination_conf for HTTP destinations (https://, http:// on loopback, splunk://, datadog://,
// sumo://, sentinelone://, ibmcl://, and New Relic's https:// form)
// resolved into what a request needs: the origin, the path with the query parameters that stay
// on the URL, the headers (every header_<Name>=<value>), and the secrets to scrub from any
// message. The URL grammar itself is parsed by ../destination-conf.ts; this file adds the
// per-scheme rules and names the part that is wrong. No message ever contains a header value.

import { DeliveryError } from '../destination.ts';
import { isLoopbackHost, isSecretParam, parseDestinationConf, redactDestinationConf } from '../destination-conf.ts';
import { ibmCloudLogsRules, isNewRelic, newRelicRules, sentinelOneRules, sumoRules, type VendorConf } from './vendor-conf.ts';

export type HttpKind = 'generic' | 'splunk' | 'datadog' | 'sumo' | 'newrelic' | 'sentinelone' | 'ibmcl';

/** Fields every Datadog log entry carries, from the conf's query (null = not given). */
export interface DatadogFields {
  ddsource: string | null;
  service: string | null;
  hostname: string | null;
  ddtags: string | null;
}

export interface HttpTarget {
  kind: HttpKind;
  /** scheme://host[:port], what the connection pool is bound to. */
  origin: string;
  /** Path plus the query parameters that stay on the URL, as sent. */
  path: string;
  /** header_* parameters (and the scheme's own headers). Secret: never log. */
  headers: Record<string, string>;
  /** Header values and tokens that must never appear in a message (response snippets are scrubbed). */
  secrets: string[];
  /** false when splunk://…&insecure-skip-verify=true (or the same on sentinelone://). */
  rejectUnauthorized: boolean;
  /** destination_conf with secrets replaced, for messages. */
  redacted: string;
  datadog: DatadogFields | null;
  /** ibmcl://: the IBM Cloud API key traded for IAM tokens. Secret: never log. */
  ibmApiKey: string | null;
}

export interface ResolveOptions {
  /**
   * Send the vendor schemes (splunk://, datadog://, sumo://, sentinelone://, ibmcl://) over plain HTTP.
   * Tests only, and only honoured for loopback hosts (a local receiving server stands in for
   * the vendor).
   */
  plainHttpOnLoopback?: boolean;
}

export const SPLUNK_RAW_PATH = '/services/collector/raw';
export const DATADOG_LOGS_PATH = '/api/v2/logs';

const HEADER_PREFIX = 'header_';
// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
// Headers that frame the request or the connection: sluice sets them, a conf must not.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'idempotency-key']);
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?|\[[0-9A-Fa-f:.]+\])$/;
const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** Throws a non-retryable DeliveryError ERR_DESTINATION_CONF naming the wrong part; never echoes a secret. */
export function resolveHttpTarget(conf: string, options: ResolveOptions = {}): HttpTarget {
  const parsed = parseDestinationConf(conf);
  const redacted = redactDestinationConf(conf);
  const fail = (why: string): never => {
    throw new DeliveryError('ERR_DESTINATION_CONF', `destination_conf ${redacted}: ${why}`, false);
  };
  if (!('host' in parsed)) {
    return fail(`not an HTTP destination (scheme ${parsed.scheme}:)`);
  }
  const { scheme, params } = parsed;
  const colon = parsed.host.startsWith('[') ? parsed.host.indexOf(']') + 1 : parsed.host.indexOf(':');
  const host = colon <= 0 ? parsed.host.toLowerCase() : parsed.host.slice(0, colon).toLowerCase();
  const port = colon <= 0 ? '' : parsed.host.slice(colon);
  if (!HOST.test(host)) fail('the host name is not valid');
  if (port !== '' && !/^:\d{1,5}$/.test(port)) fail('the port must be a number after the host, e.g. host:8088');
  if (port !== '' && (Number(port.slice(1)) < 1 || Number(port.slice(1)) > 65535)) fail('the port must be between 1 and 65535');
  if (parsed.path.includes(' ')) fail('the path contains a space; escape it as %20');

  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (!name.toLowerCase().startsWith(HEADER_PREFIX)) {
      query[name] = value;
      continue;
    }
    const headerName = name.slice(HEADER_PREFIX.length);
    if (!HEADER_NAME.test(headerName)) fail('a header_ parameter has an empty or invalid header name (letters, digits and -_.!#$%&\'*+^`|~ only)');
    if (RESERVED_HEADERS.has(headerName.toLowerCase())) fail(`header_${headerName} cannot be set: sluice sets ${headerName} itself`);
    if (/[\r\n\0]/.test(value)) fail(`the value of header_${headerName} contains a line break or NUL`);
    headers[headerName] = value;
    addSecret(secrets, value);
  }
  if (parsed.userinfo !== null) {
    addSecret(secrets, parsed.userinfo);
    for (const part of parsed.userinfo.split(':')) addSecret(secrets, part);
    // user:password@host is HTTP Basic authentication, unless an explicit header says otherwise.
    if (findHeader(headers, 'authorization') === undefined) headers.Authorization = `Basic ${Buffer.from(parsed.userinfo).toString('base64')}`;
    addSecret(secrets, headers.Authorization ?? '');
  }
  for (const [name, value] of Object.entries(query)) if (isSecretParam(name)) addSecret(secrets, value);

  let kind: HttpKind = 'generic';
  let rejectUnauthorized = true;
  let path = parsed.path;
  let datadog: DatadogFields | null = null;
  let ibmApiKey: string | null = null;
  let transport: 'https' | 'http' = scheme === 'http' ? 'http' : 'https';
  if (scheme !== 'https' && options.plainHttpOnLoopback && isLoopbackHost(host)) transport = 'http';
  const vendor: VendorConf = {
    path,
    query,
    headers,
    fail,
    addSecret: (value) => addSecret(secrets, value),
    findHeader: (lowerName) => findHeader(headers, lowerName),
  };

  if (scheme === 'splunk') {
    kind = 'splunk';
    if (path === '/') path = SPLUNK_RAW_PATH;
    if (/\/services\/collector(\/event)?(\/1\.0)?\/?$/.test(path)) fail(`the path must be the HEC raw endpoint ${SPLUNK_RAW_PATH} (the event endpoint expects JSON envelopes)`);
    rejectUnauthorized = insecureSkipVerify(query, fail);
    const channel = query.channel;
    if (channel === undefined || channel === '') fail('splunk: destinations need channel=<GUID> (the HEC data channel)');
    if (!GUID.test(channel!)) fail('channel must be a GUID like 0e7b4c4e-1f2a-4b3c-9d8e-123456789abc');
    headers['X-Splunk-Request-Channel'] = channel!;
    if (findHeader(headers, 'authorization') === undefined) fail('splunk: destinations need header_Authorization=Splunk%20<HEC token>');
  } else if (scheme === 'sumo') {
    kind = 'sumo';
    path = sumoRules(vendor);
  } else if (scheme === 'sentinelone') {
    kind = 'sentinelone';
    path = sentinelOneRules(vendor);
    rejectUnauthorized = insecureSkipVerify(query, fail);
  } else if (scheme === 'ibmcl') {
    kind = 'ibmcl';
    ({ path, apiKey: ibmApiKey } = ibmCloudLogsRules(vendor));
  } else if ((scheme === 'https' || scheme === 'http') && isNewRelic(host, path, query)) {
    kind = 'newrelic';
    path = newRelicRules(vendor);
  } else if (scheme === 'datadog') {
    kind = 'datadog';
    if (path === '/') path = DATADOG_LOGS_PATH;
    datadog = { ddsource: take(query, 'ddsource'), service: take(query, 'service'), hostname: take(query, 'host'), ddtags: take(query, 'ddtags') };
    if (findHeader(headers, 'dd-api-key') === undefined && query['dd-api-key'] === undefined) {
      fail('datadog: destinations need header_DD-API-KEY=<API key>');
    }
  }

  const search = Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  return {
    kind,
    origin: `${transport}://${host}${port}`,
    path: search === '' ? path : `${path}?${search}`,
    headers,
    secrets,
    rejectUnauthorized,
    redacted,
    datadog,
    ibmApiKey,
  };
}

export function findHeader(headers: Record<string, string>, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

/** Reads and removes insecure-skip-verify (HEC endpoints often have self-signed certificates); true = verify. */
function insecureSkipVerify(query: Record<string, string>, fail: (why: string) => never): boolean {
  const skip = query['insecure-skip-verify'];
  delete query['insecure-skip-verify'];
  if (skip !== undefined && skip !== 'true' && skip !== 'false') fail('insecure-skip-verify must be true or false');
  return skip !== 'true';
}

function take(query: Record<string, string>, name: string): string | null {
  const value = query[name];
  delete query[name];
  return value === undefined ? null : value;
}

/**
 * Remembers a secret and its parts: "Splunk <token>" or "Bearer <token>" may be echoed back
 * by a server as the bare token. Short pieces (the scheme word, under 8 characters) are not.
 */
function addSecret(secrets: string[], value: string): void {
  const pieces = value.split(/\s+/).filter((piece) => piece.length >= 8);
  for (const piece of [value, ...pieces]) {
    if (piece.length > 0 && !secrets.includes(piece)) secrets.push(piece);
  }
  // Longest first, so scrubbing replaces a whole value before any part of it.
  secrets.sort((a, b) => b.length - a.length);
}
