// The digest half of `sluice verify` (docs/architecture.md "Audit digests"): reads every digest
// of one job at a destination and checks each chain — signed by one of the given keys, placed
// where its key says, sequences 0..n without gaps, each digest pointing at the exact bytes of the
// one before, nothing after a final digest — and what the chains say of each other (`closes`).
// It ends with the object entries that trusted digests list, for the object half to check, and
// how each chain ended:
// - closed: its newest digest is final (a clean stop);
// - recorded: it stopped without a final digest, and another chain recorded its newest digest,
//   byte for byte, after it had stopped (a crash, with a witness);
// - open: its newest digest is recent enough that the writer may still be running;
// - otherwise a problem ('truncated chain'): it stopped without a final digest and nobody
//   recorded where, so its newest digests may have been deleted.

import type { KeyObject } from 'node:crypto';
import type { ObjectAccess } from '../destinations/object-access.ts';
import { mapLimited } from '../shared/map-limited.ts';
import { DigestError, DIGESTS_DIR, digestKey, digestPlace, parseDigest, publicKeyFingerprint, sha256Hex, verifyDigestSignature, type DigestEntry, type DigestLink, type SignedDigest } from './digest.ts';

/** What is wrong, by kind (the names a user sees). */
export type VerifyProblemKind =
  /** No digest at all for the job: nothing could be verified. */
  | 'no digests'
  /** A file under the digest directory that is not a readable digest. */
  | 'bad digest'
  /** Signed (by its own account) with a key that is not among the given ones. */
  | 'wrong key'
  /** The signature does not match the digest's content: edited, or forged. */
  | 'bad signature'
  /** The digest's job, chain or sequence disagree with where it is stored. */
  | 'misplaced'
  /** Sequence numbers of a chain are missing: digests were deleted. */
  | 'gap'
  /** `previous` or `closes` does not name an existing digest's exact bytes, or a digest follows a final one. */
  | 'broken chain'
  /** A chain stopped without a final digest and no other chain recorded where. */
  | 'truncated chain'
  /** The digest's period ends before it starts. */
  | 'bad period'
  /** An object a digest lists is not there. */
  | 'missing'
  /** An object a digest lists has other bytes. */
  | 'altered'
  /** (strict) An object under the root that no digest lists and that is not recent enough to be pending. */
  | 'not covered';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  /** The digest or object key (relative to the root) the problem is about. */
  key: string;
  detail: string;
}

export type ChainState = 'closed' | 'recorded' | 'open' | 'truncated';

/** How one chain ended, judged from its newest digest when that one is trusted. */
export interface ChainEnding {
  chain: string;
  state: ChainState;
  /** The newest digest's key, end (ms) and interval (ms). */
  newestKey: string;
  endMs: number;
  intervalMs: number;
  /** For 'recorded': the digest that recorded the end. */
  recordedBy?: string;
  /** The key fingerprint this chain's first digest says was used before it (key rotation). */
  rotatedFrom?: string;
}

export interface ChainCheck {
  chains: number;
  digests: number;
  /** Object key → the entries trusted digests give for it, with the digest that gave each. */
  expected: Map<string, Array<{ entry: DigestEntry; digest: string }>>;
  /** Chains whose newest digest is trusted, and how they ended. */
  endings: ChainEnding[];
  problems: VerifyProblem[];
}

/** Digests are fetched this many at a time (object storage round trips dominate). */
const FETCH_CONCURRENCY = 8;
/** And held at most this many at a time, so memory does not grow with a chain's length. */
const READ_WINDOW = 256;

/** A chain without a final digest is open while its newest digest is younger than this many intervals (the writer heartbeats every half interval). */
export const OPEN_INTERVALS = 2;

/** A digest's place as its key says: `_digests/<job>/<chain>/<sequence>.json`. */
interface DigestFile {
  key: string;
  chain: string;
  sequence: number;
}

/**
 * Checks job `jobId`'s digest chains at `access` against the given public keys, judging open
 * chains at `now`. Rejects only when the destination cannot be read (a DeliveryError).
 */
export async function checkChains(access: ObjectAccess, jobId: number, publicKeys: readonly KeyObject[], now: Date): Promise<ChainCheck> {
  const keysByFingerprint = new Map(publicKeys.map((key) => [publicKeyFingerprint(key), key]));
  const problems: VerifyProblem[] = [];
  const dir = `${DIGESTS_DIR}/${jobId}/`;
  const chains = new Map<string, DigestFile[]>();
  const digestKeys = await access.list(dir);
  for (const key of digestKeys) {
    const place = digestPlace(key);
    if (place === null || place.jobId !== jobId) {
      problems.push({ kind: 'bad digest', key, detail: `not a digest name (expected ${dir}<chain>/<6-digit sequence>.json)` });
      continue;
    }
    const files = chains.get(place.chain) ?? [];
    files.push({ key, chain: place.chain, sequence: place.sequence });
    chains.set(place.chain, files);
  }
  if (digestKeys.length === 0) problems.push({ kind: 'no digests', key: dir, detail: `no digest for job ${jobId}: nothing could be verified (wrong --job or --destination, or no digest written yet)` });

  const expected: ChainCheck['expected'] = new Map();
  /** Every digest file read: its key → SHA-256 of its bytes (what `closes` links are checked against). */
  const fileHashes = new Map<string, string>();
  /** `closes` links by key and hash, with the first digest that gave each. */
  const recordings = new Map<string, { link: DigestLink; by: string }>();
  const newest: Array<{ digest: SignedDigest; file: DigestFile; rotatedFrom?: string }> = [];
  for (const chain of [...chains.keys()].sort()) {
    const files = chains.get(chain)!.sort((a, b) => a.sequence - b.sequence);
    // Read a window ahead at a time: a chain of a busy year has hundreds of thousands of digests.
    let contents: Array<Uint8Array | null> = [];
    let windowStart = 0;
    let previous: { file: DigestFile; bytes: Uint8Array; final: boolean } | null = null;
    let last: { digest: SignedDigest; file: DigestFile } | null = null;
    let rotatedFrom: string | undefined;
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      if (i === windowStart + contents.length) {
        windowStart = i;
        contents = await mapLimited(files.slice(i, i + READ_WINDOW), FETCH_CONCURRENCY, (next) => access.get(next.key));
      }
      const bytes = contents[i - windowStart]!;
      const expectedSequence = previous ? previous.file.sequence + 1 : 0;
      if (file.sequence > expectedSequence) problems.push(gapProblem(jobId, chain, expectedSequence, file.sequence));
      const predecessor = previous && previous.file.sequence === file.sequence - 1 ? previous : null;
      last = null;
      if (bytes === null) {
        problems.push({ kind: 'bad digest', key: file.key, detail: 'listed but gone when read (deleted while verifying?)' });
        previous = null;
        continue;
      }
      fileHashes.set(file.key, sha256Hex(bytes));
      if (previous?.final) problems.push({ kind: 'broken chain', key: file.key, detail: `follows ${previous.file.key}, the chain's final digest (nothing may follow it)` });
      let digest: SignedDigest;
      try {
        digest = parseDigest(bytes); // no name: the problem line names the key already
      } catch (error) {
        if (!(error instanceof DigestError)) throw error;
        problems.push({ kind: 'bad digest', key: file.key, detail: error.message });
        previous = { file, bytes, final: false };
        continue;
      }
      const trusted = checkDigest(digest, file, jobId, keysByFingerprint, problems);
      checkLink(digest, file, jobId, predecessor, problems);
      previous = { file, bytes, final: trusted && digest.final };
      if (!trusted) continue;
      last = { digest, file };
      if (file.sequence === 0 && digest.previous_key_sha256 !== null) rotatedFrom = digest.previous_key_sha256;
      // Every later digest of a chain repeats its records: keep the first digest of each.
      for (const link of digest.closes) if (!recordings.has(`${link.key}\n${link.sha256}`)) recordings.set(`${link.key}\n${link.sha256}`, { link, by: file.key });
      for (const entry of digest.objects) {
        const list = expected.get(entry.key) ?? [];
        list.push({ entry, digest: file.key });
        expected.set(entry.key, list);
      }
    }
    if (last) newest.push({ ...last, ...(rotatedFrom !== undefined ? { rotatedFrom } : {}) });
  }

  const recordedBy = checkRecordings(recordings.values(), fileHashes, problems);
  const endings = newest.map(({ digest, file, rotatedFrom }) => {
    const ending: ChainEnding = {
      chain: file.chain,
      state: 'truncated',
      newestKey: file.key,
      endMs: Date.parse(digest.end),
      intervalMs: digest.interval_seconds * 1000,
      ...(rotatedFrom !== undefined ? { rotatedFrom } : {}),
    };
    const by = recordedBy.get(file.key);
    if (digest.final) ending.state = 'closed';
    else if (by !== undefined) Object.assign(ending, { state: 'recorded', recordedBy: by });
    else if (now.getTime() - ending.endMs <= OPEN_INTERVALS * ending.intervalMs) ending.state = 'open';
    else {
      problems.push({
        kind: 'truncated chain',
        key: file.key,
        detail: `chain ${file.chain} ends here without a final digest, ${Math.round((now.getTime() - ending.endMs) / 1000)} s ago (its interval is ${digest.interval_seconds} s), and no other chain recorded where it ended: its writer stopped without a clean shutdown, or its newest digests were deleted`,
      });
    }
    return ending;
  });
  return { chains: chains.size, digests: digestKeys.length, expected, endings, problems };
}

/**
 * Each `closes` link must name a digest that is there with exactly the recorded bytes; returns
 * the recorded keys that hold, with the first digest that recorded each.
 */
function checkRecordings(recordings: Iterable<{ link: DigestLink; by: string }>, fileHashes: ReadonlyMap<string, string>, problems: VerifyProblem[]): Map<string, string> {
  const holds = new Map<string, string>();
  for (const { link, by } of recordings) {
    const actual = fileHashes.get(link.key);
    if (actual === link.sha256) {
      if (!holds.has(link.key)) holds.set(link.key, by);
      continue;
    }
    problems.push({
      kind: 'broken chain',
      key: link.key,
      detail: actual === undefined
        ? `${by} recorded this digest as where its chain ended, but it is gone (deleted after the chain stopped?)`
        : `${by} recorded this digest as where its chain ended with SHA-256 ${link.sha256}, but it has ${actual} (replaced or edited)`,
    });
  }
  return holds;
}

function gapProblem(jobId: number, chain: string, from: number, to: number): VerifyProblem {
  const count = to - from;
  const which = count === 1 ? `sequence ${from} is` : `sequences ${from}–${to - 1} are`;
  return { kind: 'gap', key: digestKey(jobId, chain, from), detail: `${which} missing from chain ${chain} (deleted?)` };
}

/** Key, signature, placement and period of one digest; true when its object list can be trusted. */
function checkDigest(digest: SignedDigest, file: DigestFile, jobId: number, keys: ReadonlyMap<string, KeyObject>, problems: VerifyProblem[]): boolean {
  let trusted = true;
  const key = keys.get(digest.public_key_sha256);
  if (key === undefined) {
    problems.push({
      kind: 'wrong key',
      key: file.key,
      detail: `signed by the key with SHA-256 ${digest.public_key_sha256}, not by a given public key (${[...keys.keys()].join(', ')}); is --public-key the job's key (give every key of a rotation)?`,
    });
    trusted = false;
  } else if (!verifyDigestSignature(digest, key)) {
    problems.push({ kind: 'bad signature', key: file.key, detail: 'the signature does not match the content (edited after signing, or forged)' });
    trusted = false;
  }
  if (digest.job_id !== jobId) {
    problems.push({ kind: 'misplaced', key: file.key, detail: `its job_id is ${digest.job_id}, not ${jobId}` });
    trusted = false;
  }
  if (digest.chain !== file.chain || digest.sequence !== file.sequence) {
    problems.push({ kind: 'misplaced', key: file.key, detail: `it says chain ${digest.chain} sequence ${digest.sequence}` });
    trusted = false;
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
