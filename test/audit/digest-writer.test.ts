import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { DigestWriter } from '../../src/audit/digest-writer.ts';
import { parseDigest, sha256Hex, verifyDigestSignature } from '../../src/audit/digest.ts';
import { DeliveryError } from '../../src/destinations/destination.ts';
import type { ObjectAccess, ObjectInfo } from '../../src/destinations/object-access.ts';
import { createLogger } from '../../src/shared/log.ts';

/** An in-memory destination whose puts can be made to fail. */
class MemoryAccess implements ObjectAccess {
  readonly root = 'mem://root/';
  readonly objects = new Map<string, Uint8Array>();
  readonly written = new Map<string, Date>();
  failPuts = 0;
  async put(key: string, bytes: Uint8Array): Promise<void> {
    if (this.failPuts > 0) {
      this.failPuts--;
      throw new DeliveryError('ERR_TEST', 'the destination is down', true);
    }
    this.objects.set(key, bytes);
    this.written.set(key, new Date());
  }
  async get(key: string): Promise<Uint8Array | null> {
    return this.objects.get(key) ?? null;
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async listInfo(prefix: string): Promise<ObjectInfo[]> {
    return (await this.list(prefix)).map((key) => ({ key, bytes: this.objects.get(key)!.length, modified: this.written.get(key)! }));
  }
  async read(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    const bytes = this.objects.get(key);
    return bytes === undefined ? null : Readable.from([bytes]);
  }
  keyOfLocation(location: string): string | null {
    return location;
  }
  close(): void {}
}

const keys = generateKeyPairSync('ed25519');
const entry = (n: number) => ({ key: `20261127/object-${n}.log.gz`, sha256: sha256Hex(new Uint8Array([n])), bytes: n + 1 });

function writer(access: MemoryAccess, onAttempt?: (outcome: 'written' | 'failed') => void): DigestWriter {
  let t = Date.parse('2026-11-27T10:00:00Z');
  return new DigestWriter({
    jobId: 7,
    dataset: 'audit_logs',
    access,
    signer: async () => keys,
    intervalMs: 3_600_000,
    log: createLogger('silent'),
    now: () => new Date((t += 1000)),
    ...(onAttempt ? { onAttempt } : {}),
  });
}

describe('DigestWriter', () => {
  it('chains digests: sequence 0 has no previous, each later one names the previous key and hash', async () => {
    const access = new MemoryAccess();
    const w = writer(access);
    w.add(entry(1));
    w.add(entry(2));
    await w.flush();
    await w.flush(); // nothing pending: no digest
    w.add(entry(3));
    await w.close();
    const keysWritten = [...access.objects.keys()];
    assert.deepEqual(keysWritten, [`_digests/7/${w.chain}/000000.json`, `_digests/7/${w.chain}/000001.json`]);
    const [first, second] = keysWritten.map((k) => parseDigest(access.objects.get(k)!, k));
    assert.deepEqual(first!.objects, [entry(1), entry(2)]);
    assert.equal(first!.previous, null);
    assert.deepEqual(second!.objects, [entry(3)]);
    assert.deepEqual(second!.previous, { key: keysWritten[0], sha256: sha256Hex(access.objects.get(keysWritten[0]!)!) });
    assert.equal(second!.start, first!.end, 'periods are contiguous');
    for (const d of [first!, second!]) assert.ok(verifyDigestSignature(d, keys.publicKey));
  });

  it('keeps entries when a digest cannot be written and writes them, under the same sequence, next time', async () => {
    const access = new MemoryAccess();
    const outcomes: string[] = [];
    const w = writer(access, (outcome) => outcomes.push(outcome));
    w.add(entry(1));
    access.failPuts = 1;
    await assert.rejects(w.flush(), /the destination is down/);
    assert.equal(w.pendingCount, 1);
    w.add(entry(2)); // delivered while the digest was failing
    await w.flush();
    assert.equal(w.pendingCount, 0);
    const only = parseDigest(access.objects.get(`_digests/7/${w.chain}/000000.json`)!);
    assert.deepEqual(only.objects, [entry(1), entry(2)]);
    assert.deepEqual(outcomes, ['failed', 'written'], 'each attempt is counted (sluice_audit_digests_total)');
  });

  it('close() writes what is pending and does not throw when it cannot', async () => {
    const access = new MemoryAccess();
    const w = writer(access);
    w.add(entry(1));
    access.failPuts = 5;
    await w.close();
    assert.equal(access.objects.size, 0);
    assert.equal(w.pendingCount, 1, 'still pending (and logged as in no digest)');
  });

  it('entries added while a digest is being written go to the next one', async () => {
    const access = new MemoryAccess();
    let release!: () => void;
    let putStarted!: () => void;
    const started = new Promise<void>((r) => (putStarted = r));
    const put = access.put.bind(access);
    access.put = async (key, bytes) => {
      putStarted();
      await new Promise<void>((r) => (release = r));
      return put(key, bytes);
    };
    const w = writer(access);
    w.add(entry(1));
    const writing = w.flush();
    await started;
    w.add(entry(2)); // the first digest's put is in flight
    release();
    await writing;
    access.put = put;
    await w.flush();
    const digests = [...access.objects.values()].map((b) => parseDigest(b));
    assert.deepEqual(digests.map((d) => d.objects.map((o) => o.key)), [[entry(1).key], [entry(2).key]]);
  });
});
