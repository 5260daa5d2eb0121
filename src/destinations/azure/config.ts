// Azure Blob Storage settings from destination_conf, checked once when the destination is built
// so that a typo fails loudly instead of being ignored.
//
// Logpush documents the conf as the container's SAS URL with https replaced by azure, with an
// optional directory before the query string:
//   azure://<account>.blob.core.windows.net/<container>/<dir>/{DATE}?sv=…&se=…&sp=…&sig=…
// The host says where the account lives (sovereign clouds have their own suffix, e.g.
// .blob.core.usgovcloudapi.net). sluice also takes the container as the authority with an
// explicit service URL, for Azurite and for stores behind a proxy:
//   azure://<container>/<dir>?<SAS>&endpoint=http://127.0.0.1:10000/devstoreaccount1
// endpoint is the account's blob service URL (Azurite and IP-style URLs put the account in the
// path). Plain http only to loopback: a SAS in the query crosses the wire in the URL. Like every
// destination host, it is checked by the network policy when a job is written and at connect.
//
// Every query parameter but sluice's own (endpoint, block-size, blocks-in-flight,
// content-encoding) is part of the SAS token and is sent as given. sig is the secret:
// redactDestinationConf replaces it (isSecretParam matches "sig").

import { DeliveryError } from '../destination.ts';
import { isLoopbackHost, isSecretParam, parseDestinationConf, redactDestinationConf } from '../destination-conf.ts';
import { integerParam } from '../s3/config.ts';

export const MIN_BLOCK_SIZE = 64 * 1024;
/** Azure's largest block (service version 2019-12-12 and later). */
export const MAX_BLOCK_SIZE = 4000 * 1024 * 1024;
export const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;
export const DEFAULT_BLOCKS_IN_FLIGHT = 4;
export const MAX_BLOCKS_IN_FLIGHT = 32;

export interface AzureDestinationConfig {
  /** The account's blob service URL without a trailing '/', e.g. https://acct.blob.core.windows.net. Never holds secrets. */
  serviceUrl: string;
  container: string;
  /** Blob name prefix template without leading or trailing '/'; may contain {DATE}. '' = container root. */
  pathTemplate: string;
  /** The SAS token as a query string (without '?'). Secret: never log it. */
  sas: string;
  /** Values no message may contain (the signature). */
  secrets: string[];
  blockSize: number;
  blocksInFlight: number;
  /** Set Content-Encoding for gzip/zstd blobs (same decision as object storage: s3/headers.ts). */
  contentEncoding: boolean;
  /** destination_conf with the signature replaced, for messages. */
  redactedConf: string;
}

const SLUICE_PARAMS = new Set(['endpoint', 'block-size', 'blocks-in-flight', 'content-encoding']);
/** Query parameters a service or account SAS may carry (Azure's "Create a service SAS" and "account SAS"). */
const SAS_PARAMS = new Set([
  'sv', 'ss', 'srt', 'sp', 'se', 'st', 'spr', 'sip', 'sig', 'sr', 'si', 'sdd', 'ses',
  'skoid', 'sktid', 'skt', 'ske', 'sks', 'skv', 'saoid', 'suoid', 'scid', 'rscc', 'rscd', 'rsce', 'rscl', 'rsct',
]);
// Azure's container rules: 3–63 characters, lowercase letters, digits and single hyphens.
const CONTAINER = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;
// The SAS URL's host: <account>.blob.<cloud suffix>[:port].
const ACCOUNT_HOST = /^([a-z0-9]{3,24})\.blob\.[a-z0-9.-]+[a-z0-9](?::\d{1,5})?$/;

/** Parses an azure: destination_conf; throws a non-retryable ERR_DESTINATION_CONF naming what to fix. */
export function azureConfigFrom(conf: string): AzureDestinationConfig {
  const parsed = parseDestinationConf(conf);
  const redactedConf = redactDestinationConf(conf);
  const fail = (why: string): never => {
    throw new DeliveryError('ERR_DESTINATION_CONF', `destination_conf ${redactedConf}: ${why}`, false);
  };
  if (parsed.scheme !== 'azure') return fail(`an Azure Blob Storage destination needs azure://, got ${parsed.scheme}://`);
  const { params } = parsed;
  const authority = parsed.authority.toLowerCase();
  const segments = parsed.pathTemplate.split('/').filter((segment) => segment !== '');

  let serviceUrl: string;
  let container: string;
  const endpoint = params['endpoint'];
  if (authority.includes('.') || authority.includes(':')) {
    if (!ACCOUNT_HOST.test(authority)) fail('the part after azure:// must be the SAS URL\'s host, <account>.blob.core.windows.net (or a container name together with endpoint=)');
    if (endpoint !== undefined) fail('parameter endpoint is for azure://<container>/…; the account host after azure:// already says where the account is');
    serviceUrl = `https://${authority}`;
    container = segments.shift() ?? fail('the container is missing: write azure://<account>.blob.core.windows.net/<container>/<dir>?<SAS token>');
  } else {
    if (endpoint === undefined) fail('write the SAS URL with https replaced by azure (azure://<account>.blob.core.windows.net/<container>/<dir>?<SAS token>), or give endpoint= with the account\'s blob service URL');
    serviceUrl = serviceUrlFrom(endpoint!, fail);
    container = authority;
  }
  if (!CONTAINER.test(container)) fail(`"${container.slice(0, 64)}" is not a valid container name (3–63 characters: lowercase letters, digits, single hyphens)`);

  const sasParts: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (SLUICE_PARAMS.has(name)) continue;
    if (!SAS_PARAMS.has(name)) {
      const shown = /^[a-z_-]{1,32}$/.test(name) && !isSecretParam(name) ? `"${name}"` : '(name not shown: it may hold a secret)';
      fail(`unknown query parameter ${shown} for azure://; the query string is the SAS token (sv, sp, se, sig, …) plus endpoint, block-size, blocks-in-flight, content-encoding`);
    }
    // The parser reads '+' as a space; base64 (the signature) has no spaces, so a '+' written
    // unescaped is restored.
    sasParts.push(`${name}=${encodeURIComponent(name === 'sig' ? value.replaceAll(' ', '+') : value)}`);
  }
  const signature = params['sig'];
  if (signature === undefined || signature === '' || params['sv'] === undefined) {
    fail('the SAS token is missing: append the SAS URL\'s query string (sv=…&sp=…&se=…&sig=…) after "?"');
  }
  // Logpush refuses account SAS tokens for other services or resource types with these words.
  if (params['ss'] !== undefined && params['ss'] !== 'b') fail('signedServices must be Blob only (ss=b)');
  if (params['srt'] !== undefined && params['srt'] !== 'o') fail('signedResourceTypes must be Object only (srt=o)');

  const contentEncoding = params['content-encoding'] ?? 'auto';
  if (contentEncoding !== 'auto' && contentEncoding !== 'none') fail('parameter content-encoding must be auto or none');
  return {
    serviceUrl,
    container,
    pathTemplate: segments.join('/'),
    sas: sasParts.join('&'),
    secrets: [signature!, signature!.replaceAll(' ', '+'), encodeURIComponent(signature!.replaceAll(' ', '+'))],
    blockSize: integerParam(params, 'block-size', DEFAULT_BLOCK_SIZE, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE, fail),
    blocksInFlight: integerParam(params, 'blocks-in-flight', DEFAULT_BLOCKS_IN_FLIGHT, 1, MAX_BLOCKS_IN_FLIGHT, fail),
    contentEncoding: contentEncoding === 'auto',
    redactedConf,
  };
}

/**
 * The host an azure: conf connects to (for the API's network check), or null when the conf
 * does not parse (the syntax check reports that).
 */
export function azureServiceHost(conf: string): string | null {
  try {
    return new URL(azureConfigFrom(conf).serviceUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

function serviceUrlFrom(value: string, fail: (why: string) => never): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('parameter endpoint must be the account\'s blob service URL, e.g. https://account.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('parameter endpoint must start with https://');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) fail('parameter endpoint may use plain http:// only for a loopback host (the SAS travels in the URL); use https://');
  if (url.username !== '' || url.password !== '') fail('parameter endpoint must not carry credentials; the SAS token authorises');
  if (url.search !== '' || url.hash !== '') fail('parameter endpoint must be scheme://host[:port][/account]; the SAS token goes in destination_conf\'s own query string');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
