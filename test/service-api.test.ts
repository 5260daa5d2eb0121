// The admin side's own change: a job parked too long is disabled in the store by sluice itself,
// with an audit event whose actor is sluice (not a token) and whose after-view says why.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { parseConfig } from '../src/config/load.ts';
import { auditFilePath } from '../src/audit/file-audit-sink.ts';
import { openAdminSide } from '../src/service-api.ts';
import { createLogger } from '../src/shared/log.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const dir = mkdtempSync(join(tmpdir(), 'sluice-admin-side-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('disableJob turns a job off in the store and audits it as sluice\'s own action, once', async () => {
  const config = parseConfig({
    data_dir: dir,
    sources: [{ type: 'generator', records: 1 }],
    api: { listen: '127.0.0.1:0' },
    audit: { type: 'file', account_id: 'operator-account' },
    jobs: [{ zone_id: ZONE, dataset: 'http_requests', destination_conf: `file://${dir}/out`, output_options: { field_names: ['RayID'] } }],
  }, 'test');
  const admin = await openAdminSide(config, createLogger('silent'));
  try {
    const [job] = await admin.store.list();
    assert.ok(job?.enabled, 'the seeded job runs');
    await admin.disableJob(job.id, 'disabled after 24 h parked (the destination is down)');
    assert.equal((await admin.store.get(job.id))?.enabled, false);
    await admin.disableJob(job.id, 'again');
    const events = readFileSync(auditFilePath(dir), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(events.length, 1, 'a job already disabled is left alone');
    const [event] = events;
    assert.equal(event.ActionType, 'disable');
    assert.equal(event.ActorID, 'sluice');
    assert.equal(event.ActorType, 'system');
    assert.equal(event.ResourceID, String(job.id));
    assert.equal(event.NewValue.enabled, false);
    assert.equal(event.NewValue.error_message, 'disabled after 24 h parked (the destination is down)');
    assert.equal(event.OldValue.enabled, true);
  } finally {
    await admin.close();
  }
});
