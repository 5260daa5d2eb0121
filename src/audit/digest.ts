// Audit digests (docs/architecture.md "Audit digests"): a signed JSON document listing delivered
// objects with their SHA-256, chained to the previous digest by key and hash, as CloudTrail log
// file validation does. This module is the format only: building the file bytes, parsing them
// back and checking the signature. Writing chains is digest-writer.ts; checking a destination is
// `sluice verify`.
//
// The signature covers the canonical bytes: JSON.stringify of the body's fields in one fixed
// order, rebuilt from the parsed fields, never taken from the file's text, and a field added to
// the file outside the format is refused by the parser instead of going unsigned. The chain link
// is different: `previous.sha256` is the hash of the previous digest's exact file bytes. So a
// digest re-serialised by some tool (other key order, whitespace) still carries a valid
// signature, but the next digest's link to it fails: digests must be kept byte for byte.
//
// A digest is read from a destination that an attacker may control, so parseDigest trusts
// nothing: every field is type-checked, keys must stay inside the destination root, and the only
// thing it ever throws is a DigestError that names the digest and the field.

import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const DIGEST_FORMAT = 'sluice-digest/2';
export const DIGESTS_DIR = '_digests';

/** One delivered object: its key relative to the destination root, and its bytes as stored. */
export interface DigestEntry {
  key: string;
  /** Lower-case hex SHA-256 of the object's bytes. */
  sha256: string;
  bytes: number;
}

/** The digest before this one in the same chain: its key and the SHA-256 of its file bytes. */
export interface DigestLink {
  key: string;
  sha256: string;
}

/** Every signed field, in the canonical order. */
export interface DigestBody {
  format: typeof DIGEST_FORMAT;
  job_id: number;
  dataset: string;
  /** A random UUID per writer (one process run of one job). */
  chain: string;
  sequence: number;
  /** RFC 3339 UTC: when this digest's period began, and when the digest was written. */
  start: string;
  end: string;
  /**
   * The chain's heartbeat: a running writer writes a digest at least this often, so a chain
   * without a final digest whose newest one is much older has stopped (crash or deletion).
   */
  interval_seconds: number;
  /** null exactly for sequence 0. */
  previous: DigestLink | null;
  objects: DigestEntry[];
  /**
   * The newest digests of this job's other chains that had ended when this writer looked — with
   * a final digest, or stopped without one (chain-witness.ts) — so that deleting a chain's last
   * digests, or a whole chain, afterwards is detected.
   */
  closes: DigestLink[];
  /**
   * The fingerprint of the key that signed this job's chains before, when it is not this chain's
   * key (a key rotation); null otherwise.
   */
  previous_key_sha256: string | null;
  /** True on the digest a writer writes when it stops cleanly: nothing follows it in the chain. */
  final: boolean;
  /** Hex SHA-256 of the signing public key's SPKI DER (publicKeyFingerprint). */
  public_key_sha256: string;
}

export interface SignedDigest extends DigestBody {
  /** Base64 Ed25519 signature over the canonical bytes of the body. */
  signature: string;
}

/** A digest that cannot be parsed or encoded. `field` is the JSON path of the culprit ('' for the whole document). */
export class DigestError extends Error {
  readonly code = 'ERR_DIGEST';
  readonly field: string;
  constructor(name: string | undefined, field: string, problem: string) {
    super(`digest${name === undefined ? '' : ` ${name}`}: ${field === '' ? '' : `${field} `}${problem}`);
    this.name = 'DigestError';
    this.field = field;
  }
}

/** `_digests/<job id>/<chain>/<sequence, 6 digits>.json`: zero-padded so a listing sorts in chain order. */
export function digestKey(jobId: number, chain: string, sequence: number): string {
  // The parts become path segments of a file destination: refuse anything that could escape.
  if (!Number.isSafeInteger(jobId) || jobId <= 0) throw new RangeError(`digest key: job id must be a positive integer, not ${jobId}`);
  if (!UUID.test(chain)) throw new RangeError(`digest key: chain must be a lower-case UUID, not ${JSON.stringify(chain)}`);
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`digest key: sequence must be a non-negative integer, not ${sequence}`);
  return `${DIGESTS_DIR}/${jobId}/${chain}/${String(sequence).padStart(6, '0')}.json`;
}

/** Where a digest key says a digest belongs, or null when the key is not a digest key (digestKey's inverse). */
export function digestPlace(key: string): { jobId: number; chain: string; sequence: number } | null {
  const match = /^_digests\/([1-9][0-9]{0,14})\/([^/]+)\/([0-9]{6,})\.json$/.exec(key);
  if (!match || !UUID.test(match[2]!)) return null;
  const sequence = Number(match[3]);
  // One spelling per sequence, so two files can never claim the same place.
  if (!Number.isSafeInteger(sequence) || String(sequence).padStart(6, '0') !== match[3]) return null;
  return { jobId: Number(match[1]), chain: match[2]!, sequence };
}

/** The file bytes of a digest: the body plus its signature as JSON, then a newline. */
export function encodeDigest(body: DigestBody, privateKey: KeyObject): Uint8Array {
  const canonical = canonicalBody(body);
  // Refuse to write what parseDigest would refuse: a writer bug surfaces here, not at verify time.
  checkBody(canonical, undefined);
  requireEd25519(privateKey, 'private');
  if (publicKeyFingerprint(privateKey) !== canonical.public_key_sha256) {
    throw new DigestError(undefined, 'public_key_sha256', 'is not the fingerprint of the signing key');
  }
  const signature = sign(null, canonicalBytes(canonical), privateKey).toString('base64');
  const signed: SignedDigest = { ...canonical, signature };
  return Buffer.from(`${JSON.stringify(signed)}\n`);
}

/** Parses a digest file. `name` (usually its key) is for messages. Throws only DigestError. */
export function parseDigest(bytes: Uint8Array, name?: string): SignedDigest {
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw new DigestError(name, '', 'is not valid UTF-8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DigestError(name, '', `is not valid JSON (${(error as Error).message})`);
  }
  return checkSigned(raw, name);
}

/**
 * Whether `publicKey` signed this digest. Rebuilds the canonical bytes from the fields, so it
 * checks what was parsed, not the file's text. A digest naming another key's fingerprint is false.
 */
export function verifyDigestSignature(digest: SignedDigest, publicKey: KeyObject): boolean {
  requireEd25519(publicKey, 'public');
  if (publicKeyFingerprint(publicKey) !== digest.public_key_sha256) return false;
  const signature = Buffer.from(digest.signature, 'base64');
  return verify(null, canonicalBytes(canonicalBody(digest)), publicKey, signature);
}

/** Hex SHA-256 of the key's SPKI DER; a private key stands for its public key. */
export function publicKeyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

/** Hex SHA-256 of some bytes, or of the concatenation of chunks (hashed one by one, never joined). */
export function sha256Hex(bytes: Uint8Array | Iterable<Uint8Array>): string {
  const hash = createHash('sha256');
  // A Uint8Array is itself iterable (of numbers): test for it first.
  if (bytes instanceof Uint8Array) hash.update(bytes);
  else for (const chunk of bytes) hash.update(chunk);
  return hash.digest('hex');
}

/** sha256Hex of streamed chunks, and how many bytes they held: what a DigestEntry needs. */
export async function sha256HexAsync(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

// --- canonical form ---

/** The body's fields copied in the canonical order; anything else the object carries is dropped. */
function canonicalBody(d: DigestBody): DigestBody {
  return {
    format: d.format,
    job_id: d.job_id,
    dataset: d.dataset,
    chain: d.chain,
    sequence: d.sequence,
    start: d.start,
    end: d.end,
    interval_seconds: d.interval_seconds,
    previous: d.previous === null ? null : { key: d.previous.key, sha256: d.previous.sha256 },
    objects: d.objects.map((o) => ({ key: o.key, sha256: o.sha256, bytes: o.bytes })),
    closes: d.closes.map((link) => ({ key: link.key, sha256: link.sha256 })),
    previous_key_sha256: d.previous_key_sha256,
    final: d.final,
    public_key_sha256: d.public_key_sha256,
  };
}

function canonicalBytes(canonical: DigestBody): Buffer {
  return Buffer.from(JSON.stringify(canonical));
}

function requireEd25519(key: KeyObject, type: 'private' | 'public'): void {
  // verify() with a private key would also work, but a caller passing one has mixed up its keys.
  if (key.asymmetricKeyType !== 'ed25519' || key.type !== type) {
    throw new TypeError(`digest: the ${type === 'private' ? 'signing' : 'verifying'} key must be an Ed25519 ${type} key, not a ${key.asymmetricKeyType ?? key.type} ${key.type} key`);
  }
}

// --- validation ---

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
/** An Ed25519 signature is 64 bytes: 86 base64 characters and "==". */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{86}==$/;

const BODY_FIELDS = ['format', 'job_id', 'dataset', 'chain', 'sequence', 'start', 'end', 'interval_seconds', 'previous', 'objects', 'closes', 'previous_key_sha256', 'final', 'public_key_sha256'] as const;
const SIGNED_FIELDS = [...BODY_FIELDS, 'signature'] as const;
const LINK_FIELDS = ['key', 'sha256'] as const;
const ENTRY_FIELDS = ['key', 'sha256', 'bytes'] as const;

type Fail = (field: string, problem: string) => never;

function failFor(name: string | undefined): Fail {
  return (field, problem) => {
    throw new DigestError(name, field, problem);
  };
}

function checkSigned(raw: unknown, name: string | undefined): SignedDigest {
  const fail = failFor(name);
  const record = objectOf(raw, '', fail);
  // Format first: a newer format's document gets this message, not one about its new fields.
  if (record.format !== DIGEST_FORMAT) fail('format', `must be ${JSON.stringify(DIGEST_FORMAT)}, not ${describe(record.format)}`);
  exactFields(record, '', SIGNED_FIELDS, fail);
  checkBodyFields(record, fail);
  // Canonical base64 only (the unused bits before "==" zero), so one signature has one spelling.
  if (typeof record.signature !== 'string' || !SIGNATURE_BASE64.test(record.signature) || Buffer.from(record.signature, 'base64').toString('base64') !== record.signature) {
    fail('signature', 'must be a base64 Ed25519 signature (88 characters)');
  }
  return record as unknown as SignedDigest;
}

function checkBody(body: DigestBody, name: string | undefined): void {
  const fail = failFor(name);
  const record = body as unknown as Record<string, unknown>;
  if (record.format !== DIGEST_FORMAT) fail('format', `must be ${JSON.stringify(DIGEST_FORMAT)}, not ${describe(record.format)}`);
  exactFields(record, '', BODY_FIELDS, fail);
  checkBodyFields(record, fail);
}

/** Every body field but format (checked first by the callers). */
function checkBodyFields(r: Record<string, unknown>, fail: Fail): void {
  if (!isInteger(r.job_id) || r.job_id <= 0) fail('job_id', `must be a positive integer, not ${describe(r.job_id)}`);
  if (typeof r.dataset !== 'string' || r.dataset === '') fail('dataset', 'must be a non-empty string');
  if (typeof r.chain !== 'string' || !UUID.test(r.chain)) fail('chain', 'must be a lower-case UUID');
  if (!isInteger(r.sequence) || r.sequence < 0) fail('sequence', `must be a non-negative integer, not ${describe(r.sequence)}`);
  checkTimestamp(r.start, 'start', fail);
  checkTimestamp(r.end, 'end', fail);
  if (!isInteger(r.interval_seconds) || r.interval_seconds <= 0) fail('interval_seconds', `must be a positive integer, not ${describe(r.interval_seconds)}`);
  checkPrevious(r.previous, r.job_id, r.chain, r.sequence, fail);
  if (!Array.isArray(r.objects)) fail('objects', 'must be an array');
  r.objects.forEach((entry: unknown, i: number) => checkEntry(entry, `objects[${i}]`, fail));
  if (!Array.isArray(r.closes)) fail('closes', 'must be an array');
  r.closes.forEach((link: unknown, i: number) => checkClosed(link, r.job_id as number, r.chain as string, `closes[${i}]`, fail));
  if (r.previous_key_sha256 !== null) checkHex64(r.previous_key_sha256, 'previous_key_sha256', fail);
  if (typeof r.final !== 'boolean') fail('final', `must be true or false, not ${describe(r.final)}`);
  checkHex64(r.public_key_sha256, 'public_key_sha256', fail);
}

/** A `closes` link: the key of a digest of another chain of the same job, and a hash. */
function checkClosed(value: unknown, jobId: number, chain: string, path: string, fail: Fail): void {
  const link = objectOf(value, path, fail);
  exactFields(link, path, LINK_FIELDS, fail);
  const place = typeof link.key === 'string' ? digestPlace(link.key) : null;
  if (place === null || place.jobId !== jobId || place.chain === chain) {
    fail(`${path}.key`, `must be the key of a digest of another chain of job ${jobId}, not ${describe(link.key)}`);
  }
  checkHex64(link.sha256, `${path}.sha256`, fail);
}

/** The chain rule: sequence 0 starts a chain; sequence n points at n-1 of the same job and chain. */
function checkPrevious(value: unknown, jobId: number, chain: string, sequence: number, fail: Fail): void {
  if (sequence === 0) {
    if (value !== null) fail('previous', 'must be null for sequence 0');
    return;
  }
  if (value === null) fail('previous', `must point at the previous digest (sequence ${sequence} is not the first)`);
  const link = objectOf(value, 'previous', fail);
  exactFields(link, 'previous', LINK_FIELDS, fail);
  const expected = digestKey(jobId, chain, sequence - 1);
  if (link.key !== expected) fail('previous.key', `must be ${JSON.stringify(expected)}, not ${describe(link.key)}`);
  checkHex64(link.sha256, 'previous.sha256', fail);
}

function checkEntry(value: unknown, path: string, fail: Fail): void {
  const entry = objectOf(value, path, fail);
  exactFields(entry, path, ENTRY_FIELDS, fail);
  if (typeof entry.key !== 'string' || !isRelativeKey(entry.key)) {
    fail(`${path}.key`, 'must be a non-empty key relative to the destination root (no leading "/", no "." or ".." segments)');
  }
  checkHex64(entry.sha256, `${path}.sha256`, fail);
  if (!isInteger(entry.bytes) || entry.bytes < 0) fail(`${path}.bytes`, `must be a non-negative integer, not ${describe(entry.bytes)}`);
}

/** `sluice verify` reads these keys from the destination: none may reach outside the root. */
function isRelativeKey(key: string): boolean {
  if (key === '' || key.startsWith('/') || key.includes('\0')) return false;
  return key.split('/').every((segment) => segment !== '.' && segment !== '..');
}

function checkHex64(value: unknown, path: string, fail: Fail): void {
  if (typeof value !== 'string' || !HEX64.test(value)) fail(path, 'must be 64 lower-case hex characters');
}

function checkTimestamp(value: unknown, path: string, fail: Fail): void {
  // The pattern pins the shape (UTC, "Z"); Date.parse catches impossible fields like month 13.
  if (typeof value !== 'string' || !RFC3339_UTC.test(value) || Number.isNaN(Date.parse(value))) {
    fail(path, `must be an RFC 3339 UTC timestamp like "2026-11-27T10:15:00.000Z", not ${describe(value)}`);
  }
}

function objectOf(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be a JSON object');
  return value as Record<string, unknown>;
}

/** Exactly these fields: a missing one is an error, and so is an extra one (it would go unsigned). */
function exactFields(record: Record<string, unknown>, path: string, fields: readonly string[], fail: Fail): void {
  const at = (field: string) => (path === '' ? field : `${path}.${field}`);
  for (const field of fields) if (!Object.hasOwn(record, field)) fail(at(field), 'is missing');
  for (const field of Object.keys(record)) if (!fields.includes(field)) fail(at(field), `is not a field of ${DIGEST_FORMAT}`);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** A short rendering of a bad value for messages; long strings are cut so a message stays one line. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
