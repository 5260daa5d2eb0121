import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { DigestWriter } from '../../src/audit/digest-writer.ts';
import { DIGEST_FORMAT, digestKey, encodeDigest, parseDigest, publicKeyFingerprint, sha256Hex, verifyDigestSignature, type SignedDigest } from '../../src/audit/digest.ts';
import { DeliveryError } from '../../src/destinations/destination.ts';
import type { ObjectAccess, ObjectInfo } from '../../src/destinations/object-access.ts';
import { createLogger } from '../../src/shared/log.ts';
import { waitFor } from '../telemetry/support.ts';

/** An in-memory destination whose puts can be made to fail or wait. */
class MemoryAccess implements ObjectAccess {
  readonly root = 'mem://root/';
  readonly objects = new Map<string, Uint8Array>();
  failPuts = 0;
  /** When set, each put waits for it before storing. */
  gate: Promise<void> | null = null;
  putsStarted = 0;
  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.putsStarted++;
    if (this.failPuts > 0) {
      this.failPuts--;
      throw new DeliveryError('ERR_TEST', 'the destination is down', true);
    }
    if (this.gate) await this.gate;
    this.objects.set(key, bytes);
  }
  async get(key: string): Promise<Uint8Array | null> {
    return this.objects.get(key) ?? null;
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async listInfo(prefix: string): Promise<ObjectInfo[]> {
    return (await this.list(prefix)).map((key) => ({ key, bytes: this.objects.get(key)!.length, modified: new Date() }));
  }
  async read(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    const bytes = this.objects.get(key);
    return bytes === undefined ? null : Readable.from([bytes]);
  }
  keyOfLocation(location: string): string | null {
    return location;
  }
  close(): void {}
  /** The digests of one chain, parsed, in sequence order. */
  chain(chain: string): SignedDigest[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(`_digests/7/${chain}/`)).sort().map((k) => parseDigest(this.objects.get(k)!, k));
  }
}

const keys = generateKeyPairSync('ed25519');
const otherKeys = generateKeyPairSync('ed25519');
const entry = (n: number) => ({ key: `20261127/object-${n}.log.gz`, sha256: sha256Hex(new Uint8Array([n])), bytes: n + 1 });
const HOUR = 3_600_000;

function writer(access: MemoryAccess, options: { onAttempt?: (outcome: 'written' | 'failed') => void; intervalMs?: number; now?: () => Date } = {}): DigestWriter {
  let t = Date.parse('2026-11-27T10:00:00Z');
  return new DigestWriter({
    jobId: 7,
    dataset: 'audit_logs',
    access,
    signer: async () => keys,
    intervalMs: options.intervalMs ?? HOUR,
    log: createLogger('silent'),
    now: options.now ?? (() => new Date((t += 1000))),
    ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
  });
}

/** Writes the newest digest of a foreign chain of job 7 straight into the store. */
function foreignDigest(access: MemoryAccess, options: { end: Date; final?: boolean; signer?: KeyObject; closes?: Array<{ key: string; sha256: string }> }): { key: string; sha256: string } {
  const chain = randomUUID();
  const signer = options.signer ?? keys.privateKey;
  const bytes = encodeDigest({
    format: DIGEST_FORMAT,
    job_id: 7,
    dataset: 'audit_logs',
    chain,
    sequence: 0,
    start: options.end.toISOString(),
    end: options.end.toISOString(),
    interval_seconds: 3600,
    previous: null,
    objects: [],
    closes: options.closes ?? [],
    previous_key_sha256: null,
    final: options.final ?? false,
    public_key_sha256: publicKeyFingerprint(signer),
  }, signer);
  const key = digestKey(7, chain, 0);
  access.objects.set(key, bytes);
  return { key, sha256: sha256Hex(bytes) };
}

describe('DigestWriter', () => {
  it('opens its chain with sequence 0 at start, then chains each digest to the exact bytes of the one before', async () => {
    const access = new MemoryAccess();
    const w = writer(access);
    w.start();
    await Promise.all([w.add(entry(1)), w.add(entry(2))]);
    await w.close();
    const digests = w.chain ? access.chain(w.chain) : [];
    assert.ok(digests.length >= 2, 'sequence 0 and at least the final digest');
    assert.deepEqual(digests[0]!.previous, null);
    assert.deepEqual(digests.flatMap((d) => d.objects), [entry(1), entry(2)], 'each object in exactly one digest');
    for (let i = 1; i < digests.length; i++) {
      const previousKey = digestKey(7, w.chain, i - 1);
      assert.deepEqual(digests[i]!.previous, { key: previousKey, sha256: sha256Hex(access.objects.get(previousKey)!) });
      assert.equal(digests[i]!.start, digests[i - 1]!.end, 'periods are contiguous');
    }
    assert.deepEqual(digests.map((d) => d.final), [...digests.slice(1).map(() => false), true], 'only the last digest is final');
    assert.ok(digests.every((d) => d.interval_seconds === 3600 && verifyDigestSignature(d, keys.publicKey)));
  });

  it('resolves add() only once a digest listing the object is durable (coverage before acknowledgement)', async () => {
    const access = new MemoryAccess();
    const w = writer(access);
    let open!: () => void;
    access.gate = new Promise<void>((resolve) => (open = resolve));
    let covered = false;
    const adding = w.add(entry(1)).then(() => (covered = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(covered, false, 'not acknowledged while the digest is being written');
    assert.equal(access.objects.size, 0);
    open();
    await adding;
    const digest = parseDigest(access.objects.get(digestKey(7, w.chain, 0))!);
    assert.deepEqual(digest.objects, [entry(1)]);
    await w.close();
  });

  it('objects delivered while a digest is being written share the next digest (group commit)', async () => {
    const access = new MemoryAccess();
    const w = writer(access);
    let open!: () => void;
    access.gate = new Promise<void>((resolve) => (open = resolve));
    const first = w.add(entry(1));
    await waitFor('the first digest being written', () => (access.putsStarted === 1 ? true : undefined));
    const later = [2, 3, 4, 5].map((n) => w.add(entry(n)));
    open();
    await Promise.all([first, ...later]);
    access.gate = null;
    assert.deepEqual(access.chain(w.chain).map((d) => d.objects.map((o) => o.bytes)), [[2], [3, 4, 5, 6]], 'two digests for five deliveries');
    await w.close();
  });

  it('fails the deliveries of a digest that cannot be written, keeps their entries, and lists a retried one once', async () => {
    const access = new MemoryAccess();
    const outcomes: string[] = [];
    const w = writer(access, { onAttempt: (outcome) => outcomes.push(outcome) });
    access.failPuts = 1;
    await assert.rejects(w.add(entry(1)), /the destination is down/);
    assert.equal(w.pendingCount, 1);
    await w.add(entry(1)); // the retried delivery of the same object
    await w.add(entry(2));
    const digests = access.chain(w.chain);
    assert.deepEqual(digests.flatMap((d) => d.objects), [entry(1), entry(2)]);
    assert.equal(digests[0]!.sequence, 0, 'nothing was written under the failed attempt: the sequence is kept');
    assert.deepEqual(outcomes, ['failed', 'written', 'written'], 'each attempt is counted (sluice_audit_digests_total)');
    await w.close();
  });

  it('close() writes the final digest with what is pending, refuses adds afterwards, and does not throw when it cannot write', async () => {
    const access = new MemoryAccess();
    const w = writer(access);
    access.failPuts = 1;
    await assert.rejects(w.add(entry(1)));
    await w.close();
    const digests = access.chain(w.chain);
    assert.deepEqual(digests.map((d) => [d.final, d.objects]), [[true, [entry(1)]]]);
    await assert.rejects(w.add(entry(2)), /is closed/);

    const down = new MemoryAccess();
    const failing = writer(down);
    down.failPuts = 10;
    await failing.close();
    assert.equal(down.objects.size, 0);
  });

  it('writes a heartbeat digest about every half interval while nothing is delivered', async () => {
    const access = new MemoryAccess();
    const w = writer(access, { intervalMs: 60, now: () => new Date() });
    w.start();
    await waitFor('four digests without any delivery', () => (access.chain(w.chain).length >= 4 ? true : undefined));
    await w.close();
    const digests = access.chain(w.chain);
    assert.ok(digests.every((d) => d.objects.length === 0));
    assert.equal(digests.at(-1)!.final, true);
  });

  it('records where ended chains ended (closes): final and long-silent ones, not open or already recorded ones', async () => {
    const access = new MemoryAccess();
    const now = Date.parse('2026-11-27T12:00:00Z');
    const stale = new Date(now - 3 * HOUR);
    const crashed = foreignDigest(access, { end: stale });
    const closed = foreignDigest(access, { end: stale, final: true });
    foreignDigest(access, { end: new Date(now - 10 * 60_000) }); // open: within two intervals
    const recordedElsewhere = foreignDigest(access, { end: stale });
    const recorder = foreignDigest(access, { end: new Date(now - HOUR), final: true, closes: [recordedElsewhere] });
    const w = writer(access, { now: () => new Date(now) });
    w.start();
    await w.add(entry(1));
    await w.close();
    const digests = access.chain(w.chain);
    const byKey = (links: Array<{ key: string }>) => links.map((l) => l.key).sort();
    assert.deepEqual(byKey(digests[0]!.closes), byKey([crashed, closed, recorder]), 'sequence 0 records the ended chains not recorded before');
    assert.ok(digests.every((d) => JSON.stringify(d.closes) === JSON.stringify(digests[0]!.closes)), 'every later digest repeats them');
    assert.equal(digests[0]!.previous_key_sha256, null, 'same key as before: no rotation');
  });

  it('names the previous key in sequence 0 when the job\'s latest chain was signed by another key (rotation)', async () => {
    const access = new MemoryAccess();
    const now = Date.parse('2026-11-27T12:00:00Z');
    foreignDigest(access, { end: new Date(now - 5 * HOUR), final: true });
    foreignDigest(access, { end: new Date(now - HOUR), final: true, signer: otherKeys.privateKey });
    const w = writer(access, { now: () => new Date(now) });
    w.start();
    await w.close();
    const digests = access.chain(w.chain);
    assert.equal(digests[0]!.previous_key_sha256, publicKeyFingerprint(otherKeys.publicKey));
    assert.ok(digests.slice(1).every((d) => d.previous_key_sha256 === null));
  });
});
