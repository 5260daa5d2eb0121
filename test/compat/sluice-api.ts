// A running `sluice run` with the admin API, for the SDK compatibility suites: one token with
// write access to a zone and an account, and a file root in which each of them has its folder,
// so file:// destinations, ownership challenges and destination checks work as a tenant's do.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { killAllSluice, SluiceProcess } from '../integration/support/sluice-process.ts';
import { waitUntil } from '../integration/support/wait.ts';

// Ids in the form Cloudflare's docs use (32 hex digits).
export const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
export const ACCOUNT = '01a7362d577a6c3019a474fd6f485823';
export const TOKEN = 'sluice-sdk-compat-token-0123456789abcdef';

export interface SluiceApi {
  /** The API's base URL, without /client/v4. */
  url: string;
  /** The operator's file root; the zone's and the account's folders are in it. */
  root: string;
  /** A directory outside the root. */
  outside: string;
  /** A file:// destination under `tenant`'s folder, with Logpush's {DATE} folder. */
  destination(tenant: string, path: string): string;
  stop(): Promise<void>;
}

export async function startSluiceApi(name: string): Promise<SluiceApi> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), `sluice-${name}-`)));
  const root = join(base, 'root');
  for (const tenant of [ZONE, ACCOUNT]) mkdirSync(join(root, tenant), { recursive: true });
  const tokens = join(base, 'tokens.json');
  writeFileSync(tokens, JSON.stringify([{
    id: 'sdk',
    hash: createHash('sha256').update(TOKEN).digest('hex'),
    scopes: [{ zone_id: ZONE, access: 'write' }, { account_id: ACCOUNT, access: 'write' }],
  }]));
  const config = join(base, 'sluice.yaml');
  writeFileSync(config, stringify({
    data_dir: join(base, 'data'),
    pipeline: { workers: 1 },
    sources: [{ type: 'generator', rate: 10, tenants: [ZONE] }],
    api: { listen: '127.0.0.1:0', tokens_file: tokens },
    destinations: { file_roots: [root] },
  }));
  const sluice = new SluiceProcess(name, config);
  await waitUntil(() => /admin API on (https?:\/\/\S+)/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { timeoutMs: 30_000, detail: () => sluice.tail() });
  const url = /admin API on (https?:\/\/\S+)/.exec(sluice.stdout)?.[1];
  assert.ok(url, sluice.tail());
  return {
    url,
    root,
    outside: join(base, 'elsewhere'),
    destination: (tenant, path) => `${pathToFileURL(join(root, tenant, path)).href}/{DATE}`,
    async stop() {
      await killAllSluice();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
