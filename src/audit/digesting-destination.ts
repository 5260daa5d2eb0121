// A destination that records every object it delivers in the job's audit digest chain: the
// inner destination writes the object as always, then the object's key and SHA-256 go to the
// job's DigestWriter, and deliver() resolves only once a digest listing the object is durable at
// the destination, i.e. before the batch's records are acknowledged. A crash at any moment thus
// leaves every acknowledged object covered; an object written just before a crash and not yet
// listed was not acknowledged, and its records are delivered again. The hash is taken on a second pass over the chunks once the inner destination is
// done (a DeliveryObject's chunks replay from the first on every iteration), so it is the hash of
// exactly the bytes that were stored, however the inner destination retried or split them.
//
// Only audit datasets of destinations with object access (file://, S3-compatible) get digests:
// see digestsApply.

import type { Logger } from 'pino';
import { DeliveryError, type DeliveryObject, type DeliveryReceipt, type Destination } from '../destinations/destination.ts';
import { objectAccessFor, type ObjectAccess } from '../destinations/object-access.ts';
import type { NetworkPolicy } from '../destinations/net/network-policy.ts';
import type { Job } from '../jobs/types.ts';
import { sha256HexAsync } from './digest.ts';
import { DigestWriter, type DigestSigner } from './digest-writer.ts';
import { loadOrCreateSigningKey } from './signing-key.ts';

/** Datasets delivered with digests (docs/architecture.md "Audit digests"). */
export function digestsApply(dataset: string): boolean {
  return dataset.startsWith('audit_logs');
}

export class DigestingDestination implements Destination {
  readonly kind: string;
  readonly #inner: Destination;
  readonly #access: ObjectAccess;
  readonly #writer: DigestWriter;

  constructor(inner: Destination, access: ObjectAccess, writer: DigestWriter) {
    this.kind = inner.kind;
    this.#inner = inner;
    this.#access = access;
    this.#writer = writer;
    if (inner.sweepAbandonedUploads) this.sweepAbandonedUploads = (olderThanMs) => inner.sweepAbandonedUploads!(olderThanMs);
    writer.start();
  }

  sweepAbandonedUploads?(olderThanMs: number): Promise<unknown>;

  async deliver(object: DeliveryObject): Promise<DeliveryReceipt> {
    const receipt = await this.#inner.deliver(object);
    const key = this.#access.keyOfLocation(receipt.location);
    if (key === null) {
      // Cannot happen for the destinations digests apply to; retrying would not help either.
      throw new DeliveryError('ERR_DIGEST', `audit digest: delivered object ${receipt.location} is outside ${this.#access.root}`, false);
    }
    const { sha256, bytes } = await sha256HexAsync(object.chunks);
    try {
      await this.#writer.add({ key, sha256, bytes });
    } catch (error) {
      // The object is stored but in no digest yet: not acknowledged, so the batch is retried;
      // the entry stays pending and goes into the next digest either way.
      const reason = error instanceof Error ? error.message : String(error);
      throw new DeliveryError('ERR_DIGEST', `audit digest: ${receipt.location} is stored but its digest could not be written (${reason}); the batch will be delivered again`, true);
    }
    return receipt;
  }

  async close(): Promise<void> {
    try {
      await this.#writer.close();
    } finally {
      this.#access.close();
      await this.#inner.close();
    }
  }
}

export interface AuditDigestsOptions {
  enabled: boolean;
  intervalSeconds: number;
  /** Absolute path of the signing key (created on first use when missing). */
  signingKeyFile: string;
  log: Logger;
  /** Counts digest writes by outcome (src/telemetry/metrics.ts); absent = not counted. */
  onDigestAttempt?: (outcome: 'written' | 'failed') => void;
  /** Where digest reads and writes may connect: the same policy as the job's deliveries. */
  network: NetworkPolicy;
}

/** Wraps the destinations of audit jobs; loads the signing key once, on first need. */
export class AuditDigests {
  readonly #options: AuditDigestsOptions;
  #signer: Promise<DigestSigner> | null = null;

  constructor(options: AuditDigestsOptions) {
    this.#options = options;
  }

  /** Loads (or creates) the signing key now, so a bad key file stops the start with its message. */
  async prepare(jobs: readonly Job[]): Promise<void> {
    if (!this.#options.enabled || !jobs.some((job) => digestsApply(job.dataset))) return;
    await this.#signerOnce();
  }

  /** `destination` itself, or a DigestingDestination for an audit job with object access. */
  wrap(job: Job, destination: Destination): Destination {
    if (!this.#options.enabled || !digestsApply(job.dataset)) return destination;
    const access = objectAccessFor(job.destination_conf, { network: this.#options.network });
    if (access === null) return destination; // HTTP and the like: no objects to list
    const writer = new DigestWriter({
      jobId: job.id,
      dataset: job.dataset,
      access,
      signer: () => this.#signerOnce(),
      intervalMs: this.#options.intervalSeconds * 1000,
      log: this.#options.log,
      ...(this.#options.onDigestAttempt ? { onAttempt: this.#options.onDigestAttempt } : {}),
    });
    return new DigestingDestination(destination, access, writer);
  }

  #signerOnce(): Promise<DigestSigner> {
    this.#signer ??= loadOrCreateSigningKey(this.#options.signingKeyFile).then(({ privateKey, publicKey, created }) => {
      if (created) this.#options.log.info({ key: this.#options.signingKeyFile }, 'created the audit digest signing key; give its .pub.pem to whoever runs sluice verify');
      return { privateKey, publicKey };
    });
    // A failed load is retried at the next need rather than cached.
    this.#signer.catch(() => (this.#signer = null));
    return this.#signer;
  }
}
