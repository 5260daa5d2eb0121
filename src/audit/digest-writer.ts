// Writes one audit job's digest chain (docs/architecture.md "Audit digests"; src/audit/digest.ts
// has the format). A process run is one chain (a random id, sequence from 0), so two instances
// delivering the same job, or a restart, never interleave one chain.
//
// Coverage before acknowledgement: add() resolves only once a digest listing the object is
// durable at the destination, and the destination wrapper (digesting-destination.ts) waits for
// it before the batch is acknowledged. So at any crash every acknowledged object is in a digest.
// Objects that arrive while a digest is being written go into the next one together (group
// commit): one PUT serves every delivery that finished meanwhile.
//
// The chain also writes:
// - sequence 0 when it opens, before any object, so a chain exists from the start;
// - at each tick (every half interval) a heartbeat digest, possibly with no objects, unless one
//   was written in the last quarter interval, so a running chain is never silent for more than
//   3/4 of an interval (unless writes fail), and one silent for two intervals without a final
//   digest has stopped (crashed, or its newest digests were deleted): verify says so;
// - a final digest (final: true) when the job stops cleanly;
// - in `closes`, where each other chain of the job ended, cleanly or not (chain-witness.ts): a
//   later deletion of that chain's last digests, or of the whole chain, no longer goes unseen.
//
// A digest that cannot be written fails the deliveries waiting for it (they are retried, and
// their entries stay pending for the next digest), so an outage delays acknowledgement but loses
// no evidence.

import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { ObjectAccess } from '../destinations/object-access.ts';
import { SerialQueue } from '../jobs/store/serial-queue.ts';
import { ChainWitness } from './chain-witness.ts';
import { DIGEST_FORMAT, digestKey, encodeDigest, publicKeyFingerprint, sha256Hex, type DigestBody, type DigestEntry, type DigestLink } from './digest.ts';

export interface DigestSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface DigestWriterOptions {
  jobId: number;
  dataset: string;
  access: ObjectAccess;
  /** The signing key, loaded once per process (a promise: the first digest waits for it). */
  signer: () => Promise<DigestSigner>;
  /** The heartbeat interval: a running chain writes a digest at least every 3/4 of it. */
  intervalMs: number;
  log: Logger;
  now?: () => Date;
  /** Counts each attempt (metrics); absent = not counted. */
  onAttempt?: (outcome: 'written' | 'failed') => void;
}

const DIGEST_CONTENT_TYPE = 'application/json';

/** An object waiting for the digest that lists it, and the deliveries waiting with it. */
interface PendingEntry {
  entry: DigestEntry;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

export class DigestWriter {
  readonly chain = randomUUID();
  readonly #options: DigestWriterOptions;
  readonly #now: () => Date;
  readonly #witness: ChainWitness;
  /** By key and hash: a delivery retried after a failed digest adds the same object again. */
  readonly #pending = new Map<string, PendingEntry>();
  #sequence = 0;
  #previous: DigestLink | null = null;
  #periodStart: Date;
  #lastWrittenMs = Number.NEGATIVE_INFINITY;
  /** Digests are written one at a time, in order. */
  readonly #writing = new SerialQueue();
  #writeQueued = false;
  #tickQueued = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: DigestWriterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#periodStart = this.#now();
    this.#witness = new ChainWitness({ jobId: options.jobId, chain: this.chain, access: options.access, log: options.log });
  }

  /** Opens the chain (sequence 0, written now) and starts the heartbeat. */
  start(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.#tick(), Math.max(1, this.#options.intervalMs / 2));
    this.#timer.unref();
    this.#tick();
  }

  /**
   * An object the job delivered (durable at the destination). Resolves once a digest that lists
   * it is durable too; rejects when that digest could not be written (the entry stays pending
   * for the next one).
   */
  add(entry: DigestEntry): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`audit digest chain ${this.chain} of job ${this.#options.jobId} is closed`));
    const id = pendingId(entry);
    const pending = this.#pending.get(id) ?? { entry, waiters: [] };
    this.#pending.set(id, pending);
    const written = new Promise<void>((resolve, reject) => pending.waiters.push({ resolve, reject }));
    this.#scheduleWrite();
    return written;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Writes the pending entries as the next digest now (an empty one when none are pending). */
  flush(): Promise<void> {
    return this.#writing.run(() => this.#write(false));
  }

  /** Stops the heartbeat and writes the final digest; failures are logged, not thrown. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    try {
      await this.#writing.run(() => this.#write(true));
    } catch {
      this.#options.log.error(
        { job_id: this.#options.jobId, chain: this.chain, objects: this.#pending.size },
        'audit digest chain left without its final digest: sluice verify will report the chain as stopped without one, and these objects (unacknowledged) as not covered',
      );
    }
  }

  #scheduleWrite(): void {
    if (this.#writeQueued) return;
    this.#writeQueued = true;
    this.#writing.run(async () => {
      this.#writeQueued = false;
      // An earlier digest (a heartbeat) may have taken every pending object already.
      if (this.#pending.size > 0) await this.#write(false);
    }).catch(() => {}); // logged in #write; the waiters got the error
  }

  /** Looks at the other chains, then writes a digest if one is due (or the chain is not open yet). */
  #tick(): void {
    if (this.#tickQueued || this.#closed) return;
    this.#tickQueued = true;
    this.#writing.run(async () => {
      this.#tickQueued = false;
      const closesBefore = this.#witness.closes.length;
      await this.#witness.scan(this.#now());
      // A quarter, not a half: the timer fires every half interval, and a digest written a little
      // less than half an interval ago would otherwise push the heartbeat to the next tick (a
      // whole interval of silence, where verify allows two).
      const due = this.#now().getTime() - this.#lastWrittenMs >= this.#options.intervalMs / 4;
      if (due || this.#witness.closes.length > closesBefore) await this.#write(false);
    }).catch(() => {}); // logged in #write or the witness; retried at the next tick
  }

  async #write(final: boolean): Promise<void> {
    const { jobId, dataset, access, log } = this.#options;
    const batch = [...this.#pending.values()];
    const key = digestKey(jobId, this.chain, this.#sequence);
    try {
      const signer = await this.#options.signer();
      const fingerprint = publicKeyFingerprint(signer.publicKey);
      const end = this.#now();
      const body: DigestBody = {
        format: DIGEST_FORMAT,
        job_id: jobId,
        dataset,
        chain: this.chain,
        sequence: this.#sequence,
        start: this.#periodStart.toISOString(),
        end: end.toISOString(),
        interval_seconds: Math.max(1, Math.round(this.#options.intervalMs / 1000)),
        previous: this.#previous,
        objects: batch.map((p) => p.entry),
        closes: this.#witness.closes.slice(),
        previous_key_sha256: this.#sequence === 0 ? this.#witness.previousKeyOtherThan(fingerprint) : null,
        final,
        public_key_sha256: fingerprint,
      };
      const bytes = encodeDigest(body, signer.privateKey);
      await access.put(key, bytes, DIGEST_CONTENT_TYPE);
      this.#previous = { key, sha256: sha256Hex(bytes) };
      this.#sequence++;
      this.#periodStart = end;
      this.#lastWrittenMs = end.getTime();
      for (const pending of batch) {
        this.#pending.delete(pendingId(pending.entry));
        for (const waiter of pending.waiters) waiter.resolve();
      }
      this.#options.onAttempt?.('written');
    } catch (error) {
      this.#options.onAttempt?.('failed');
      for (const pending of batch) {
        for (const waiter of pending.waiters.splice(0)) waiter.reject(error);
      }
      log.warn({ job_id: jobId, digest: key, objects: batch.length, err: error instanceof Error ? error.message : String(error) }, 'audit digest not written; its objects stay pending for the next one');
      throw error;
    }
  }
}

function pendingId(entry: DigestEntry): string {
  return `${entry.key}\n${entry.sha256}\n${entry.bytes}`;
}
