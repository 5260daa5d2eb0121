// Object storage settings from destination_conf (s3://, r2://, gs://), checked once when the
// destination is built so that a typo fails loudly instead of being ignored.
//
// Grammar (query parameters, all optional unless noted):
//   s3://bucket/path/{DATE}?region=&endpoint=[https://]host[:port]&access-key-id=&secret-access-key=&session-token=&sse=
//   r2://bucket/path?account-id= (required) &access-key-id= &secret-access-key= (both required)
//   gs://bucket/path?access-key-id= &secret-access-key= (HMAC keys, both required)
//   sluice settings on all three: part-size (bytes, 5 MiB–5 GiB, default 8 MiB),
//   parts-in-flight (1–32, default 4), checksum (crc32 | when-required),
//   content-encoding (auto | none).
// Error messages name the parameter that is wrong and never echo a value that could be secret.

import { DeliveryError } from '../destination.ts';
import { isSecretParam, parseDestinationConf, redactDestinationConf, type ObjectStorageScheme } from '../destination-conf.ts';
import { parseEndpoint } from './endpoint.ts';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_PARTS_IN_FLIGHT = 4;
export const MAX_PARTS_IN_FLIGHT = 32;

export type ChecksumMode = 'crc32' | 'when-required';
export type ServerSideEncryption = 'AES256' | 'aws:kms';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3DestinationConfig {
  scheme: ObjectStorageScheme;
  bucket: string;
  /** Key prefix template without leading or trailing '/'; may contain {DATE}. '' = bucket root. */
  pathTemplate: string;
  region: string;
  /** Origin of a non-AWS endpoint (path-style addressing), or null for AWS S3 itself. */
  endpoint: string | null;
  /** Where requests go, for messages: the endpoint or the AWS regional host. Never holds secrets. */
  endpointLabel: string;
  /** null: the SDK's default credential chain (environment, profile, instance role); s3:// only. */
  credentials: S3Credentials | null;
  sse: ServerSideEncryption | null;
  partSize: number;
  partsInFlight: number;
  checksum: ChecksumMode;
  /** Set Content-Encoding for gzip/zstd objects (see headers.ts). */
  contentEncoding: boolean;
  /** destination_conf with secrets replaced, for messages. */
  redactedConf: string;
}

const COMMON_PARAMS = ['access-key-id', 'secret-access-key', 'part-size', 'parts-in-flight', 'checksum', 'content-encoding'];
const ALLOWED_PARAMS: Readonly<Record<ObjectStorageScheme, ReadonlySet<string>>> = {
  s3: new Set([...COMMON_PARAMS, 'region', 'endpoint', 'session-token', 'sse']),
  r2: new Set([...COMMON_PARAMS, 'account-id', 'endpoint']),
  gs: new Set([...COMMON_PARAMS, 'endpoint']),
};

// S3's rules are stricter (3–63 chars, no '_'); GCS allows '_' and dotted names up to 222. The
// store itself has the last word; this only catches what cannot be a bucket anywhere.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,32}$/;
const ACCOUNT_ID = /^[A-Za-z0-9]{1,64}$/;

/** Parses an s3:, r2: or gs: destination_conf; throws a non-retryable ERR_DESTINATION_CONF. */
export function s3ConfigFrom(conf: string): S3DestinationConfig {
  const parsed = parseDestinationConf(conf);
  const redactedConf = redactDestinationConf(conf);
  const fail = (why: string): never => {
    throw new DeliveryError('ERR_DESTINATION_CONF', `destination_conf ${redactedConf}: ${why}`, false);
  };
  if (parsed.scheme !== 's3' && parsed.scheme !== 'r2' && parsed.scheme !== 'gs') {
    return fail(`an object storage destination needs s3://, r2:// or gs://, got ${parsed.scheme}://`);
  }
  const { scheme, bucket, params } = parsed;
  const allowed = ALLOWED_PARAMS[scheme];
  for (const name of Object.keys(params)) {
    if (allowed.has(name)) continue;
    // A parameter name is echoed only when it cannot be (part of) a secret.
    const shown = /^[a-z_-]{1,32}$/.test(name) && !isSecretParam(name) ? `"${name}"` : '(name not shown: it may hold a secret)';
    fail(`unknown query parameter ${shown} for ${scheme}://; use ${[...allowed].join(', ')}`);
  }
  if (!BUCKET.test(bucket)) fail(`"${bucket.slice(0, 64)}" is not a valid bucket name (3–222 characters: lowercase letters, digits, '.', '-', '_')`);

  const pathTemplate = parsed.pathTemplate.replace(/\/+$/, '');
  const credentials = credentialsFrom(scheme, params, fail);
  let region: string;
  let endpoint: string | null;
  switch (scheme) {
    case 's3':
      region = params['region'] ?? 'us-east-1';
      if (!REGION.test(region)) fail('parameter region must look like us-east-1');
      endpoint = params['endpoint'] !== undefined ? endpointFrom(params['endpoint'], fail) : null;
      break;
    case 'r2': {
      const account = params['account-id'];
      if (account === undefined || account === '') return fail('an r2: destination needs the account-id parameter (your Cloudflare account id)');
      if (!ACCOUNT_ID.test(account)) fail('parameter account-id must be your Cloudflare account id (letters and digits)');
      region = 'auto';
      endpoint = params['endpoint'] !== undefined ? endpointFrom(params['endpoint'], fail) : `https://${account}.r2.cloudflarestorage.com`;
      break;
    }
    case 'gs':
      region = 'auto';
      endpoint = params['endpoint'] !== undefined ? endpointFrom(params['endpoint'], fail) : 'https://storage.googleapis.com';
      break;
  }

  const sse = params['sse'];
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') fail('parameter sse must be AES256 or aws:kms');
  // GCS's XML API does not accept the SDK's default CRC32 checksum headers; the others do.
  const checksum = params['checksum'] ?? (scheme === 'gs' ? 'when-required' : 'crc32');
  if (checksum !== 'crc32' && checksum !== 'when-required') fail('parameter checksum must be crc32 or when-required');
  const contentEncoding = params['content-encoding'] ?? 'auto';
  if (contentEncoding !== 'auto' && contentEncoding !== 'none') fail('parameter content-encoding must be auto or none');

  return {
    scheme,
    bucket,
    pathTemplate,
    region,
    endpoint,
    endpointLabel: endpoint ?? `https://s3.${region}.amazonaws.com`,
    credentials,
    sse: (sse as ServerSideEncryption | undefined) ?? null,
    partSize: integerParam(params, 'part-size', DEFAULT_PART_SIZE, MIN_PART_SIZE, MAX_PART_SIZE, fail),
    partsInFlight: integerParam(params, 'parts-in-flight', DEFAULT_PARTS_IN_FLIGHT, 1, MAX_PARTS_IN_FLIGHT, fail),
    checksum: checksum as ChecksumMode,
    contentEncoding: contentEncoding === 'auto',
    redactedConf,
  };
}

/** The credential values no message may contain (errors.ts scrubs them). */
export function credentialSecrets(config: S3DestinationConfig): string[] {
  const credentials = config.credentials;
  return credentials ? [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? ''] : [];
}

function credentialsFrom(scheme: ObjectStorageScheme, params: Record<string, string>, fail: (why: string) => never): S3Credentials | null {
  const accessKeyId = params['access-key-id'];
  const secretAccessKey = params['secret-access-key'];
  const sessionToken = params['session-token'];
  if (accessKeyId === undefined && secretAccessKey === undefined) {
    if (scheme !== 's3') fail(`a ${scheme}: destination needs access-key-id and secret-access-key${scheme === 'gs' ? ' (a GCS HMAC key)' : ''}`);
    if (sessionToken !== undefined) fail('parameter session-token needs access-key-id and secret-access-key too');
    return null;
  }
  if (accessKeyId === undefined || accessKeyId === '') return fail('parameter access-key-id is missing or empty (secret-access-key is set)');
  if (secretAccessKey === undefined || secretAccessKey === '') return fail('parameter secret-access-key is missing or empty (access-key-id is set)');
  return sessionToken !== undefined && sessionToken !== '' ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

function endpointFrom(value: string, fail: (why: string) => never): string {
  const endpoint = parseEndpoint(value);
  return endpoint.ok ? endpoint.url.origin : fail(`parameter endpoint ${endpoint.why}`);
}

export function integerParam(
  params: Record<string, string>, name: string, fallback: number, min: number, max: number, fail: (why: string) => never,
): number {
  const text = params[name];
  if (text === undefined) return fallback;
  const value = /^\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) fail(`parameter ${name} must be a whole number from ${min} to ${max}`);
  return value;
}
