// The `endpoint` parameter of an s3://, r2:// or gs:// destination_conf, read by one function
// for everything that needs it: the destination's settings (config.ts) and the API's network
// check (net/destination-hosts.ts) must agree on where a job sends its logs.

const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export type EndpointParse = { ok: true; url: URL } | { ok: false; why: string };

/**
 * `https://host[:port]`, `http://host[:port]`, or `host[:port]` without a scheme, which is how
 * Cloudflare's documentation writes it (endpoint=sfo2.digitaloceanspaces.com) and means https.
 * `why` completes "parameter endpoint …" and never repeats the value (it may hold credentials).
 */
export function parseEndpoint(value: string): EndpointParse {
  let url: URL;
  try {
    url = new URL(HAS_SCHEME.test(value) ? value : `https://${value}`);
  } catch {
    return { ok: false, why: 'must be a URL such as https://minio.example.com:9000, or host:port (https is then used)' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, why: 'must start with https:// or http://, or be host:port (https is then used)' };
  if (url.username !== '' || url.password !== '') return { ok: false, why: 'must not carry credentials; use access-key-id and secret-access-key' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return { ok: false, why: 'must be just [scheme://]host[:port]; the bucket and path go in the s3:// part' };
  }
  return { ok: true, url };
}
