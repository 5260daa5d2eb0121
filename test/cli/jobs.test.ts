// `sluice jobs …` as an operator runs it, against a running `sluice run` with the admin API and
// the file job store: pretty JSON on success, one line per API error and exit 1 on failure,
// one line for an unreachable API.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { killAllSluice, SluiceProcess } from '../integration/support/sluice-process.ts';
import { waitUntil } from '../integration/support/wait.ts';
import { runSluice, type SluiceRun } from './run-sluice.ts';

const ZONE = 'zone-cli';
/** `sluice jobs <args>`, with no API token in the environment unless `env` sets one. */
function jobs(args: string[], stdin = '', env: Record<string, string> = {}): Promise<SluiceRun> {
  return runSluice(['jobs', ...args], { stdin, env: { SLUICE_API_TOKEN: '', ...env } });
}

const TOKEN = 'sluice-cli-token-0123456789abcdef';

/** A loopback port nothing listens on (bound once, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('sluice jobs', { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-jobs-'));
  let api = '';
  const common = () => ['--api', api, '--zone', ZONE];
  const job = (out: string) => JSON.stringify({ dataset: 'http_requests', destination_conf: pathToFileURL(join(dir, out)).href, max_upload_interval_seconds: 1 });

  before(async () => {
    const tokens = join(dir, 'tokens.json');
    writeFileSync(tokens, JSON.stringify([{ id: 'cli', hash: createHash('sha256').update(TOKEN).digest('hex'), scopes: [{ zone_id: ZONE, access: 'write' }] }]));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, stringify({
      data_dir: join(dir, 'data'),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 50, tenants: [ZONE] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokens },
      destinations: { file_roots: [dir], tenant_folders: false },
    }));
    const sluice = new SluiceProcess('cli-api', config);
    await waitUntil(() => /admin API on http/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { timeoutMs: 30_000, detail: () => sluice.tail() });
    api = /admin API on (http:\/\/\S+)/.exec(sluice.stdout)?.[1] ?? '';
    assert.ok(api, sluice.tail());
  });

  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create (stdin and --file), list, get, update, delete', async () => {
    const created = await jobs(['create', ...common(), '--token', TOKEN], job('one'));
    assert.equal(created.code, 0, created.stderr);
    const first = JSON.parse(created.stdout);
    assert.equal(first.dataset, 'http_requests');
    assert.match(created.stdout, /\n {2}"id": /, 'pretty JSON');
    const file = join(dir, 'job.json');
    writeFileSync(file, job('two'));
    const second = await jobs(['create', ...common(), '--file', file], '', { SLUICE_API_TOKEN: TOKEN });
    assert.equal(second.code, 0, second.stderr);
    const secondId = JSON.parse(second.stdout).id as number;

    const listed = await jobs(['list', ...common(), '--token', TOKEN]);
    assert.deepEqual(JSON.parse(listed.stdout).map((j: { id: number }) => j.id), [first.id, secondId]);
    const updated = await jobs(['update', String(first.id), ...common(), '--token', TOKEN], JSON.stringify({ name: 'renamed' }));
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(JSON.parse((await jobs(['get', String(first.id), ...common(), '--token', TOKEN])).stdout).name, 'renamed');
    const deleted = await jobs(['delete', String(secondId), ...common(), '--token', TOKEN]);
    assert.deepEqual(JSON.parse(deleted.stdout), { id: secondId });
    const gone = await jobs(['get', String(secondId), ...common(), '--token', TOKEN]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, `sluice: error 1003: job ${secondId} not found\n`);
  });

  it('prints every API error as one line and exits 1', async () => {
    const bad = await jobs(['create', ...common(), '--token', TOKEN], JSON.stringify({ dataset: 'http_requests', destination_conf: pathToFileURL(join(dir, 'x')).href, max_upload_interval_seconds: 'soon', compression: 'rar' }));
    assert.equal(bad.code, 1);
    const lines = bad.stderr.trimEnd().split('\n');
    assert.ok(lines.length >= 2, bad.stderr);
    for (const line of lines) assert.match(line, /^sluice: error 1004: \$\.\S+: /);
    assert.equal(bad.stdout, '');
    const denied = await jobs(['list', ...common(), '--token', 'wrong-token-000000000000']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^sluice: error 1001: [^\n]+\n$/);
  });

  it('an unreachable API, a missing token and bad arguments are one clear line each', async () => {
    const port = await closedPort();
    const down = await jobs(['list', '--api', `http://127.0.0.1:${port}`, '--zone', ZONE, '--token', TOKEN]);
    assert.equal(down.code, 1);
    assert.equal(down.stderr, `sluice: cannot reach the admin API at http://127.0.0.1:${port} (ECONNREFUSED)\n`);
    const noToken = await jobs(['list', ...common()]);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /^sluice: an API token is needed/);
    const noTenant = await jobs(['list', '--api', api, '--token', TOKEN]);
    assert.match(noTenant.stderr, /exactly one of --zone ID or --account ID/);
    const notJson = await jobs(['create', ...common(), '--token', TOKEN], '{oops');
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /^sluice: the job JSON from stdin is not valid JSON/);
  });
});
