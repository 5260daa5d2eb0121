// Scale-out as a platform team runs it (issue 13): three `sluice run` processes in one consumer
// group, sharing the Kafka job store. A job created through instance A runs on all three (each
// reports its own delivery in the job view); one instance is killed with SIGKILL under load,
// its partitions move to the other two, and every record is delivered (0 missing). The rebalance
// gap and each instance's share are reported, not asserted (they depend on the scheduler).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { createTopic, ensureKafka, produce, uniqueTopic } from '../helpers/kafka.ts';
import { EventStream, type ProducedEvent } from './support/events.ts';
import { allCommitted, groupOffsets } from './support/kafka-offsets.ts';
import { checkDelivery, OutputIndex } from './support/output.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE = '0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c';
const TOKEN = 'sluice-it-scale-out-token-0123456789';
const PARTITIONS = 6;
const PART = 8000;
const WAIT = { timeoutMs: 60_000 };

describe('three instances in one group with the Kafka job store', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-scale-out-'));
  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a job created on one instance runs on all; a kill -9 under load moves partitions and loses nothing', async (t) => {
    const { brokers } = await ensureKafka();
    const topic = uniqueTopic('sluice-it-scale');
    const groupId = uniqueTopic('sluice-it-scale-group');
    const storeTopic = uniqueTopic('sluice-it-scale-jobs');
    await createTopic(topic, PARTITIONS);
    const tokens = join(dir, 'tokens.json');
    writeFileSync(tokens, JSON.stringify([{ id: 'it', hash: createHash('sha256').update(TOKEN).digest('hex'), scopes: [{ zone_id: ZONE, access: 'write' }] }]));
    const configFor = (name: string): string => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, stringify({
        data_dir: join(dir, `data-${name}`),
        limits: { min_upload_interval_seconds: 0.2, min_upload_records: 1, min_upload_bytes: 1 },
        pipeline: { workers: 1, in_flight_bytes: 8 * 1024 * 1024 },
        sources: [{
          type: 'kafka', brokers, group_id: groupId, from_beginning: true, commit_interval_ms: 200, session_timeout_ms: 6000,
          // The tenant is in a header and the key is the RayID, so the zone's records spread over every partition.
          topics: [{ topic, dataset: 'http_requests', tenant_from: { header: 'zone' } }],
        }],
        api: { listen: '127.0.0.1:0', tokens_file: tokens },
        job_store: { type: 'kafka', brokers, topic: storeTopic, replication_factor: 1 },
        destinations: { file_roots: [dir], tenant_folders: false },
      }));
      return path;
    };
    const apiOf = async (p: SluiceProcess): Promise<string> => {
      await waitUntil(() => /admin API on (https?:\/\/\S+)/.test(p.stdout) || p.exit !== null, `${p.name}'s admin API`, { ...WAIT, detail: () => p.tail() });
      const url = /admin API on (https?:\/\/\S+)/.exec(p.stdout)?.[1];
      assert.ok(url, p.tail());
      return url;
    };
    const call = async (base: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, json: await response.json() as any };
    };

    const instances = ['A', 'B', 'C'].map((name) => new SluiceProcess(name, configFor(name)));
    const urls: string[] = [];
    for (const instance of instances) urls.push(await apiOf(instance));
    const out = join(dir, 'out');
    const created = await call(urls[0]!, 'POST', `/zones/${ZONE}/logpush/jobs`, {
      name: 'scale', enabled: true, dataset: 'http_requests', destination_conf: pathToFileURL(out).href, compression: 'gzip',
      max_upload_records: 500, max_upload_interval_seconds: 1, output_options: { field_names: ['RayID', 'EdgeStartTimestamp'] },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const jobId = created.json.result.id as number;

    const stream = new EventStream(20261209, { tenants: [ZONE], tenantHeader: 'zone' });
    const produced: ProducedEvent[] = [];
    const producePart = async () => {
      const part = stream.take(PART);
      assert.equal(await produce(topic, part.messages), PART);
      produced.push(...part.events);
    };
    // Records are produced once the group is settled, every instance owning some partitions:
    // otherwise the first member to join can read them all before the others arrive.
    await waitUntil(() => {
      const sets = instances.map((p) => p.assignment() ?? []);
      return sets.every((set) => set.length > 0) && sets.reduce((n, set) => n + set.length, 0) === PARTITIONS;
    }, 'each of the three instances owning partitions', { ...WAIT, detail: () => instances.map((p) => `${p.name}: ${JSON.stringify(p.assignment())}`).join('\n') });
    await producePart();
    // Every instance owns some of the 6 partitions, so each delivers for the job: its own
    // job view (health is per instance) shows a last_complete.
    for (const [i, url] of urls.entries()) {
      await waitUntil(async () => (await call(url, 'GET', `/zones/${ZONE}/logpush/jobs/${jobId}`)).json.result?.last_complete != null,
        `instance ${instances[i]!.name} delivering the job created on A`, { ...WAIT, detail: () => instances.map((p) => p.tail(30)).join('\n') });
    }

    // Under load: production goes on while C is killed.
    const output = new OutputIndex(out);
    const producing = producePart().then(producePart);
    const victim = instances[2]!;
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    assert.equal((await victim.exited).signal, 'SIGKILL');
    await producing;
    const survivors = instances.slice(0, 2);
    const owned = () => survivors.map((p) => new Set(p.assignment() ?? []));
    await waitUntil(() => owned().reduce((n, set) => n + set.size, 0) === PARTITIONS, 'the two survivors owning every partition', { ...WAIT, detail: () => survivors.map((p) => p.tail(5)).join('\n') });
    const gapMs = Date.now() - killedAt;

    const expected = produced.map((e) => e.rayId);
    await waitUntil(() => expected.every((id) => output.scan().counts.has(id)), 'every record delivered', {
      timeoutMs: 120_000,
      detail: () => `${expected.filter((id) => !output.scan().counts.has(id)).length} of ${expected.length} missing`,
    });
    for (const p of survivors) p.kill('SIGTERM');
    for (const p of survivors) assert.deepEqual(await p.exited, { code: 0, signal: null }, p.tail());
    const check = checkDelivery(output.scan().counts, expected);
    assert.equal(check.missing.length, 0);
    assert.ok(allCommitted(await groupOffsets(groupId, topic)), 'the group committed to the end');
    t.diagnostic(`rebalance gap after the kill: ${gapMs} ms until the survivors owned all ${PARTITIONS} partitions; ${check.duplicates} duplicates (records in flight at the kill)`);
    for (const p of survivors) {
      const line = p.stdout.split('\n').find((l) => l.startsWith('records in:'));
      t.diagnostic(`${p.name}: ${line ?? '(no summary)'}`);
    }
  });
});
