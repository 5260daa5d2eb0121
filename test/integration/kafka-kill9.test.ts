// kill -9 on a real broker: the sluice CLI is SIGKILLed several times while it consumes a
// 3-partition topic that is still being produced to, and restarted each time. Because offsets are
// committed only behind delivery, every record of the jobs' tenants must end up delivered at
// least once; the duplicates a kill causes are bounded by what was uncommitted at that moment.
// A killed writer may leave `.tmp-` files, but every object a reader sees decompresses fully.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { below, createPrng } from '../../src/generator/prng.ts';
import { createTopic, ensureKafka, produce, uniqueTopic } from '../helpers/kafka.ts';
import { EventStream, type ProducedEvent } from './support/events.ts';
import { allCommitted, groupOffsets, uncommittedRecords } from './support/kafka-offsets.ts';
import { checkDelivery, OutputIndex, readOutput } from './support/output.ts';
import { killAllSluice, SluiceProcess, writeKafkaConfig } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const KILLS = 4;
/** Events per production part: part 0 before the first start, one more after each kill. */
const PART = 6000;
const PARTITIONS = 3;
/** Seeds the events and the kill moments, so a failure can be replayed. */
const SEED = 20240903;
const [zoneA, zoneB] = DEFAULT_TENANTS as [string, string];

describe('sluice killed with SIGKILL mid-stream and restarted', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kill9-'));
  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every record at least once, with duplicates bounded by what was uncommitted at each kill', async (t) => {
    const { brokers } = await ensureKafka();
    const topic = uniqueTopic('sluice-it-kill9');
    const groupId = uniqueTopic('sluice-it-kill9-group');
    await createTopic(topic, PARTITIONS);
    const outA = join(dir, 'out', 'a');
    const outB = join(dir, 'out', 'b');
    const configPath = writeKafkaConfig(join(dir, 'sluice.yaml'), {
      dataDir: join(dir, 'state'),
      brokers,
      groupId,
      topic,
      inFlightBytes: 4 * 1024 * 1024,
      jobs: [{ id: 1, zone_id: zoneA, dir: outA, compression: 'gzip' }, { id: 2, zone_id: zoneB, dir: outB, compression: 'zstd' }],
    });

    // Keys are the generator's zones (4 tenants, ~70/17/8/4%): jobs exist for the first two; the
    // others are unrouted but must still be committed.
    const stream = new EventStream(SEED);
    const produced: ProducedEvent[] = [];
    const producePart = async () => {
      const part = stream.take(PART);
      assert.equal(await produce(topic, part.messages), PART);
      produced.push(...part.events);
    };
    const wanted = () => produced.filter((e) => e.tenant === zoneA || e.tenant === zoneB).map((e) => e.rayId);

    const output = new OutputIndex(outA, outB);
    const rng = createPrng(SEED);
    let uncommittedAtKills = 0;
    let sluice: SluiceProcess | undefined;
    const alive = () => {
      if (sluice?.exit) throw new Error(`${sluice.name} exited on its own (${JSON.stringify(sluice.exit)})\n${sluice.tail()}`);
      return sluice!;
    };

    await producePart();
    sluice = new SluiceProcess('sluice#1', configPath);
    // Production goes on while sluice consumes, is killed and restarts: parts chain one after another.
    let producing = producePart();

    for (let kill = 1; kill <= KILLS; kill++) {
      // A seeded "random" moment: after 1–4 more objects appear (or, if the backlog ran dry
      // first, once everything produced so far is out), so kills land at different points of a
      // batch's life: mid-encode, mid-write (a `.tmp-` file), between delivery and commit.
      const target = output.objectCount() + 1 + below(rng, 4);
      await waitUntil(() => {
        alive();
        if (output.objectCount() >= target) return true;
        const { counts } = output.scan();
        return wanted().every((id) => counts.has(id));
      }, `new output before kill ${kill}`, { timeoutMs: 60_000, detail: () => sluice!.tail() });
      const victim = alive();
      victim.kill('SIGKILL');
      const exit = await victim.exited;
      assert.equal(exit.signal, 'SIGKILL', `${victim.name} was killed`);
      // The dead process commits nothing more: the records it may have delivered without
      // committing lie between the committed offsets and the ends right now. Only those can be
      // delivered again by the next process — each kill adds at most this many duplicates.
      uncommittedAtKills += uncommittedRecords(await groupOffsets(groupId, topic));
      if (kill < KILLS) producing = producing.then(producePart);
      sluice = new SluiceProcess(`sluice#${kill + 1}`, configPath);
    }
    await producing;
    assert.equal(produced.length, PART * (KILLS + 1));

    const expected = wanted();
    await waitUntil(() => {
      alive();
      const { counts } = output.scan();
      return expected.every((id) => counts.has(id));
    }, 'every produced record of the jobs\' tenants in the output', {
      timeoutMs: 90_000,
      detail: () => `${expected.filter((id) => !output.scan().counts.has(id)).length} of ${expected.length} missing\n${sluice!.tail()}`,
    });
    // Commits trail delivery by up to commit_interval_ms; a graceful stop commits the rest.
    const last = alive();
    last.kill('SIGTERM');
    const exit = await last.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, last.tail());

    // A fresh read: every object a reader sees must decompress fully (a kill leaves at most a
    // `.tmp-` file, which readers skip).
    const final = readOutput(outA, outB);
    const check = checkDelivery(final.counts, expected);
    t.diagnostic(`produced ${produced.length} records, ${expected.length} for the two jobs; ${KILLS} kills`);
    t.diagnostic(`duplicates ${check.duplicates} (max ${check.maxCopies} copies of one record); bound ${uncommittedAtKills} records uncommitted at the kills`);
    t.diagnostic(`${final.objects} objects, ${final.tempFiles} .tmp- files left by killed writers`);
    assert.equal(check.missing.length, 0, `records never delivered, e.g. ${check.missing.slice(0, 5).join(', ')}`);
    assert.equal(check.unexpected, 0, 'only the jobs\' records in the output');
    // Each restart re-reads a record at most once; each kill duplicates only uncommitted records.
    assert.ok(check.maxCopies <= KILLS + 1, `a record delivered ${check.maxCopies} times after ${KILLS} kills`);
    assert.ok(check.duplicates <= uncommittedAtKills, `${check.duplicates} duplicates > ${uncommittedAtKills} records uncommitted at the kills`);

    const offsets = await groupOffsets(groupId, topic);
    assert.ok(allCommitted(offsets), `committed offsets reach the end: ${JSON.stringify(offsets)}`);
  });
});
