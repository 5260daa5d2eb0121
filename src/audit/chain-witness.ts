// What one digest writer sees of its job's other chains (docs/architecture.md "Audit digests").
// A chain's digests can only point backwards, so nothing in a chain shows that its newest digests,
// or the whole chain with its objects, were deleted later. So every running writer looks at the
// job's other chains when it opens and at each heartbeat, and records in its own signed digests
// (`closes`) the key and exact hash of the newest digest of every chain that has ended:
// - a chain whose newest digest is final (a clean stop);
// - a chain with no final digest whose newest digest is older than two of its intervals (its
//   writer would have written a heartbeat by then): its process crashed or was killed.
// A recorded end that is later gone or different is a problem for `sluice verify`.
//
// A chain already recorded by another chain needs nothing more. The list of recorded ends only
// grows during a writer's life and each digest carries all of it, so the newest digest of any
// chain tells a later writer everything that chain witnessed. Nothing read here is trusted beyond
// deciding what to record: `sluice verify` checks every signature.

import type { Logger } from 'pino';
import type { ObjectAccess } from '../destinations/object-access.ts';
import { mapLimited } from '../shared/map-limited.ts';
import { DigestError, DIGESTS_DIR, digestPlace, parseDigest, sha256Hex, type DigestLink } from './digest.ts';

export interface ChainWitnessOptions {
  jobId: number;
  /** The writer's own chain, never recorded. */
  chain: string;
  access: ObjectAccess;
  log: Logger;
}

/** A chain's newest digest as last read. */
interface ChainEnd {
  key: string;
  sha256: string;
  endMs: number;
  intervalMs: number;
  final: boolean;
  publicKeySha256: string;
  closes: DigestLink[];
}

/** Digests are read this many at a time. */
const READ_CONCURRENCY = 8;

export class ChainWitness {
  /** The ends this writer recorded, oldest first (every digest of the chain carries all of them). */
  readonly closes: DigestLink[] = [];
  readonly #options: ChainWitnessOptions;
  /** Chain → its newest digest when last read; a chain whose newest digest is unreadable is absent. */
  readonly #ends = new Map<string, ChainEnd>();
  /** Chains that need nothing more from this writer: their end is recorded (by anyone). */
  readonly #settled = new Set<string>();

  constructor(options: ChainWitnessOptions) {
    this.#options = options;
  }

  /** Reads the other chains' newest digests and records the ends of stopped ones. Never throws. */
  async scan(now: Date): Promise<void> {
    const { jobId, chain: own, access, log } = this.#options;
    try {
      const newest = new Map<string, { key: string; sequence: number }>();
      for (const key of await access.list(`${DIGESTS_DIR}/${jobId}/`)) {
        const place = digestPlace(key);
        if (place === null || place.jobId !== jobId || place.chain === own) continue;
        const known = newest.get(place.chain);
        if (!known || place.sequence > known.sequence) newest.set(place.chain, { key, sequence: place.sequence });
      }
      const toRead = [...newest].filter(([chain, { key }]) => !this.#settled.has(chain) && this.#ends.get(chain)?.key !== key);
      await mapLimited(toRead, READ_CONCURRENCY, async ([chain, { key }]) => {
        const end = await this.#read(key);
        if (end) this.#ends.set(chain, end);
      });
      this.#settle(now.getTime());
    } catch (error) {
      log.warn({ job_id: jobId, err: error instanceof Error ? error.message : String(error) }, 'audit digests: could not look at the job\'s other chains; will look again at the next heartbeat');
    }
  }

  /**
   * The signing key of the job's most recent other chain when it is not `fingerprint` (a key
   * rotation), else null; null also when no other chain was read.
   */
  previousKeyOtherThan(fingerprint: string): string | null {
    let latest: ChainEnd | null = null;
    for (const end of this.#ends.values()) if (latest === null || end.endMs > latest.endMs) latest = end;
    return latest !== null && latest.publicKeySha256 !== fingerprint ? latest.publicKeySha256 : null;
  }

  async #read(key: string): Promise<ChainEnd | null> {
    const bytes = await this.#options.access.get(key);
    if (bytes === null) return null;
    try {
      const digest = parseDigest(bytes, key);
      return {
        key,
        sha256: sha256Hex(bytes),
        endMs: Date.parse(digest.end),
        intervalMs: digest.interval_seconds * 1000,
        final: digest.final,
        publicKeySha256: digest.public_key_sha256,
        closes: digest.closes,
      };
    } catch (error) {
      if (!(error instanceof DigestError)) throw error;
      return null; // not a digest this writer can vouch for; verify reports it
    }
  }

  #settle(nowMs: number): void {
    const recorded = new Set<string>();
    for (const end of this.#ends.values()) for (const link of end.closes) recorded.add(link.key);
    for (const link of this.closes) recorded.add(link.key);
    for (const [chain, end] of this.#ends) {
      if (this.#settled.has(chain)) continue;
      if (recorded.has(end.key)) {
        this.#settled.add(chain);
      } else if (end.final || nowMs - end.endMs > 2 * end.intervalMs) {
        this.closes.push({ key: end.key, sha256: end.sha256 });
        this.#settled.add(chain);
      }
    }
  }
}
