// Writes one audit job's digest chain (docs/architecture.md "Around the process"; src/audit/digest.ts has the
// format). Delivered objects are added as they become durable; every interval, and when the job
// stops, the pending ones are written as the next signed digest, which points at the previous
// digest's key and hash. A process run is one chain (a random id, sequence from 0), so two
// instances delivering the same job, or a restart, never interleave one chain.
//
// A digest that cannot be written keeps its entries pending and is retried at the next tick
// (with the same sequence number: nothing was written under it), so a destination outage delays
// the evidence but loses none of it while the process runs. Objects delivered after the last
// digest of a crashed run are in no digest; `sluice verify` reports them as not covered.

import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { ObjectAccess } from '../destinations/object-access.ts';
import { SerialQueue } from '../jobs/store/serial-queue.ts';
import { DIGEST_FORMAT, digestKey, encodeDigest, publicKeyFingerprint, sha256Hex, type DigestBody, type DigestEntry } from './digest.ts';

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
  intervalMs: number;
  log: Logger;
  now?: () => Date;
  /** Counts each attempt (metrics); absent = not counted. */
  onAttempt?: (outcome: 'written' | 'failed') => void;
}

const DIGEST_CONTENT_TYPE = 'application/json';

export class DigestWriter {
  readonly chain = randomUUID();
  readonly #options: DigestWriterOptions;
  readonly #now: () => Date;
  #pending: DigestEntry[] = [];
  #sequence = 0;
  #previous: { key: string; sha256: string } | null = null;
  #periodStart: Date;
  /** Digests are written one at a time, in order. */
  readonly #writing = new SerialQueue();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: DigestWriterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#periodStart = this.#now();
  }

  /** Starts the periodic digests. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.flush().catch(() => {}); // logged in #write; retried at the next tick
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** An object the job delivered (durable at the destination). */
  add(entry: DigestEntry): void {
    this.#pending.push(entry);
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Writes the pending entries as the next digest (nothing when none are pending). */
  flush(): Promise<void> {
    return this.#writing.run(() => this.#write());
  }

  /** Stops the timer and writes what is pending; failures are logged, not thrown. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush().catch(() => {});
    const left = this.#pending.length;
    if (left > 0) {
      this.#options.log.error({ job_id: this.#options.jobId, objects: left }, 'audit digest not written at shutdown: these objects are in no digest (sluice verify will report them as not covered)');
    }
  }

  async #write(): Promise<void> {
    if (this.#pending.length === 0) return;
    const { jobId, dataset, access, log } = this.#options;
    const entries = this.#pending.slice();
    const key = digestKey(jobId, this.chain, this.#sequence);
    try {
      const signer = await this.#options.signer();
      const end = this.#now();
      const body: DigestBody = {
        format: DIGEST_FORMAT,
        job_id: jobId,
        dataset,
        chain: this.chain,
        sequence: this.#sequence,
        start: this.#periodStart.toISOString(),
        end: end.toISOString(),
        previous: this.#previous,
        objects: entries,
        public_key_sha256: publicKeyFingerprint(signer.publicKey),
      };
      const bytes = encodeDigest(body, signer.privateKey);
      await access.put(key, bytes, DIGEST_CONTENT_TYPE);
      this.#previous = { key, sha256: sha256Hex(bytes) };
      this.#sequence++;
      this.#periodStart = end;
      this.#pending = this.#pending.slice(entries.length);
      this.#options.onAttempt?.('written');
    } catch (error) {
      this.#options.onAttempt?.('failed');
      log.warn({ job_id: jobId, digest: key, objects: entries.length, err: error instanceof Error ? error.message : String(error) }, 'audit digest not written; will retry at the next interval');
      throw error;
    }
  }
}
