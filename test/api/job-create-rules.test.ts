// Creating a job as Logpush documents it: a job created without `enabled` is disabled, and which
// destinations need an ownership challenge (Amazon S3 and GCS do; R2 and S3-compatible stores,
// which carry the tenant's own keys, do not).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileJob, SECRET, startHarness, ZONE_A, zoneJobs, type Harness } from './helpers.ts';

describe('creating a job', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ counts: { max_jobs_per_zone: 100 } });
  });
  after(() => h.close());

  const create = (body: Record<string, unknown>) => h.call('POST', zoneJobs(ZONE_A), { body });

  it('without enabled: disabled, in the answer and in the store; enabled only when asked', async () => {
    const { enabled: _, ...withoutEnabled } = fileJob();
    const created = await create(withoutEnabled);
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.result.enabled, false);
    assert.equal((await h.store.get(created.json.result.id))?.enabled, false);
    assert.equal((await create({ ...withoutEnabled, enabled: null })).json.result.enabled, false, 'null is "not set"');
    assert.equal((await create({ ...withoutEnabled, enabled: true })).json.result.enabled, true);
    // An update that does not mention enabled leaves it as it is.
    const updated = await h.call('PUT', `${zoneJobs(ZONE_A)}/${created.json.result.id}`, { body: { name: 'renamed' } });
    assert.equal(updated.json.result.enabled, false);
  });

  it('R2 and S3-compatible destinations need no ownership challenge; Amazon S3 and GCS do', async () => {
    const keys = `access-key-id=AKIAEXAMPLE&secret-access-key=${SECRET}`;
    for (const destination_conf of [
      `r2://logs/http/{DATE}?account-id=0123456789abcdef&${keys}`,
      `s3://logs/http/{DATE}?region=us-east-1&endpoint=sfo2.digitaloceanspaces.com&${keys}`,
    ]) {
      const created = await create(fileJob({ destination_conf }));
      assert.equal(created.status, 200, `${destination_conf}: ${created.text}`);
    }
    for (const destination_conf of [
      `s3://logs/http/{DATE}?region=us-east-1&${keys}`,
      `gs://logs/http/{DATE}?${keys}`,
      // An endpoint without the tenant's keys would be written with sluice's own credentials.
      's3://logs/http?region=us-east-1&endpoint=sfo2.digitaloceanspaces.com',
    ]) {
      const refused = await create(fileJob({ destination_conf }));
      assert.equal(refused.status, 400, destination_conf);
      assert.equal(refused.json.errors[0].code, 1010, refused.text);
    }
  });

  it('moving a job to an S3-compatible store needs no challenge either', async () => {
    const created = await create(fileJob());
    const moved = await h.call('PUT', `${zoneJobs(ZONE_A)}/${created.json.result.id}`, {
      body: { destination_conf: `s3://other/x?region=auto&endpoint=https://s3.example.net&access-key-id=AKIA2&secret-access-key=${SECRET}` },
    });
    assert.equal(moved.status, 200, moved.text);
  });
});
