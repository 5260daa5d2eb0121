// Cloudflare's Python SDK against a running sluice: test/compat/cloudflare_python_sdk.py makes
// every call of `client.logpush` (as cloudflare-sdk.test.ts does with the npm SDK) and prints
// `ok <call>` once a call's checks pass. This test wants every call's line, in order, and exit 0,
// so a call that fails, or one dropped from the script, fails here.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { pythonWithSdk } from './python-sdk.ts';
import { ACCOUNT, startSluiceApi, TOKEN, ZONE, type SluiceApi } from './sluice-api.ts';

const SCRIPT = fileURLToPath(new URL('cloudflare_python_sdk.py', import.meta.url));
const exec = promisify(execFile);

const PER_SCOPE = [
  'datasets.fields.get', 'ownership.create', 'ownership.validate', 'validate.destination', 'validate.origin', 'jobs.create', 'jobs.list',
  'datasets.jobs.get', 'validate.destination_exists', 'jobs.update', 'jobs.get', 'jobs.create kind=edge refused', 'jobs.delete',
];
const EXPECTED = [
  ...['zone', 'account'].flatMap((scope) => PER_SCOPE.map((call) => `ok ${scope} ${call}`)),
  'ok edge.create refused', 'ok edge.get refused',
  ...['create', 'update', 'list', 'delete', 'get', 'preview', 'content.get', 'versions.list'].map((call) => `ok transformers.${call} refused`),
];

describe('Cloudflare\'s Python SDK against sluice: every logpush call', { timeout: 300_000 }, () => {
  let sluice: SluiceApi;
  let python = '';

  before(async () => {
    python = await pythonWithSdk(240_000);
    sluice = await startSluiceApi('python-sdk-compat');
  });

  after(async () => {
    await sluice?.stop();
  });

  it('works or is refused as the README lists, call by call', async () => {
    const env = {
      ...process.env, SDK_BASE_URL: `${sluice.url}/client/v4`, SDK_TOKEN: TOKEN, SDK_ZONE: ZONE, SDK_ACCOUNT: ACCOUNT,
      SDK_ROOT: sluice.root, SDK_OUTSIDE: sluice.outside,
    };
    const run = await exec(python, [SCRIPT], { env, timeout: 60_000 }).catch((error: { stdout?: string; stderr?: string; code?: unknown }) => {
      assert.fail(`the script failed (${String(error.code)}):\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    assert.deepEqual(run.stdout.trim().split('\n'), EXPECTED);
  });
});
