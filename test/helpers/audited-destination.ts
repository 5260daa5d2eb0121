// A job's audit destination as sluice's digest writer leaves it after a clean stop: objects, and a
// signed sluice-digest/2 chain listing them (sequence 0 opens the chain with no object, then one
// digest per `objectsPerDigest` objects, the last one final). Built directly rather than by
// running a job, so that the memory test and the benchmark of `sluice verify` get gigabytes of
// objects in seconds.

import { createHash, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DIGEST_FORMAT, digestKey, encodeDigest, publicKeyFingerprint, sha256Hex, type DigestBody, type DigestEntry, type DigestLink } from '../../src/audit/digest.ts';
import type { ObjectAccess } from '../../src/destinations/object-access.ts';
import { mapLimited } from '../../src/shared/map-limited.ts';

export interface DigestChainOptions {
  /** Where the digests go (under _digests/<job>/…), the same root the entries' keys are relative to. */
  access: ObjectAccess;
  jobId: number;
  privateKey: KeyObject;
  entries: readonly DigestEntry[];
  /** About what a writer under steady traffic lists per digest (group commit). */
  objectsPerDigest: number;
  intervalSeconds?: number;
}

/** Writes the chain through `access`; returns how many digests it wrote. */
export async function writeDigestChain(options: DigestChainOptions): Promise<number> {
  const { access, jobId, privateKey, entries, objectsPerDigest } = options;
  const chain = randomUUID();
  const groups: DigestEntry[][] = [[]];
  for (let i = 0; i < entries.length; i += objectsPerDigest) groups.push(entries.slice(i, i + objectsPerDigest));
  // One second per digest, ending now: a closed chain, so verify judges no time against it.
  const firstMs = Date.now() - groups.length * 1000;
  let previous: DigestLink | null = null;
  for (const [sequence, objects] of groups.entries()) {
    const body: DigestBody = {
      format: DIGEST_FORMAT,
      job_id: jobId,
      dataset: 'audit_logs',
      chain,
      sequence,
      start: new Date(firstMs + sequence * 1000).toISOString(),
      end: new Date(firstMs + (sequence + 1) * 1000).toISOString(),
      interval_seconds: options.intervalSeconds ?? 3600,
      previous,
      objects,
      closes: [],
      previous_key_sha256: null,
      final: sequence === groups.length - 1,
      public_key_sha256: publicKeyFingerprint(privateKey),
    };
    const bytes = encodeDigest(body, privateKey);
    const key = digestKey(jobId, chain, sequence);
    await access.put(key, bytes, 'application/json');
    previous = { key, sha256: sha256Hex(bytes) };
  }
  return groups.length;
}

/**
 * Writes `count` objects of `bytes` random bytes each through `put`, 16 at a time, under
 * `20261127/`; returns their digest entries in key order.
 */
export async function writeSmallObjects(count: number, bytes: number, put: (key: string, data: Uint8Array) => Promise<void>): Promise<DigestEntry[]> {
  const keys = Array.from({ length: count }, (_, i) => `20261127/object-${String(i).padStart(6, '0')}.log`);
  return mapLimited(keys, 16, async (key) => {
    const data = randomBytes(bytes);
    await put(key, data);
    return { key, sha256: sha256Hex(data), bytes };
  });
}

const BLOCK_BYTES = 1024 * 1024;

/**
 * Writes the object `key` of a file destination rooted at `root`: `bytes` bytes of one random
 * 1 MiB block repeated (real bytes, not a sparse file, at the speed of the disk), hashed as they
 * are written. Returns its digest entry.
 */
export async function writeLargeFileObject(root: string, key: string, bytes: number): Promise<DigestEntry> {
  const path = join(root, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  const block = randomBytes(BLOCK_BYTES);
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= BLOCK_BYTES) {
      const piece = left >= BLOCK_BYTES ? block : block.subarray(0, left);
      await file.write(piece);
      hash.update(piece);
    }
  } finally {
    await file.close();
  }
  return { key, sha256: hash.digest('hex'), bytes };
}
