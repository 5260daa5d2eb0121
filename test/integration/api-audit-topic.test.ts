// A missing audit topic is a user's config mistake: sluice (API with the Kafka job store) must
// say so in one line and exit 2 — not hang with the already started job store still consuming.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { stringify } from 'yaml';
import { assertNoStackTrace, runSluice } from '../cli/run-sluice.ts';
import { ensureKafka, uniqueTopic } from '../helpers/kafka.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-audit-topic-it-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('exits 2 with one line when the audit topic does not exist, leaving nothing running', { timeout: 120_000 }, async () => {
  const { brokers } = await ensureKafka();
  const auditTopic = uniqueTopic('sluice-audit-missing-it');
  const path = join(dir, 'sluice.yaml');
  writeFileSync(path, stringify({
    data_dir: join(dir, 'data'),
    pipeline: { workers: 1 },
    sources: [{ type: 'generator', rate: 10 }],
    api: { listen: '127.0.0.1:0' },
    job_store: { type: 'kafka', brokers, topic: uniqueTopic('sluice-jobs-audit-it'), replication_factor: 1 },
    audit: { topic: auditTopic, account_id: 'acct-audit-it' },
  }));
  // runSluice resolves only when the process has exited: a consumer left running would hang here
  // until the test's timeout.
  const result = await runSluice(['run', '--config', path]);
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`^sluice: .*${auditTopic}`));
  assertNoStackTrace(result.stderr);
});
