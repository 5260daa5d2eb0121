// FileJobStore: persistence across restarts, atomic files, and invariant 6 — a corrupt,
// invalid or unexpectedly empty job file never replaces the running good set; it is refused
// and reported, and the store keeps the last good jobs.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FileJobStore } from '../../../src/jobs/store/file-job-store.ts';
import { MAX_JOB_ID, type StoreRejection } from '../../../src/jobs/store/job-store.ts';
import type { Job } from '../../../src/jobs/types.ts';

const ZONE = { zone_id: 'zone-a' };
const job = (name: string) => ({ name, dataset: 'http_requests', destination_conf: 'file:///tmp/x/{DATE}', output_options: { field_names: ['ClientIP'] } });

describe('FileJobStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function seeded(): Promise<FileJobStore> {
    const store = new FileJobStore({ dir });
    await store.start();
    await store.create(ZONE, job('one'));
    await store.create(ZONE, job('two'));
    return store;
  }

  async function reopen(): Promise<FileJobStore> {
    const store = new FileJobStore({ dir });
    await store.start();
    return store;
  }

  /** Seeds two jobs, then rewrites jobs.json through `edit`; returns the document as it was. */
  async function seededThenEdited(edit: (doc: any) => unknown): Promise<any> {
    await (await seeded()).close();
    const doc = JSON.parse(await readFile(join(dir, 'jobs.json'), 'utf8'));
    await writeFile(join(dir, 'jobs.json'), JSON.stringify(edit(structuredClone(doc))));
    return doc;
  }

  it('persists creates, updates and deletes across a restart, with versions', async () => {
    const store = await seeded();
    const seen: number[][] = [];
    store.subscribe((jobs) => seen.push(jobs.map((j) => j.id)));
    await store.update(1, ZONE, { output_options: { field_names: ['RayID'] } });
    await store.delete(2, ZONE);
    await assert.rejects(store.update(1, { zone_id: 'zone-b' }, { enabled: false }), { code: 'ERR_JOB_NOT_FOUND' });
    await assert.rejects(store.create(ZONE, { dataset: 'nope' }), (e: { code: string; problems: unknown[] }) => e.code === 'ERR_JOB_INVALID' && e.problems.length > 0);
    assert.deepEqual(seen, [[1, 2], [1, 2], [1]]);
    await store.close();

    const again = new FileJobStore({ dir });
    await again.start();
    const jobs = await again.list();
    assert.deepEqual(jobs.map((j) => [j.id, j.version, j.output_options.field_names]), [[1, 2, ['RayID']]]);
    assert.equal(again.lastRejection(), null);
    assert.equal((await again.create(ZONE, job('three'))).id, 3, 'ids continue after the highest ever assigned (2, deleted)');
  });

  for (const [what, content] of [['corrupt', '{"format":"sluice-jobs/1","jobs":[{'], ['empty (0 bytes)', ''], ['not a job document', '[]']] as const) {
    it(`starts on the backup when jobs.json is ${what}, and reports it`, async () => {
      const store = await seeded();
      await store.update(1, ZONE, { name: 'one-b' }); // the backup now holds both jobs
      await store.close();
      await writeFile(join(dir, 'jobs.json'), content);
      const restarted = new FileJobStore({ dir });
      await restarted.start();
      assert.deepEqual((await restarted.list()).map((j) => j.id), [1, 2]);
      const rejection = restarted.lastRejection();
      assert.equal(rejection?.reason, 'corrupt');
      assert.equal(rejection?.kept_jobs, 2);
      assert.match(rejection?.problems[0]?.message ?? '', /JSON|empty|document/);
      // The next change writes the good set back, not the corrupt file, as the backup.
      await restarted.create(ZONE, job('three'));
      const backup = JSON.parse(await readFile(join(dir, 'jobs.json.bak'), 'utf8'));
      assert.equal(backup.jobs.length, 2);
    });
  }

  it('refuses an empty set that was not deleted on purpose, and accepts one that was', async () => {
    const store = await seeded();
    await store.update(2, ZONE, { enabled: false });
    await store.close();
    await writeFile(join(dir, 'jobs.json'), JSON.stringify({ format: 'sluice-jobs/1', empty_intended: false, jobs: [] }));
    const restarted = new FileJobStore({ dir });
    await restarted.start();
    assert.equal((await restarted.list()).length, 2);
    assert.equal(restarted.lastRejection()?.reason, 'empty');

    // Deleting every job through the store is an intended empty set: kept across a restart.
    await restarted.delete(1, ZONE);
    await restarted.delete(2, ZONE);
    await restarted.close();
    const emptied = new FileJobStore({ dir });
    await emptied.start();
    assert.deepEqual(await emptied.list(), []);
    assert.equal(emptied.lastRejection(), null);
  });

  it('keeps the running set when a reload finds an invalid record or an empty set', async () => {
    const store = await seeded();
    const published: Job[][] = [];
    const rejections: StoreRejection[] = [];
    store.subscribe((jobs) => published.push([...jobs]));
    store.onRejected((r) => rejections.push(r));
    const good = JSON.parse(await readFile(store.path, 'utf8'));

    const broken = structuredClone(good);
    broken.jobs[1].input.output_options.field_names = ['NoSuchField'];
    await writeFile(store.path, JSON.stringify(broken));
    const invalid = await store.reload();
    assert.equal(invalid?.reason, 'invalid');
    assert.deepEqual(invalid?.problems.map((p) => p.path), ['$.jobs[1].input.output_options.field_names[0]']);

    await writeFile(store.path, JSON.stringify({ ...good, jobs: [] }));
    assert.equal((await store.reload())?.reason, 'empty');

    assert.deepEqual(rejections.map((r) => r.reason), ['invalid', 'empty']);
    assert.equal(published.length, 1, 'subscribers only saw the initial set');
    assert.deepEqual((await store.list()).map((j) => j.output_options.field_names), [['ClientIP'], ['ClientIP']]);

    good.jobs[0].input.name = 'edited';
    await writeFile(store.path, JSON.stringify(good));
    assert.equal(await store.reload(), null);
    assert.equal((await store.get(1))?.name, 'edited');
    assert.equal(store.lastRejection(), null);
    assert.equal(published.length, 2);
  });

  // Issue 9: audit events and digest chains are keyed by job id, so an id is never handed out twice.
  it('never reuses an id, even the highest after its delete, across restarts and on the backup', async () => {
    const store = await seeded();
    await store.delete(2, ZONE);
    assert.equal((await store.create(ZONE, job('three'))).id, 3);
    await store.delete(3, ZONE);
    await store.delete(1, ZONE);
    await store.close();
    const restarted = await reopen();
    assert.deepEqual(await restarted.list(), []);
    assert.equal((await restarted.create(ZONE, job('four'))).id, 4);
    await restarted.close();
    // Running on the backup (jobs.json lost) keeps counting from the newest last id.
    await rm(join(dir, 'jobs.json'));
    assert.equal((await (await reopen()).create(ZONE, job('five'))).id, 5);
  });

  it('a file from before last_id counts from its highest job id', async () => {
    await seededThenEdited((doc) => ({ ...doc, last_id: undefined }));
    assert.equal((await (await reopen()).create(ZONE, job('three'))).id, 3);
  });

  it('ids stop at the largest the API accepts: a create past it fails and writes nothing', async () => {
    const doc = await seededThenEdited((d) => ({ ...d, last_id: MAX_JOB_ID }));
    const full = await reopen();
    const before = await readFile(join(dir, 'jobs.json'), 'utf8');
    await assert.rejects(full.create(ZONE, job('three')), (e: Error & { code?: string }) =>
      e.code === 'ERR_JOB_STORE_WRITE' && e.message === `every job id up to ${MAX_JOB_ID} has been used; no job can be created`);
    assert.equal(await readFile(join(dir, 'jobs.json'), 'utf8'), before);
    await full.close();
    // A job id of 16 digits, or a last_id past the maximum, is refused like any corrupt record.
    for (const bad of [{ ...doc, jobs: [{ ...doc.jobs[0], id: 1_000_000_000_000_000 }] }, { ...doc, last_id: MAX_JOB_ID + 1 }]) {
      await writeFile(join(dir, 'jobs.json'), JSON.stringify(bad));
      const refused = await reopen();
      assert.notEqual(refused.lastRejection(), null);
      assert.deepEqual((await refused.list()).map((j) => j.id), [1], 'runs on the backup (the set before job 2)');
      await refused.close();
    }
  });

  it('refuses to start with no good copy at all rather than run with no jobs', async () => {
    await writeFile(join(dir, 'jobs.json'), '{not json');
    await assert.rejects(new FileJobStore({ dir }).start(), { code: 'ERR_JOB_STORE_CORRUPT' });
  });

  it('starts empty on a fresh directory', async () => {
    const store = new FileJobStore({ dir: join(dir, 'fresh') });
    await store.start();
    assert.deepEqual(await store.list(), []);
    assert.equal(store.lastRejection(), null);
  });
});
