// Ownership challenge: proof that whoever creates a job writing to a bucket controls that
// bucket. sluice writes ownership-challenge.txt holding a signed, expiring token into the
// destination; the caller reads it back and passes it as ownership_challenge. The token is
// HMAC-SHA256 over tenant | destination (credentials redacted, so rotating a key does not
// invalidate it) | expiry, with a server secret: stateless, so any instance can verify it.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDestinationConf, redactDestinationConf } from '../destinations/destination-conf.ts';
import { FILE_DESTINATIONS_DISABLED, outsideRootsMessage, pathWithinRoots, type FileRootsPolicy } from '../destinations/file-roots.ts';
import { undatedFolder } from '../destinations/object-name.ts';
import { writeFileAtomic } from '../jobs/store/atomic-file.ts';
import { tenantKey } from '../jobs/store/job-store.ts';
import type { Tenant } from '../jobs/types.ts';
import { API_ERROR_CODES, apiError } from './errors.ts';

export const OWNERSHIP_FILE_NAME = 'ownership-challenge.txt';
export const OWNERSHIP_SECRET_FILE = 'ownership-secret';
export const DEFAULT_OWNERSHIP_TTL_SECONDS = 24 * 3600;
// Object storage, and Sumo Logic (Logpush asks for a challenge there too: its docs say a
// regenerated HTTP source URL needs a new one).
const CHALLENGED = /^(s3|r2|gs|azure|sumo):/i;

/** Writes the challenge file into the destination; returns the name it was written under. */
export type OwnershipWriter = (destinationConf: string, file: { name: string; content: string }) => Promise<{ filename: string }>;

export function needsOwnershipChallenge(destinationConf: unknown): boolean {
  return typeof destinationConf === 'string' && CHALLENGED.test(destinationConf);
}

export class OwnershipSigner {
  private readonly secret: Buffer;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(secret: Buffer, ttlSeconds: number, now: () => number) {
    this.secret = secret;
    this.ttlSeconds = ttlSeconds;
    this.now = now;
  }

  issue(tenant: Tenant, destinationConf: string): string {
    const expiry = Math.floor(this.now() / 1000) + this.ttlSeconds;
    return `${expiry}.${this.mac(tenant, destinationConf, expiry).toString('base64url')}`;
  }

  verify(tenant: Tenant, destinationConf: string, token: string): { valid: boolean; message: string } {
    const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token.trim());
    if (!match) return { valid: false, message: 'the ownership challenge is malformed; use the token from ownership-challenge.txt' };
    const expiry = Number(match[1]);
    const expected = this.mac(tenant, destinationConf, expiry);
    const given = Buffer.from(match[2]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { valid: false, message: 'the ownership challenge does not match this destination and tenant' };
    }
    if (this.now() / 1000 > expiry) return { valid: false, message: 'the ownership challenge has expired; request a new one' };
    return { valid: true, message: '' };
  }

  private mac(tenant: Tenant, destinationConf: string, expiry: number): Buffer {
    return createHmac('sha256', this.secret).update(`${tenantKey(tenant)}|${redactDestinationConf(destinationConf)}|${expiry}`).digest();
  }
}

/** SLUICE_OWNERSHIP_SECRET, or a random secret created once and kept under data_dir (0600). */
export async function loadOwnershipSecret(dataDir: string, env: { SLUICE_OWNERSHIP_SECRET?: string | undefined } = process.env): Promise<Buffer> {
  if (env.SLUICE_OWNERSHIP_SECRET) return Buffer.from(env.SLUICE_OWNERSHIP_SECRET, 'utf8');
  const path = join(dataDir, OWNERSHIP_SECRET_FILE);
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (text.length >= 32) return Buffer.from(text, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(path, `${secret.toString('hex')}\n`);
  return secret;
}

/**
 * The built-in writer: file:// destinations only (in the folder above the {DATE} folders, so
 * the file does not move with the day), inside the operator's file roots. The answer names the
 * file relative to its root: an API answer never shows a host path. Object storage writers come
 * from the S3 destination code; without one, the request is refused with a clear message.
 */
export function createFileOwnershipWriter(roots: FileRootsPolicy): OwnershipWriter {
  return async (destinationConf, file) => {
    let conf;
    try {
      conf = parseDestinationConf(destinationConf);
    } catch (error) {
      throw apiError(400, API_ERROR_CODES.invalidField, `$.destination_conf: ${(error as Error).message}`);
    }
    if (conf.scheme !== 'file') {
      throw apiError(400, API_ERROR_CODES.ownershipChallenge, `ownership challenges for ${conf.scheme}: destinations are not available in this build`);
    }
    const dir = undatedFolder(conf.pathTemplate) || '/';
    // The tenant boundary was checked by the handler; this keeps the writer safe on its own.
    const shown = await pathWithinRoots(dir, roots);
    if (shown === null) {
      const why = roots.roots.length === 0 ? FILE_DESTINATIONS_DISABLED : outsideRootsMessage(roots.tenantFolders);
      throw apiError(400, API_ERROR_CODES.invalidField, `$.destination_conf: ${why}`);
    }
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, file.name), file.content);
    return { filename: join(shown, file.name) };
  };
}
