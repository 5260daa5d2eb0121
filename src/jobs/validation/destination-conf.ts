// Check of a job's destination_conf: its shape here (scheme, host, absolute path for file://),
// its parameters by the destination's own parser, so a job is refused when it is written.
// destination_conf carries credentials (secret-access-key, header_Authorization, …), so no
// message ever contains any part of it beyond the scheme name.

import { DeliveryError } from '../../destinations/destination.ts';
import { isLoopbackHost, redactDestinationConf } from '../../destinations/destination-conf.ts';
import { resolveHttpTarget } from '../../destinations/http/http-conf.ts';
import { s3ConfigFrom } from '../../destinations/s3/config.ts';
import { azureConfigFrom } from '../../destinations/azure/config.ts';
import { DESTINATION_SCHEMES, MAX_DESTINATION_CONF_CHARS } from '../destination-schemes.ts';

const SCHEME_SET: ReadonlySet<string> = new Set(DESTINATION_SCHEMES);
const SCHEME_SYNTAX = /^([A-Za-z][A-Za-z0-9+.-]{0,31}):/;

/** Returns a secret-free sentence describing what is wrong, or null when the syntax is fine. */
export function destinationConfProblem(conf: string): string | null {
  if (conf.length === 0) return 'must not be empty; e.g. "file:///var/log/sluice/{DATE}" or "s3://bucket/path/{DATE}?region=…"';
  if (conf.length > MAX_DESTINATION_CONF_CHARS) return `must be at most ${MAX_DESTINATION_CONF_CHARS} characters long`;
  const scheme = SCHEME_SYNTAX.exec(conf)?.[1]?.toLowerCase();
  const known = DESTINATION_SCHEMES.join(', ');
  if (scheme === undefined) return `must be a URL starting with one of ${known} (e.g. "s3://bucket/path")`;
  // The scheme matched a tight pattern of at most 32 safe characters, so it can be echoed.
  if (!SCHEME_SET.has(scheme)) return `unsupported scheme "${scheme}:"; use one of ${known}`;
  let url: URL;
  try {
    url = new URL(conf);
  } catch {
    return `is not a valid ${scheme}: URL (check for spaces or unescaped characters)`;
  }
  if (scheme === 'file') {
    // file://dir/x would silently treat "dir" as a host; insist on the absolute form.
    if (!conf.startsWith('file:///') || url.host !== '') {
      return 'a file: destination needs an absolute path, written file:///dir/{DATE} (three slashes)';
    }
    if (url.search !== '' || url.hash !== '') return 'a file: destination takes no query string or fragment';
    return null;
  }
  if (url.hostname === '') {
    const what = scheme === 's3' || scheme === 'r2' || scheme === 'gs' ? 'a bucket name' : scheme === 'azure' ? 'the account host' : 'a host name';
    return `a ${scheme}: destination needs ${what} after "${scheme}://"`;
  }
  // Plain http would send logs and credentials in the clear: only to this machine (local
  // collectors, tests).
  if (scheme === 'http' && !isLoopbackHost(url.hostname)) return 'plain http: is only allowed to a loopback host (127.0.0.1, localhost, [::1]); use https:// for anything else';
  // The destination's own parser knows its parameters (keys required for r2/gs, part-size
  // range, header names, Splunk channel …): a job is refused now, not when it first delivers.
  return destinationParameterProblem(scheme, conf);
}

function destinationParameterProblem(scheme: string, conf: string): string | null {
  try {
    if (scheme === 's3' || scheme === 'r2' || scheme === 'gs') s3ConfigFrom(conf);
    else if (scheme === 'azure') azureConfigFrom(conf);
    else if (HTTP_SCHEMES.has(scheme)) resolveHttpTarget(conf, { plainHttpOnLoopback: true });
    return null;
  } catch (error) {
    if (!(error instanceof DeliveryError)) return 'could not be read';
    // The parsers say "destination_conf <redacted conf>: why"; the path already names the field.
    const prefix = `destination_conf ${redactDestinationConf(conf)}: `;
    return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  }
}

const HTTP_SCHEMES: ReadonlySet<string> = new Set(['https', 'http', 'splunk', 'datadog', 'sumo', 'sentinelone', 'ibmcl']);

/** HTTP endpoints receive gzip or plain bodies (Content-Encoding gzip is what receivers accept). */
export function compressionProblem(conf: string, compression: string): string | null {
  const scheme = SCHEME_SYNTAX.exec(conf)?.[1]?.toLowerCase();
  if (scheme !== undefined && HTTP_SCHEMES.has(scheme) && compression !== 'gzip' && compression !== 'none') {
    return `HTTP destinations receive gzip or uncompressed bodies; use "gzip" (or "none"), not ${JSON.stringify(compression)}`;
  }
  return null;
}
