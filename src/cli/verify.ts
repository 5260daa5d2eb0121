// `sluice verify`: checks a destination against a job's audit digests (docs/architecture.md
// "Audit digests"; src/audit/digest.ts has the format, src/audit/chain-check.ts the digest half
// of the checks). Every object a trusted digest lists must be there with the same SHA-256 and
// size; each is streamed through the hash, a few at a time, so memory does not grow with object
// size.
//
// Strict (the default): every other object under the root is a problem ('not covered') — an
// inserted object, or one delivered outside the chains — unless it is recent enough to still be
// on its way into a digest: written at most one interval after the newest digest of a chain that
// has no final digest (an object in flight, or one written just before a crash and never
// acknowledged). `--no-strict` reports uncovered objects for information only, for a root that
// other jobs also write to.

import type { KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { checkChains, type ChainEnding, type VerifyProblem } from '../audit/chain-check.ts';
import { DIGESTS_DIR, digestPlace, sha256HexAsync } from '../audit/digest.ts';
import { loadPublicKey, SigningKeyError } from '../audit/signing-key.ts';
import { DeliveryError } from '../destinations/destination.ts';
import { redactDestinationConf } from '../destinations/destination-conf.ts';
import { objectAccessFor, type ObjectAccess, type ObjectInfo } from '../destinations/object-access.ts';
import { NetworkPolicy } from '../destinations/net/network-policy.ts';
import { mapLimited } from '../shared/map-limited.ts';
import { UsageError } from './user-error.ts';

export type { VerifyProblem, VerifyProblemKind } from '../audit/chain-check.ts';

export const VERIFY_USAGE = `usage: sluice verify --destination CONF --job ID --public-key FILE [--public-key FILE…] [--no-strict]

  checks the audit digests (_digests/ID/…) at a destination: every digest signed by a given key
  and chained without gaps, every chain ended cleanly or recorded by another, every object they
  list present and unchanged, and (strict, the default) no other object under the root
  --destination CONF   the job's destination_conf (file://…, s3://…, r2://…, gs://…, azure://…);
                       with credentials in it, set SLUICE_VERIFY_DESTINATION instead (not shown in ps)
  --job ID             the job id
  --public-key FILE    a digest signing key's public key (PEM; a private key PEM works too);
                       repeat it for every key of a key rotation
  --no-strict          report objects no digest lists without failing (for a root shared with
                       other jobs); strict is the default
  exit 0: no problem; 1: problems found (or the destination could not be read); 2: usage`;

export interface VerifyOptions {
  /** Objects no digest lists fail verification (default true). */
  strict?: boolean;
  /** The moment open chains and recent objects are judged at (default: now). */
  now?: Date;
}

/** An object no trusted digest lists, and why it is reported as it is. */
export interface UncoveredObject {
  key: string;
  reason: string;
}

export interface VerifyReport {
  /** The destination root, secrets redacted. */
  root: string;
  jobId: number;
  strict: boolean;
  chains: number;
  /** Digest files found (readable or not). */
  digests: number;
  /** How each chain with a trusted newest digest ended. */
  endings: ChainEnding[];
  /** Distinct objects that a trusted digest lists and that are there, unchanged. */
  objectsVerified: number;
  problems: VerifyProblem[];
  /** Uncovered objects that are not problems: recent ones, and (not strict) all of them. */
  notCovered: UncoveredObject[];
}

/** Objects are hashed this many at a time: round trips dominate, and each holds only a chunk. */
const FETCH_CONCURRENCY = 8;

/**
 * How much older than a chain's newest digest an uncovered object may be and still count as on
 * its way: server clocks differ from sluice's by seconds, and an object's time is when its upload
 * began (S3 LastModified), which may be before a digest written while it was still uploading.
 */
const RECENT_SLACK_MS = 60_000;

/** The ownership challenge file Logpush-style ownership checks write at the root (src/api/ownership.ts). */
const OWNERSHIP_FILE = 'ownership-challenge.txt';

/**
 * Verifies job `jobId`'s digests and objects at `access`. Resolves with the report; rejects
 * only when the destination cannot be read (a DeliveryError from list/get/read).
 */
export async function verifyDestination(access: ObjectAccess, jobId: number, publicKeys: KeyObject | readonly KeyObject[], options: VerifyOptions = {}): Promise<VerifyReport> {
  const strict = options.strict ?? true;
  const now = options.now ?? new Date();
  const keys = Array.isArray(publicKeys) ? publicKeys : [publicKeys as KeyObject];
  const chains = await checkChains(access, jobId, keys, now);
  const { expected, problems } = chains;

  const objectKeys = [...expected.keys()].sort();
  const objects = await mapLimited(objectKeys, FETCH_CONCURRENCY, async (key) => {
    const chunks = await access.read(key);
    return chunks === null ? null : await sha256HexAsync(chunks);
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

  const notCovered: UncoveredObject[] = [];
  // With no digest at all (a wrong --job, most likely) that one problem says it all.
  const objectsToJudge = chains.digests === 0 ? [] : await access.listInfo('');
  for (const object of objectsToJudge) {
    // This job's digest folder is checkChains' (it names anything there that is not a digest);
    // other jobs' digests are theirs. Anything else under _digests/ is an object like any other,
    // so nothing can hide there.
    const digestFile = object.key.startsWith(`${DIGESTS_DIR}/${jobId}/`) || (object.key.startsWith(`${DIGESTS_DIR}/`) && digestPlace(object.key) !== null);
    if (digestFile || object.key === OWNERSHIP_FILE || expected.has(object.key)) continue;
    const pendingIn = chainStillTaking(object, chains.endings);
    if (pendingIn !== null) {
      notCovered.push({ key: object.key, reason: `written ${object.modified.toISOString()}, after chain ${pendingIn.chain}'s newest digest: not yet listed (on its way, or written just before a crash and never acknowledged)` });
    } else if (strict) {
      problems.push({ kind: 'not covered', key: object.key, detail: `written ${object.modified.toISOString()}; no digest lists it and no chain was still taking objects then (inserted, or delivered by another job under the same root: use --no-strict for a shared root)` });
    } else {
      notCovered.push({ key: object.key, reason: `written ${object.modified.toISOString()}; no digest lists it` });
    }
  }
  return { root: access.root, jobId, strict, chains: chains.chains, digests: chains.digests, endings: chains.endings, objectsVerified, problems, notCovered };
}

/** A chain without a final digest whose newest digest the object may still be on its way into. */
function chainStillTaking(object: ObjectInfo, endings: readonly ChainEnding[]): ChainEnding | null {
  const at = object.modified.getTime();
  for (const ending of endings) {
    if (ending.state === 'closed') continue;
    if (at >= ending.endMs - RECENT_SLACK_MS && at <= ending.endMs + ending.intervalMs) return ending;
  }
  return null;
}

/** How many not-covered keys are printed by name (the count is always printed). */
const NOT_COVERED_SHOWN = 20;
/** How many problems of one kind are printed in full (the count is always printed): 10,000 inserted objects need not be 10,000 lines. */
const PROBLEMS_SHOWN_PER_KIND = 50;

/** The report as the lines `sluice verify` prints (each ends with a newline). */
export function renderVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`job ${report.jobId} at ${report.root}: ${plural(report.chains, 'chain')}, ${plural(report.digests, 'digest')}, ${plural(report.objectsVerified, 'object')} verified${report.strict ? '' : ' (not strict)'}`);
  const states = (['closed', 'recorded', 'open'] as const)
    .map((state) => [state, report.endings.filter((e) => e.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${CHAIN_STATE_WORDS[state]}`);
  if (states.length > 0) lines.push(`chains: ${states.join(', ')}`);
  for (const ending of report.endings) {
    if (ending.state === 'recorded') lines.push(`chain ${ending.chain}: stopped without a final digest at ${ending.newestKey}; ${ending.recordedBy} recorded that end`);
    if (ending.rotatedFrom !== undefined) lines.push(`chain ${ending.chain}: its key replaced the key with SHA-256 ${ending.rotatedFrom}`);
  }
  const byKind = new Map<string, number>();
  for (const p of report.problems) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([kind, n]) => `${n} ${kind}`).join(', ');
  lines.push(report.problems.length === 0 ? 'problems: none' : `problems: ${report.problems.length} (${kinds})`);
  const shown = new Map<string, number>();
  for (const p of report.problems) {
    const n = (shown.get(p.kind) ?? 0) + 1;
    shown.set(p.kind, n);
    if (n <= PROBLEMS_SHOWN_PER_KIND) lines.push(`${p.kind}: ${p.key}: ${p.detail}`);
  }
  for (const [kind, n] of shown) if (n > PROBLEMS_SHOWN_PER_KIND) lines.push(`${kind}: … and ${n - PROBLEMS_SHOWN_PER_KIND} more`);
  if (report.notCovered.length > 0) {
    lines.push(`not covered by any digest (informational): ${plural(report.notCovered.length, 'object')}`);
    for (const object of report.notCovered.slice(0, NOT_COVERED_SHOWN)) lines.push(`not covered: ${object.key}: ${object.reason}`);
    if (report.notCovered.length > NOT_COVERED_SHOWN) lines.push(`not covered: … and ${report.notCovered.length - NOT_COVERED_SHOWN} more`);
  }
  lines.push(report.problems.length === 0 ? 'verify: OK' : `verify: FAILED (${plural(report.problems.length, 'problem')})`);
  return lines.map((line) => `${line}\n`).join('');
}

const CHAIN_STATE_WORDS = { closed: 'closed cleanly', recorded: 'stopped and recorded by another chain', open: 'open (may still be written)' } as const;

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
      'public-key': { type: 'string', short: 'k', multiple: true },
      strict: { type: 'boolean', default: true },
      help: { type: 'boolean', short: 'h' },
    },
    allowNegative: true,
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

  const publicKeys: KeyObject[] = [];
  try {
    for (const file of values['public-key']!) publicKeys.push(await loadPublicKey(file));
  } catch (error) {
    if (error instanceof SigningKeyError) throw new UsageError(error.message);
    throw error;
  }
  // The operator runs this by hand against a destination they name (often a local store): the
  // tenant network policy of the service does not apply.
  const access = objectAccessFor(conf, { network: NetworkPolicy.unrestricted() });
  if (access === null) {
    throw new UsageError(`destination ${redactDestinationConf(conf)} has no objects to read back, so it has no audit digests (they are written for file://, s3://, r2://, gs:// and azure:// destinations)`);
  }
  try {
    const report = await verifyDestination(access, jobId, publicKeys, { strict: values.strict });
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
