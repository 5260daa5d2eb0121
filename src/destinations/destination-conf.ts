// destination_conf: parsing into a typed form, and redaction of its secrets.
//
// destination_conf carries credentials (secret-access-key, header_Authorization, URL userinfo,
// …). Everything that logs or reports a destination goes through redactDestinationConf
// (docs/architecture.md invariant 7). Parsing is done by hand rather than with `new URL` so the path keeps
// `{DATE}` as written and nothing is re-encoded.

import { isIP } from 'node:net';
import { DeliveryError } from './destination.ts';
import { addressClass } from './net/address-class.ts';

export type ObjectStorageScheme = 's3' | 'r2' | 'gs';
/** 'http' is accepted only for loopback hosts (tests against a local server): see isLoopbackHost. */
export type HttpScheme = 'https' | 'http' | 'splunk' | 'datadog' | 'sumo' | 'sentinelone' | 'ibmcl';

export type DestinationConf =
  | { scheme: 'file'; /** Absolute directory path; may contain {DATE}. */ pathTemplate: string }
  | {
      scheme: 'azure';
      /** The account host (<account>.blob.core.windows.net) or a container name, as written. */
      authority: string;
      /** Decoded path without leading slash; may contain {DATE}. azure/config.ts reads container and prefix from both. */
      pathTemplate: string;
      /** Decoded query parameters: the SAS token (sig is secret: never log this object). */
      params: Record<string, string>;
    }
  | {
      scheme: ObjectStorageScheme;
      bucket: string;
      /** Key prefix without leading slash; may contain {DATE}. */
      pathTemplate: string;
      /** Decoded query parameters (credentials included: never log this object). */
      params: Record<string, string>;
    }
  | {
      scheme: HttpScheme;
      /** host[:port] */
      host: string;
      path: string;
      /** Decoded query parameters, header_* included (never log this object). */
      params: Record<string, string>;
      /** Decoded `user:password` from the URL, or null. */
      userinfo: string | null;
    };

const URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/s;

/** Parses destination_conf; throws a non-retryable DeliveryError ERR_DESTINATION_CONF (redacted message). */
export function parseDestinationConf(conf: string): DestinationConf {
  const match = URL_SHAPE.exec(conf);
  const fail = (why: string): never => {
    throw new DeliveryError('ERR_DESTINATION_CONF', `destination_conf ${redactDestinationConf(conf)}: ${why}`, false);
  };
  if (!match) return fail('is not a URL of the form scheme://…; e.g. file:///var/log/sluice/{DATE}');
  const scheme = match[1]!.toLowerCase();
  let authority = match[2]!;
  const rawPath = match[3]!;
  const params = parseQuery(match[4] ?? '', fail);
  let userinfo: string | null = null;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    userinfo = decode(authority.slice(0, at), fail);
    authority = authority.slice(at + 1);
  }

  switch (scheme) {
    case 'file': {
      if (authority !== '' && authority.toLowerCase() !== 'localhost') return fail('a file: destination needs an absolute path, written file:///dir/{DATE} (three slashes)');
      if (match[4] !== undefined) return fail('a file: destination takes no query string');
      // Lenient like fileURLToPath: a stray '%' in a directory name is kept as written.
      const path = tryDecode(rawPath) ?? rawPath;
      if (!path.startsWith('/')) return fail('a file: destination needs an absolute path, written file:///dir/{DATE}');
      return { scheme: 'file', pathTemplate: path };
    }
    case 'azure': {
      if (authority === '') return fail('an azure: destination needs the account host (or a container name) after "azure://"');
      if (userinfo !== null) return fail('an azure: destination takes its SAS token as the query string, not before "@"');
      return { scheme, authority, pathTemplate: decode(rawPath, fail).replace(/^\/+/, ''), params };
    }
    case 's3':
    case 'r2':
    case 'gs': {
      if (authority === '') return fail(`a ${scheme}: destination needs a bucket name after "${scheme}://"`);
      // Credentials before '@' would be silently ignored (and look like a bucket name problem).
      if (userinfo !== null) return fail(`a ${scheme}: destination takes its credentials as access-key-id and secret-access-key query parameters, not before "@"`);
      return { scheme, bucket: authority, pathTemplate: decode(rawPath, fail).replace(/^\/+/, ''), params };
    }
    case 'https':
    case 'http':
    case 'splunk':
    case 'datadog':
    case 'sumo':
    case 'sentinelone':
    case 'ibmcl': {
      if (authority === '') return fail(`a ${scheme}: destination needs a host name after "${scheme}://"`);
      const plainHttpProblem = scheme === 'http' ? httpSchemeProblem(authority) : null;
      if (plainHttpProblem) return fail(plainHttpProblem);
      return { scheme, host: authority, path: rawPath === '' ? '/' : rawPath, params, userinfo };
    }
    default:
      return fail(`unsupported scheme "${scheme.slice(0, 32)}:"; use file, s3, r2, gs, https, splunk, datadog, sumo, sentinelone or ibmcl`);
  }
}

// ---- http: (loopback only) ----

/**
 * Plain http: is for tests against a local receiving server only: on any other host the
 * credentials in header_* parameters would cross the network in clear text.
 */
function httpSchemeProblem(authority: string): string | null {
  if (isLoopbackHost(hostOfAuthority(authority))) return null;
  return 'plain http:// is only allowed for loopback hosts (127.0.0.1, localhost, [::1]); use https://';
}

/** host[:port] or [v6][:port] → host (lower case, brackets kept for IPv6). */
export function hostOfAuthority(authority: string): string {
  const host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.replace(/:\d*$/, '');
  return host.toLowerCase();
}

/**
 * localhost, or a loopback IP literal in any form (127.x, [::1], [::ffff:127.0.0.1], …). Only
 * decides whether clear text is acceptable: loopback is still refused unless the operator's
 * network policy allows it (src/destinations/net/).
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(literal) !== 0 && addressClass(literal) === 'loopback';
}

function parseQuery(query: string, fail: (why: string) => never): Record<string, string> {
  const params: Record<string, string> = {};
  if (query === '') return params;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq), fail);
    params[key] = eq < 0 ? '' : decode(part.slice(eq + 1).replaceAll('+', ' '), fail);
  }
  return params;
}

function decode(text: string, fail: (why: string) => never): string {
  return tryDecode(text) ?? fail('has a malformed %-escape');
}

function tryDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

// ---- redaction ----

export const REDACTED = 'REDACTED';

/**
 * Whether a query parameter holds a credential. Deliberately broad: redacting a harmless
 * parameter costs a less useful log line, missing a secret costs a leaked credential.
 */
export function isSecretParam(name: string): boolean {
  const key = name.toLowerCase();
  return key.startsWith('header_') || /secret|token|passw|pwd|sig|key|auth|credential|session|cookie|private/.test(key);
}

/**
 * destination_conf with every secret replaced by REDACTED: URL userinfo, the values of secret
 * query parameters (see isSecretParam), any fragment, and — for HTTP schemes — path segments
 * that look like API keys (32+ characters of [A-Za-z0-9_-], as in Datadog's /v1/input/<key>).
 * Safe to log; never throws.
 */
export function redactDestinationConf(conf: string): string {
  const schemeEnd = conf.indexOf('://');
  const hasScheme = schemeEnd > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(conf.slice(0, schemeEnd));
  const start = hasScheme ? schemeEnd + 3 : 0;
  const queryAt = firstIndexOf(conf, '?', start);
  const hashAt = firstIndexOf(conf, '#', start);
  const beforeQueryEnd = Math.min(queryAt, hashAt);

  let head = conf.slice(0, beforeQueryEnd);
  if (hasScheme) head = conf.slice(0, start) + redactAuthority(conf.slice(start, beforeQueryEnd), conf.slice(0, schemeEnd).toLowerCase());
  let out = head;
  if (queryAt < hashAt) out += '?' + redactQuery(conf.slice(queryAt + 1, hashAt));
  if (hashAt < conf.length) out += '#' + REDACTED;
  return out;
}

function redactAuthority(rest: string, scheme: string): string {
  const slash = firstIndexOf(rest, '/', 0);
  const authority = rest.slice(0, slash);
  const at = rest.lastIndexOf('@');
  let hostAndPath = rest;
  // userinfo: an '@' in the authority, or a password containing '/' (then "user:pa" looks
  // like the authority and the '@' comes later).
  if (at >= 0 && (at < slash || /:(?!\d*$)/.test(authority))) hostAndPath = REDACTED + rest.slice(at);
  if (scheme === 'file' || scheme === 's3' || scheme === 'r2' || scheme === 'gs' || scheme === 'azure') return hostAndPath;
  // A Sumo Logic HTTP source URL is its own credential: everything after /receiver/v1/http/.
  if (scheme === 'sumo') hostAndPath = hostAndPath.replace(/(\/receiver\/v1\/http\/).+$/i, `$1${REDACTED}`);
  // Base64 keys may end in '=' padding.
  return hostAndPath.replace(/(?<=\/)[A-Za-z0-9_-]{32,}={0,2}(?=\/|$)/g, REDACTED);
}

function redactQuery(query: string): string {
  let afterSecret = false;
  const parts: string[] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      // A '&' inside a secret value splits it: the piece without '=' is still secret.
      if (afterSecret) continue;
      parts.push(part);
      continue;
    }
    let name = part.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep the raw name; a malformed escape is not a reason to leak
    }
    afterSecret = isSecretParam(name);
    parts.push(afterSecret ? part.slice(0, eq + 1) + REDACTED : redactUrlValue(part, eq));
  }
  return parts.join('&');
}

/**
 * A non-secret parameter whose value is a URL with userinfo (endpoint=https://user:pw@host)
 * keeps its host but loses everything between "://" and the last '@' (a password may hold '/').
 * Without a scheme (endpoint=user:pw@host:9000: object storage endpoints may be written
 * host:port) the userinfo starts at the beginning of the value.
 */
function redactUrlValue(part: string, eq: number): string {
  const raw = part.slice(eq + 1);
  let value = raw;
  try {
    value = decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    // a malformed escape: look at the raw text
  }
  const schemeEnd = value.indexOf('://');
  const at = value.lastIndexOf('@');
  if (at < 0 || at < schemeEnd) return part;
  const userinfoStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
  return part.slice(0, eq + 1) + value.slice(0, userinfoStart) + REDACTED + value.slice(at);
}

function firstIndexOf(text: string, char: string, from: number): number {
  const i = text.indexOf(char, from);
  return i < 0 ? text.length : i;
}
