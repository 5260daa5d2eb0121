// A hostile tenant against a running sluice, with a token scoped to zone A: file:// jobs,
// ownership challenges and destination checks stay inside the operator's file root and zone A's
// own folder. Every escape — the filesystem root, `..`, %-escapes, a symlink, zone B's folder —
// is refused with 1004 and a reason that shows no host path, and nothing is created or written
// outside the tenant's folder. A job inside it delivers.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { listFiles } from '../e2e/output-reader.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE_A = '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a';
const ZONE_B = '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b';
const TOKEN_A = 'sluice-it-zone-a-token-0123456789';
const WAIT = { timeoutMs: 30_000 };

describe('a tenant\'s file destinations stay in its folder', { timeout: 120_000 }, () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'sluice-tenant-files-')));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const folderA = join(root, ZONE_A);
  const folderB = join(root, ZONE_B);
  let url = '';

  before(async () => {
    for (const dir of [folderA, folderB, outside]) mkdirSync(dir, { recursive: true });
    symlinkSync(outside, join(folderA, 'escape'));
    const tokens = join(base, 'tokens.json');
    writeFileSync(tokens, JSON.stringify([{ id: 'zone-a', hash: createHash('sha256').update(TOKEN_A).digest('hex'), scopes: [{ zone_id: ZONE_A, access: 'write' }] }]));
    const config = join(base, 'sluice.yaml');
    writeFileSync(config, stringify({
      data_dir: join(base, 'data'),
      limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 100, tenants: [ZONE_A] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokens },
      destinations: { file_roots: [root] },
    }));
    const sluice = new SluiceProcess('tenant-files', config);
    await waitUntil(() => /admin API on (https?:\/\/\S+)/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { ...WAIT, detail: () => sluice.tail() });
    url = /admin API on (https?:\/\/\S+)/.exec(sluice.stdout)?.[1] ?? '';
    assert.ok(url, sluice.tail());
  });

  after(async () => {
    await killAllSluice();
    rmSync(base, { recursive: true, force: true });
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: any; text: string }> {
    const response = await fetch(`${url}/zones/${ZONE_A}/logpush${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN_A}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text), text };
  }

  const job = (destination: string) => ({ dataset: 'http_requests', destination_conf: destination, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID'] } });
  const escapes: Array<[string, string]> = [
    ['the filesystem root', 'file:///'],
    ['a directory outside the root', pathToFileURL(join(outside, 'logs')).href],
    ['the root itself', pathToFileURL(join(root, 'logs')).href],
    ['zone B\'s folder', pathToFileURL(join(folderB, 'logs')).href],
    ['.. into zone B', `file://${folderA}/../${ZONE_B}/logs`],
    ['.. out of the root', `file://${folderA}/../../outside/{DATE}`],
    ['percent-encoded ..', `file://${folderA}/%2E%2E/%2E%2E/outside`],
    ['percent-encoded separators', `file://${folderA}%2F..%2F..%2Foutside`],
    ['a symlink out of the root', `file://${folderA}/escape/logs`],
  ];

  for (const [what, destination] of escapes) {
    it(`refuses ${what} for a job, an ownership challenge and a destination check`, async () => {
      const created = await post('/jobs', job(destination));
      assert.equal(created.status, 400, created.text);
      assert.equal(created.json.errors[0].code, 1004, created.text);
      assert.match(created.json.errors[0].message, /^\$\.destination_conf: a file:\/\/ destination must lie inside one of the operator's file roots/);

      const ownership = await post('/ownership', { destination_conf: destination });
      assert.equal(ownership.status, 400, ownership.text);
      assert.equal(ownership.json.errors[0].code, 1004, ownership.text);

      const checked = await post('/validate/destination', { destination_conf: destination });
      assert.equal(checked.status, 200, checked.text);
      assert.equal(checked.json.result.valid, false, checked.text);

      for (const answer of [created, ownership, checked]) assert.ok(!answer.text.includes(base), `a host path leaked: ${answer.text}`);
    });
  }

  it('wrote and created nothing outside zone A\'s folder', () => {
    assert.deepEqual(readdirSync(outside), []);
    assert.deepEqual(readdirSync(folderB), []);
    assert.deepEqual(readdirSync(root).sort(), [ZONE_A, ZONE_B].sort());
    assert.equal(existsSync(join(root, 'logs')), false);
  });

  it('writes the ownership challenge in the tenant\'s folder and names it relative to the root', async () => {
    const answer = await post('/ownership', { destination_conf: pathToFileURL(join(folderA, 'challenge', '{DATE}')).href });
    assert.equal(answer.status, 200, answer.text);
    const filename: string = answer.json.result.filename;
    assert.equal(filename, `${ZONE_A}/challenge/ownership-challenge.txt`, 'above the {DATE} folders, relative to the root');
    assert.ok(existsSync(join(root, filename)), `${filename} was not written under the root`);
    assert.ok(!answer.text.includes(base), answer.text);
  });

  it('runs a job inside the tenant\'s folder', async () => {
    const out = join(folderA, 'delivered');
    const created = await post('/jobs', { ...job(pathToFileURL(out).href), enabled: true });
    assert.equal(created.status, 200, created.text);
    await waitUntil(() => existsSync(out) && listFiles(out).some((path) => /\.log\.gz$/.test(path)), 'a delivered object in zone A\'s folder', WAIT);
  });
});
