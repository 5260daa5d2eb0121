// The file:// ownership writer answers as Logpush does: the file's path in the destination
// (here relative to the operator's root, never a host path), in the folder above the {DATE}
// folders rather than in today's.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, it } from 'node:test';
import { createFileOwnershipWriter, OWNERSHIP_FILE_NAME } from '../../src/api/ownership.ts';

const root = mkdtempSync(join(tmpdir(), 'sluice-ownership-'));
after(() => rmSync(root, { recursive: true, force: true }));

it('writes the challenge above the {DATE} folders and names it by its path under the root', async () => {
  const write = createFileOwnershipWriter({ roots: [root], tenantFolders: false });
  const conf = `${pathToFileURL(join(root, 'logs', 'http')).href}/{DATE}`;
  const written = await write(conf, { name: OWNERSHIP_FILE_NAME, content: 'token-1' });
  assert.equal(written.filename, `logs/http/${OWNERSHIP_FILE_NAME}`);
  assert.equal(readFileSync(join(root, 'logs', 'http', OWNERSHIP_FILE_NAME), 'utf8'), 'token-1');
  assert.deepEqual(readdirSync(join(root, 'logs', 'http')), [OWNERSHIP_FILE_NAME], 'no date folder');
});
