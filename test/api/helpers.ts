// A real admin API server on 127.0.0.1:0 over a FileJobStore in a temp dir, with tokens for
// two zones and an account, a captured ownership writer and audit sink, and an injectable clock.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDestinationBoundary } from '../../src/api/destination-boundary.ts';
import { createApiServer, type ApiServerOptions } from '../../src/api/server.ts';
import { hashToken, TokenStore } from '../../src/api/token-store.ts';
import type { AuditEvent } from '../../src/api/types.ts';
import { FileJobStore } from '../../src/jobs/store/file-job-store.ts';
import type { JobCountLimits } from '../../src/jobs/store/job-store.ts';

export const ZONE_A = 'zone-aaaa';
export const ZONE_B = 'zone-bbbb';
export const ACCOUNT = 'acct-1111';
export const SECRET = 'SuPeRsEcReTkEy0123456789abcdef';
export const OPERATOR = 'operator-token-0123456789';

export const TOKENS = {
  aWrite: 'tok-a-write-secret-000000000000',
  aRead: 'tok-a-read-secret-0000000000000',
  bWrite: 'tok-b-write-secret-000000000000',
  acctWrite: 'tok-acct-write-secret-000000000',
} as const;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface Harness {
  url: string;
  dir: string;
  store: FileJobStore;
  audits: AuditEvent[];
  challenges: Array<{ conf: string; content: string }>;
  /** Every response body seen, for secret scans. */
  bodies: string[];
  clock: { now: number };
  call(method: string, path: string, options?: { token?: string | null; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<ApiServerOptions> & { counts?: Partial<JobCountLimits> } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-api-'));
  const store = new FileJobStore({ dir, ...(overrides.counts ? { counts: overrides.counts } : {}) });
  await store.start();
  const tokens = TokenStore.inMemory([
    { id: 'a-write', hash: hashToken(TOKENS.aWrite).toString('hex'), scopes: [{ zone_id: ZONE_A, access: 'write' }] },
    { id: 'a-read', hash: hashToken(TOKENS.aRead).toString('hex'), scopes: [{ zone_id: ZONE_A, access: 'read' }] },
    { id: 'b-write', hash: hashToken(TOKENS.bWrite).toString('hex'), scopes: [{ zone_id: ZONE_B, access: 'write' }] },
    { id: 'acct-write', hash: hashToken(TOKENS.acctWrite).toString('hex'), scopes: [{ account_id: ACCOUNT, access: 'write' }] },
  ]);
  const audits: AuditEvent[] = [];
  const challenges: Array<{ conf: string; content: string }> = [];
  const clock = { now: Date.parse('2025-01-01T00:00:00Z') };
  const api = createApiServer({
    store,
    tokens,
    operatorToken: OPERATOR,
    ownershipSecret: Buffer.from('test-ownership-secret'),
    ownershipWriter: async (conf, file) => {
      challenges.push({ conf, content: file.content });
      return { filename: `logs/${file.name}` };
    },
    audit: (event) => {
      audits.push(event);
    },
    now: () => clock.now,
    port: 0,
    // These tests are about the API's mechanics; the boundary has its own tests
    // (test/api/destination-boundary.test.ts, test/integration/api-tenant-*.test.ts).
    destinationBoundary: createDestinationBoundary({ roots: [tmpdir()], tenantFolders: false }, async () => null),
    ...overrides,
    // The clock stands still in tests, so buckets never refill: generous unless a test says otherwise.
    limits: { rate_per_second: 1_000_000, rate_burst: 1_000_000, ...overrides.limits },
  });
  const { url } = await api.listen();
  const bodies: string[] = [];
  return {
    url, dir, store, audits, challenges, bodies, clock,
    async call(method, path, options = {}) {
      const token = options.token === undefined ? TOKENS.aWrite : options.token;
      const headers: Record<string, string> = { ...options.headers };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | Buffer | undefined = options.raw;
      if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      bodies.push(text);
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        // left null: the assertion on it fails with the status visible
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async close() {
      await api.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A valid zone job body with a file destination, enabled (a job created without `enabled` is disabled). */
export function fileJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'errors',
    enabled: true,
    dataset: 'http_requests',
    destination_conf: 'file:///tmp/sluice-api-test/{DATE}',
    output_options: { field_names: ['ClientIP', 'RayID'], output_type: 'ndjson' },
    ...overrides,
  };
}

export function s3Conf(bucket = 'logs'): string {
  return `s3://${bucket}/http/{DATE}?region=us-east-1&access-key-id=AKIAEXAMPLE&secret-access-key=${SECRET}`;
}

export const zoneJobs = (zone: string) => `/zones/${zone}/logpush/jobs`;
