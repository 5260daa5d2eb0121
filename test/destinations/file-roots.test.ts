// A tenant's file:// destination stays inside the operator's roots and the tenant's own folder,
// whatever the path is made of: `..`, %-escapes, symlinks, another tenant's folder.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { FILE_DESTINATIONS_DISABLED, fileDestinationProblem, pathWithinRoots } from '../../src/destinations/file-roots.ts';

const ZONE_A = '023e105f4ecef8ad9ca31a8372d0c353';
const ZONE_B = '372e67954025e0ba6aaa6d586b9e0b59';
const A = { zone_id: ZONE_A };

describe('file roots', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'sluice-roots-')));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, ZONE_A), { recursive: true });
  mkdirSync(join(root, ZONE_B), { recursive: true });
  mkdirSync(outside, { recursive: true });
  symlinkSync(outside, join(root, ZONE_A, 'escape'));
  symlinkSync(join(root, ZONE_B), join(root, ZONE_A, 'to-b'));
  symlinkSync(join(root, ZONE_A), join(base, 'link-to-a'));
  const policy = { roots: [root], tenantFolders: true };
  const conf = (path: string) => `file://${path}`;
  after(() => rmSync(base, { recursive: true, force: true }));

  it('lets a tenant write in its own folder, at any depth and with {DATE}', async () => {
    assert.equal(await fileDestinationProblem(conf(`${root}/${ZONE_A}`), A, policy), null);
    assert.equal(await fileDestinationProblem(conf(`${root}/${ZONE_A}/http/{DATE}`), A, policy), null);
    assert.equal(await fileDestinationProblem(pathToFileURL(join(root, ZONE_A, 'new dir', 'x')).href, A, policy), null);
    // Through a symlink whose target is the tenant's folder: the physical path is what counts.
    assert.equal(await fileDestinationProblem(conf(`${base}/link-to-a/logs`), A, policy), null);
  });

  const refused: Array<[string, string]> = [
    ['the filesystem root', 'file:///'],
    ['a directory outside every root', conf(`${outside}/logs`)],
    ['the root itself (no tenant folder)', conf(`${root}/logs`)],
    ['another tenant\'s folder', conf(`${root}/${ZONE_B}/logs`)],
    ['.. out of the tenant folder', conf(`${root}/${ZONE_A}/../${ZONE_B}/logs`)],
    ['.. out of the root', conf(`${root}/${ZONE_A}/../../outside`)],
    ['percent-encoded dots', conf(`${root}/${ZONE_A}/%2e%2e/${ZONE_B}`)],
    ['percent-encoded separators', conf(`${root}/${ZONE_A}%2F..%2F..%2Foutside`)],
    ['a symlink out of the root', conf(`${root}/${ZONE_A}/escape/logs`)],
    ['a symlink into another tenant\'s folder', conf(`${root}/${ZONE_A}/to-b/logs`)],
    ['{DATE} followed by ..', conf(`${root}/${ZONE_A}/{DATE}/../../${ZONE_B}`)],
    ['a NUL byte', conf(`${root}/${ZONE_A}/a%00b`)],
    ['a prefix of the folder name', conf(`${root}/${ZONE_A}x/logs`)],
  ];
  for (const [what, destination] of refused) {
    it(`refuses ${what}, without showing a host path`, async () => {
      const problem = await fileDestinationProblem(destination, A, policy);
      assert.ok(problem !== null, `${destination} was allowed`);
      assert.ok(!problem.includes(base), problem);
    });
  }

  it('refuses every file:// destination when the operator lists no root', async () => {
    assert.equal(await fileDestinationProblem(conf(`${root}/${ZONE_A}/x`), A, { roots: [], tenantFolders: true }), FILE_DESTINATIONS_DISABLED);
  });

  it('refuses a tenant whose id cannot be a folder name (e.g. "..")', async () => {
    assert.notEqual(await fileDestinationProblem(conf(`${root}/x`), { zone_id: '..' }, policy), null);
    assert.notEqual(await fileDestinationProblem(conf(`${base}/x`), { zone_id: '..' }, policy), null);
  });

  it('with tenant_folders off, allows anywhere under a root, and still nothing outside', async () => {
    const shared = { roots: [root], tenantFolders: false };
    assert.equal(await fileDestinationProblem(conf(`${root}/${ZONE_B}/logs`), A, shared), null);
    assert.equal(await fileDestinationProblem(conf(`${root}/any`), A, shared), null);
    assert.notEqual(await fileDestinationProblem(conf(`${root}/../outside`), A, shared), null);
    assert.notEqual(await fileDestinationProblem(conf(`${root}/${ZONE_A}/escape`), A, shared), null);
  });

  it('leaves other schemes to the network checks', async () => {
    assert.equal(await fileDestinationProblem('https://127.0.0.1/x', A, policy), null);
  });

  it('names a path relative to its root, and nothing outside the roots', async () => {
    assert.equal(await pathWithinRoots(join(root, ZONE_A, 'x', 'ownership-challenge.txt'), policy), join(ZONE_A, 'x', 'ownership-challenge.txt'));
    assert.equal(await pathWithinRoots(join(outside, 'x'), policy), null);
    assert.equal(await pathWithinRoots(join(root, ZONE_A, 'escape', 'x'), policy), null);
  });
});
