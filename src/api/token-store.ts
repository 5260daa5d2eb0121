// API tokens, kept in a JSON file as SHA-256 hashes only: a leaked file does not leak a usable
// token. A presented token is hashed and compared with every stored hash in constant time
// (crypto.timingSafeEqual), so response timing says nothing about how close a guess was.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from '../jobs/store/atomic-file.ts';
import { pathJoin } from '../jobs/json-path.ts';
import { SerialQueue } from '../jobs/store/serial-queue.ts';
import type { Problem } from '../jobs/types.ts';
import { parseWithProblems } from '../jobs/zod-problems.ts';
import { TokenScopeSchema } from './schemas.ts';

export type TokenScope = z.output<typeof TokenScopeSchema>;
export type Access = TokenScope['access'];

export interface TokenRecord {
  id: string;
  /** Hex SHA-256 of the token secret. */
  hash: string;
  scopes: TokenScope[];
  name?: string | null;
  created_at?: string | null;
}

export interface TokenInfo {
  id: string;
  name: string | null;
  scopes: TokenScope[];
  created_at: string | null;
}

export class TokenFileError extends Error {
  readonly code = 'ERR_API_TOKENS_FILE';
  readonly problems: readonly Problem[];
  constructor(path: string, problems: readonly Problem[]) {
    super(`${path}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'TokenFileError';
    this.problems = problems;
  }
}

export function hashToken(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function parseRecords(raw: unknown, path: string): TokenRecord[] {
  const problems: Problem[] = [];
  if (!Array.isArray(raw)) throw new TokenFileError(path, [{ path: '$', message: 'must be an array of tokens' }]);
  const ids = new Set<string>();
  const records = raw.map((item: unknown, i: number) => {
    const base = pathJoin('$', i);
    const r = (item ?? {}) as Record<string, unknown>;
    if (typeof r.id !== 'string' || r.id === '') problems.push({ path: pathJoin(base, 'id'), message: 'must be a non-empty string' });
    else if (ids.has(r.id)) problems.push({ path: pathJoin(base, 'id'), message: `duplicate token id ${JSON.stringify(r.id)}` });
    else ids.add(r.id);
    if (typeof r.hash !== 'string' || !HEX_SHA256.test(r.hash)) problems.push({ path: pathJoin(base, 'hash'), message: 'must be a lower-case hex SHA-256 (64 characters)' });
    const scopes = Array.isArray(r.scopes)
      ? r.scopes.map((s: unknown, j: number) => parseWithProblems(TokenScopeSchema, s, pathJoin(pathJoin(base, 'scopes'), j), problems))
      : (problems.push({ path: pathJoin(base, 'scopes'), message: 'must be an array' }), []);
    return { id: String(r.id), hash: String(r.hash), scopes: scopes.filter((s) => s !== undefined), name: typeof r.name === 'string' ? r.name : null, created_at: typeof r.created_at === 'string' ? r.created_at : null };
  });
  if (problems.length > 0) throw new TokenFileError(path, problems);
  return records;
}

export class TokenStore {
  /** Where tokens are persisted; null keeps them in memory only (tests). */
  readonly path: string | null;
  private records: TokenRecord[];
  private hashes: Buffer[];
  private readonly queue = new SerialQueue();

  private constructor(path: string | null, records: TokenRecord[]) {
    this.path = path;
    this.records = records;
    this.hashes = records.map((r) => Buffer.from(r.hash, 'hex'));
  }

  /** Loads the tokens file (a missing file is an empty set). Throws TokenFileError on a malformed one. */
  static async open(path: string): Promise<TokenStore> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new TokenStore(path, []);
      throw error;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new TokenFileError(path, [{ path: '$', message: 'is not valid JSON' }]);
    }
    return new TokenStore(path, parseRecords(raw, path));
  }

  static inMemory(records: TokenRecord[] = []): TokenStore {
    return new TokenStore(null, parseRecords(records, 'tokens'));
  }

  /** The token record whose hash matches, or null. Visits every record whatever the outcome. */
  authenticate(secret: string): TokenRecord | null {
    const presented = hashToken(secret);
    let found: TokenRecord | null = null;
    for (let i = 0; i < this.hashes.length; i++) {
      if (timingSafeEqual(presented, this.hashes[i]!) && found === null) found = this.records[i]!;
    }
    return found;
  }

  list(): TokenInfo[] {
    return this.records.map(info);
  }

  /** Creates a token; the secret is returned once and never stored. */
  async create(scopes: TokenScope[], name: string | null, now: Date): Promise<{ secret: string; info: TokenInfo }> {
    return this.queue.run(async () => {
      const secret = `sluice_${randomBytes(32).toString('base64url')}`;
      const record: TokenRecord = { id: `tok_${randomBytes(8).toString('hex')}`, hash: hashToken(secret).toString('hex'), scopes, name, created_at: now.toISOString() };
      await this.save([...this.records, record]);
      return { secret, info: info(record) };
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.queue.run(async () => {
      const rest = this.records.filter((r) => r.id !== id);
      if (rest.length === this.records.length) return false;
      await this.save(rest);
      return true;
    });
  }

  private async save(records: TokenRecord[]): Promise<void> {
    if (this.path !== null) {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFileAtomic(this.path, `${JSON.stringify(records, null, 2)}\n`);
    }
    this.records = records;
    this.hashes = records.map((r) => Buffer.from(r.hash, 'hex'));
  }
}

function info(record: TokenRecord): TokenInfo {
  return { id: record.id, name: record.name ?? null, scopes: record.scopes, created_at: record.created_at ?? null };
}
