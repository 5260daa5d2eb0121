// `sluice verify`: checks a destination against a job's audit digests (docs/architecture.md "Around the process";
// src/audit/digest.ts has the format). Every digest chain under `_digests/<job>/` must be signed
// by the given public key and run 0..n without gaps, each digest pointing at the exact bytes of
// the one before; every object a validly signed digest lists must be there with the same SHA-256
// and size. Data objects no valid digest lists are reported as "not covered", for information
// only: they may be newer than the last digest, or belong to another job writing under the same
// root.
//
// What this cannot see: a chain whose newest digests were deleted (nothing points forward to
// them) or a whole chain deleted. Their objects then show up as not covered.

import type { KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DigestError, DIGESTS_DIR, digestKey, parseDigest, publicKeyFingerprint, sha256Hex, verifyDigestSignature, type DigestEntry, type SignedDigest } from '../audit/digest.ts';
import { loadPublicKey, SigningKeyError } from '../audit/signing-key.ts';
import { DeliveryError } from '../destinations/destination.ts';
import { redactDestinationConf } from '../destinations/destination-conf.ts';
import { objectAccessFor, type ObjectAccess } from '../destinations/object-access.ts';
import { NetworkPolicy } from '../destinations/net/network-policy.ts';
import { UsageError } from './user-error.ts';

export const VERIFY_USAGE = `usage: sluice verify --destination CONF --job ID --public-key FILE

  checks the audit digests (_digests/ID/…) at a destination: every digest signed by the key and
  chained without gaps, every object they list present and unchanged
  --destination CONF   the job's destination_conf (file://…, s3://…, r2://…, gs://…); with
                       credentials in it, set SLUICE_VERIFY_DESTINATION instead (not shown in ps)
  --job ID             the job id
  --public-key FILE    the digest signing key's public key (PEM; a private key PEM works too)
  exit 0: no problem; 1: problems found (or the destination could not be read); 2: usage`;

/** What is wrong, by kind (the names a user sees). */
export type VerifyProblemKind =
  /** No digest at all for the job: nothing could be verified. */
  | 'no digests'
  /** A file under the digest directory that is not a readable digest. */
  | 'bad digest'
  /** Signed (by its own account) with a different key than the one given. */
  | 'wrong key'
  /** The signature does not match the digest's content: edited, or forged. */
  | 'bad signature'
  /** The digest's job, chain or sequence disagree with where it is stored. */
  | 'misplaced'
  /** Sequence numbers of a chain are missing: digests were deleted. */
  | 'gap'
  /** `previous` does not name the previous digest or its exact bytes. */
  | 'broken chain'
  /** The digest's period ends before it starts. */
  | 'bad period'
  /** An object a digest lists is not there. */
  | 'missing'
  /** An object a digest lists has other bytes. */
  | 'altered';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  /** The digest or object key (relative to the root) the problem is about. */
  key: string;
  detail: string;
}

export interface VerifyReport {
  /** The destination root, secrets redacted. */
  root: string;
  jobId: number;
  chains: number;
  /** Digest files found (readable or not). */
  digests: number;
  /** Distinct objects that a validly signed digest lists and that are there, unchanged. */
  objectsVerified: number;
  problems: VerifyProblem[];
  /** Data objects no validly signed digest lists (informational, not a problem). */
  notCovered: string[];
}

/** Objects and digests are fetched this many at a time (object storage round trips dominate). */
const FETCH_CONCURRENCY = 8;

/** A digest's place as its key says: `_digests/<job>/<chain>/<sequence>.json`. */
interface DigestFile {
  key: string;
  chain: string;
  sequence: number;
}

/**
 * Verifies job `jobId`'s digests and objects at `access`. Resolves with the report; rejects
 * only when the destination cannot be read (a DeliveryError from list/get).
 */
export async function verifyDestination(access: ObjectAccess, jobId: number, publicKey: KeyObject): Promise<VerifyReport> {
  const fingerprint = publicKeyFingerprint(publicKey);
  const problems: VerifyProblem[] = [];
  const dir = `${DIGESTS_DIR}/${jobId}/`;
  const chains = new Map<string, DigestFile[]>();
  const digestKeys = await access.list(dir);
  for (const key of digestKeys) {
    const file = digestFileOf(key, dir);
    if (!file) {
      problems.push({ kind: 'bad digest', key, detail: `not a digest name (expected ${dir}<chain>/<6-digit sequence>.json)` });
      continue;
    }
    const files = chains.get(file.chain) ?? [];
    files.push(file);
    chains.set(file.chain, files);
  }
  if (digestKeys.length === 0) problems.push({ kind: 'no digests', key: dir, detail: `no digest for job ${jobId}: nothing could be verified (wrong --job or --destination, or no digest written yet)` });

  /** Object key → the entries validly signed digests give for it, with the digest that gave each. */
  const expected = new Map<string, Array<{ entry: DigestEntry; digest: string }>>();
  for (const chain of [...chains.keys()].sort()) {
    const files = chains.get(chain)!.sort((a, b) => a.sequence - b.sequence);
    const contents = await mapLimited(files, FETCH_CONCURRENCY, (file) => access.get(file.key));
    let previous: { file: DigestFile; bytes: Uint8Array } | null = null;
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const bytes = contents[i]!;
      const expectedSequence = previous ? previous.file.sequence + 1 : 0;
      if (file.sequence > expectedSequence) problems.push(gapProblem(jobId, chain, expectedSequence, file.sequence));
      const predecessor = previous && previous.file.sequence === file.sequence - 1 ? previous : null;
      if (bytes === null) {
        problems.push({ kind: 'bad digest', key: file.key, detail: 'listed but gone when read (deleted while verifying?)' });
        previous = null;
        continue;
      }
      previous = { file, bytes };
      let digest: SignedDigest;
      try {
        digest = parseDigest(bytes); // no name: the problem line names the key already
      } catch (error) {
        if (!(error instanceof DigestError)) throw error;
        problems.push({ kind: 'bad digest', key: file.key, detail: error.message });
        continue;
      }
      const trusted = checkDigest(digest, file, jobId, publicKey, fingerprint, problems);
      checkLink(digest, file, jobId, predecessor, problems);
      if (!trusted) continue;
      for (const entry of digest.objects) {
        const list = expected.get(entry.key) ?? [];
        list.push({ entry, digest: file.key });
        expected.set(entry.key, list);
      }
    }
  }

  const objectKeys = [...expected.keys()].sort();
  const objects = await mapLimited(objectKeys, FETCH_CONCURRENCY, async (key) => {
    const bytes = await access.get(key);
    return bytes === null ? null : { sha256: sha256Hex(bytes), bytes: bytes.byteLength };
  });
  let objectsVerified = 0;
  for (let i = 0; i < objectKeys.length; i++) {
    const key = objectKeys[i]!;
    const listed = expected.get(key)!;
    const actual = objects[i]!;
    if (actual === null) {
      problems.push({ kind: 'missing', key, detail: `listed in ${listed.map((l) => l.digest).join(', ')}` });
      continue;
    }
    // A batch rebuilt after a crash overwrites its object under the same key, so a key may be in
    // more than one digest (of different chains); the object is authentic if any entry matches.
    if (listed.some(({ entry }) => entry.sha256 === actual.sha256 && entry.bytes === actual.bytes)) {
      objectsVerified++;
      continue;
    }
    const claimed = listed[listed.length - 1]!;
    problems.push({
      kind: 'altered',
      key,
      detail: `SHA-256 ${actual.sha256} (${actual.bytes} bytes), but ${claimed.digest} says ${claimed.entry.sha256} (${claimed.entry.bytes} bytes)`,
    });
  }

  const notCovered = (await access.list('')).filter((key) => !key.startsWith(`${DIGESTS_DIR}/`) && !expected.has(key));
  return { root: access.root, jobId, chains: chains.size, digests: digestKeys.length, objectsVerified, problems, notCovered };
}

function digestFileOf(key: string, dir: string): DigestFile | null {
  const match = /^([^/]+)\/(\d{6,})\.json$/.exec(key.slice(dir.length));
  if (!match) return null;
  const sequence = Number(match[2]);
  // One spelling per sequence, so two files can never claim the same place.
  if (!Number.isSafeInteger(sequence) || String(sequence).padStart(6, '0') !== match[2]) return null;
  return { key, chain: match[1]!, sequence };
}

function gapProblem(jobId: number, chain: string, from: number, to: number): VerifyProblem {
  const count = to - from;
  const which = count === 1 ? `sequence ${from} is` : `sequences ${from}–${to - 1} are`;
  return { kind: 'gap', key: digestKey(jobId, chain, from), detail: `${which} missing from chain ${chain} (deleted?)` };
}

/** Key, signature, placement and period of one digest; true when its object list can be trusted. */
function checkDigest(digest: SignedDigest, file: DigestFile, jobId: number, publicKey: KeyObject, fingerprint: string, problems: VerifyProblem[]): boolean {
  let trusted = true;
  if (digest.public_key_sha256 !== fingerprint) {
    problems.push({
      kind: 'wrong key',
      key: file.key,
      detail: `signed by the key with SHA-256 ${digest.public_key_sha256}, not the given public key (${fingerprint}); is --public-key the job's key?`,
    });
    trusted = false;
  } else if (!verifyDigestSignature(digest, publicKey)) {
    problems.push({ kind: 'bad signature', key: file.key, detail: 'the signature does not match the content (edited after signing, or forged)' });
    trusted = false;
  }
  if (digest.job_id !== jobId) {
    problems.push({ kind: 'misplaced', key: file.key, detail: `its job_id is ${digest.job_id}, not ${jobId}` });
    trusted = false;
  }
  if (digest.chain !== file.chain || digest.sequence !== file.sequence) {
    problems.push({ kind: 'misplaced', key: file.key, detail: `it says chain ${digest.chain} sequence ${digest.sequence}` });
  }
  const start = Date.parse(digest.start);
  const end = Date.parse(digest.end);
  if (!(start <= end)) problems.push({ kind: 'bad period', key: file.key, detail: `start ${digest.start} is not before end ${digest.end}` });
  return trusted;
}

/**
 * `previous` against the digest before it in the chain: null for sequence 0, else the key and
 * the SHA-256 of the previous digest file's bytes. When that file is missing (a gap, already
 * reported) only the key can be checked.
 */
function checkLink(digest: SignedDigest, file: DigestFile, jobId: number, predecessor: { file: DigestFile; bytes: Uint8Array } | null, problems: VerifyProblem[]): void {
  if (file.sequence === 0) {
    if (digest.previous !== null) problems.push({ kind: 'broken chain', key: file.key, detail: `sequence 0 must start its chain, but previous is ${digest.previous.key}` });
    return;
  }
  const previousKey = digestKey(jobId, file.chain, file.sequence - 1);
  if (digest.previous === null) {
    problems.push({ kind: 'broken chain', key: file.key, detail: `previous is null, expected ${previousKey}` });
    return;
  }
  if (digest.previous.key !== previousKey) {
    problems.push({ kind: 'broken chain', key: file.key, detail: `previous is ${digest.previous.key}, expected ${previousKey}` });
    return;
  }
  if (predecessor === null) return;
  const actual = sha256Hex(predecessor.bytes);
  if (digest.previous.sha256 !== actual) {
    problems.push({ kind: 'broken chain', key: file.key, detail: `previous ${previousKey} has SHA-256 ${actual}, but this digest says ${digest.previous.sha256} (replaced or edited?)` });
  }
}

/** `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How many not-covered keys are printed by name (the count is always printed). */
const NOT_COVERED_SHOWN = 20;

/** The report as the lines `sluice verify` prints (each ends with a newline). */
export function renderVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`job ${report.jobId} at ${report.root}: ${plural(report.chains, 'chain')}, ${plural(report.digests, 'digest')}, ${plural(report.objectsVerified, 'object')} verified`);
  const byKind = new Map<string, number>();
  for (const p of report.problems) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([kind, n]) => `${n} ${kind}`).join(', ');
  lines.push(report.problems.length === 0 ? 'problems: none' : `problems: ${report.problems.length} (${kinds})`);
  for (const p of report.problems) lines.push(`${p.kind}: ${p.key}: ${p.detail}`);
  if (report.notCovered.length > 0) {
    lines.push(`not covered by any digest (informational: newer than the last digest, or another job's): ${plural(report.notCovered.length, 'object')}`);
    for (const key of report.notCovered.slice(0, NOT_COVERED_SHOWN)) lines.push(`not covered: ${key}`);
    if (report.notCovered.length > NOT_COVERED_SHOWN) lines.push(`not covered: … and ${report.notCovered.length - NOT_COVERED_SHOWN} more`);
  }
  lines.push(report.problems.length === 0 ? 'verify: OK' : `verify: FAILED (${plural(report.problems.length, 'problem')})`);
  return lines.map((line) => `${line}\n`).join('');
}

export interface VerifyCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const JOB_ID = /^[1-9][0-9]{0,14}$/;
/** Where verify reads the destination from when --destination is not given. */
export const DESTINATION_ENV = 'SLUICE_VERIFY_DESTINATION';

/** Runs `sluice verify`; returns the exit code. Throws UsageError (or a user error from the conf) for bad arguments. */
export async function runVerifyCommand(argv: string[], io: VerifyCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      destination: { type: 'string', short: 'd' },
      job: { type: 'string', short: 'j' },
      'public-key': { type: 'string', short: 'k' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(`${VERIFY_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n${VERIFY_USAGE}`);
  // A destination with credentials on the command line is visible in `ps` and shell history:
  // the environment variable is the way to pass one.
  const fromEnv = process.env[DESTINATION_ENV];
  const conf = values.destination ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv);
  const missing = [
    ...(conf === undefined ? [`--destination (or ${DESTINATION_ENV})`] : []),
    ...(['job', 'public-key'] as const).filter((name) => values[name] === undefined).map((name) => `--${name}`),
  ];
  if (conf === undefined || missing.length > 0) throw new UsageError(`sluice verify needs ${missing.join(', ')}\n${VERIFY_USAGE}`);
  if (!JOB_ID.test(values.job!)) throw new UsageError(`--job must be a job id (a positive integer), got "${values.job!.slice(0, 40)}"`);
  const jobId = Number(values.job);

  let publicKey: KeyObject;
  try {
    publicKey = await loadPublicKey(values['public-key']!);
  } catch (error) {
    if (error instanceof SigningKeyError) throw new UsageError(error.message);
    throw error;
  }
  // The operator runs this by hand against a destination they name (often a local store): the
  // tenant network policy of the service does not apply.
  const access = objectAccessFor(conf, { network: NetworkPolicy.unrestricted() });
  if (access === null) {
    throw new UsageError(`destination ${redactDestinationConf(conf)} has no objects to read back, so it has no audit digests (they are written for file://, s3://, r2:// and gs:// destinations)`);
  }
  try {
    const report = await verifyDestination(access, jobId, publicKey);
    io.stdout(renderVerifyReport(report));
    return report.problems.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    io.stderr(`sluice: cannot verify job ${jobId}: ${error.message}\n`);
    return 1;
  } finally {
    access.close();
  }
}
