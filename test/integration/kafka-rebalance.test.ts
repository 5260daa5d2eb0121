// Two sluice processes in one consumer group on a 4-partition topic, on a real broker. A starts
// alone; B joins (the group rebalances and splits the partitions); A is stopped with SIGTERM
// (it delivers and commits what it took, leaves the group, and B takes its partitions over).
// Production goes on across both rebalances. The two processes run the same job with different
// destination directories, so the test can see who delivered what: each must have delivered
// something, their union must hold every record, and the group must end committed at the end of
// every partition.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { createTopic, ensureKafka, produce, uniqueTopic } from '../helpers/kafka.ts';
import { EventStream, type ProducedEvent } from './support/events.ts';
import { allCommitted, groupOffsets } from './support/kafka-offsets.ts';
import { checkDelivery, OutputIndex, readOutput } from './support/output.ts';
import { killAllSluice, SluiceProcess, writeKafkaConfig } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const PARTITIONS = 4;
const PART = 5000;
const PARTS = 5;
/** Ownership changes a partition can go through here: A → A+B split, then A's half → B. */
const REBALANCES = 2;
const [zone] = DEFAULT_TENANTS as [string];

describe('two sluice processes in one consumer group', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-rebalance-'));
  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('share the partitions, hand them over on a graceful stop, and deliver every record', async (t) => {
    const { brokers } = await ensureKafka();
    const topic = uniqueTopic('sluice-it-rebalance');
    const groupId = uniqueTopic('sluice-it-rebalance-group');
    await createTopic(topic, PARTITIONS);
    const outA = join(dir, 'out-a');
    const outB = join(dir, 'out-b');
    const config = (name: string, out: string) => writeKafkaConfig(join(dir, `${name}.yaml`), {
      dataDir: join(dir, `state-${name}`), brokers, groupId, topic, inFlightBytes: 4 * 1024 * 1024, tenantHeader: 'zone',
      jobs: [{ id: 1, zone_id: zone, dir: out, compression: 'gzip' }],
    });
    const configA = config('a', outA);
    const configB = config('b', outB);

    // One tenant, so every record belongs to the job and lands in A's or B's directory; it is in
    // a header and the key is the RayID, so the records spread over all four partitions.
    const stream = new EventStream(4242, { tenants: [zone], tenantHeader: 'zone' });
    const produced: ProducedEvent[] = [];
    const producePart = async () => {
      const part = stream.take(PART);
      assert.equal(await produce(topic, part.messages), PART);
      produced.push(...part.events);
    };
    const outputA = new OutputIndex(outA);
    const outputB = new OutputIndex(outB);
    const union = new OutputIndex(outA, outB);
    const allOut = (ids: readonly ProducedEvent[]) => {
      const { counts } = union.scan();
      return ids.every((e) => counts.has(e.rayId));
    };
    const running = (...ps: SluiceProcess[]) => {
      for (const p of ps) if (p.exit) throw new Error(`${p.name} exited on its own (${JSON.stringify(p.exit)})\n${p.tail()}`);
    };
    const all = `partitions ${[...Array(PARTITIONS).keys()].map((p) => `${topic}/${p}`).join(',')}`;

    // Part 1: A alone owns every partition; B joins as soon as A delivered something, so the
    // first rebalance may land while A still has records in flight.
    const a = new SluiceProcess('A', configA);
    await waitUntil(() => (running(a), a.assignment()?.length === PARTITIONS), `A to own ${all}`, { detail: () => a.tail() });
    await producePart();
    await waitUntil(() => (running(a), outputA.objectCount() > 0), 'A to deliver something', { detail: () => a.tail() });

    // Part 2 is produced while B joins: the group splits the partitions (disjoint, none unowned).
    const b = new SluiceProcess('B', configB);
    let producing = producePart();
    await waitUntil(() => {
      running(a, b);
      const pa = a.assignment() ?? [];
      const pb = b.assignment() ?? [];
      return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === PARTITIONS && pa.length + pb.length === PARTITIONS;
    }, 'A and B to split the partitions', { detail: () => `A ${a.assignment()}, B ${b.assignment()}\n${a.tail(5)}\n${b.tail(5)}` });
    t.diagnostic(`after B joined: A owns ${a.assignment()!.join(' ')}; B owns ${b.assignment()!.join(' ')}`);
    // A may have drained B's partitions before the split (commits follow), so part 3 comes after
    // it: both now have records to deliver.
    await producing;
    await producePart();
    await waitUntil(() => (running(a, b), outputB.objectCount() > 0), 'B to deliver something', { detail: () => b.tail() });

    // A leaves gracefully while part 4 is being produced (it flushes, commits, leaves the
    // group); B takes over every partition.
    producing = producePart();
    a.kill('SIGTERM');
    assert.deepEqual(await a.exited, { code: 0, signal: null }, a.tail());
    await waitUntil(() => (running(b), b.assignment()?.length === PARTITIONS), `B to own ${all}`, { detail: () => b.tail() });

    // Part 5: B alone.
    await producing;
    await producePart();
    assert.equal(produced.length, PARTS * PART);
    await waitUntil(() => (running(b), allOut(produced)), 'every record delivered', {
      timeoutMs: 90_000,
      detail: () => `${produced.filter((e) => !union.scan().counts.has(e.rayId)).length} of ${produced.length} missing\n${b.tail()}`,
    });
    b.kill('SIGTERM');
    assert.deepEqual(await b.exited, { code: 0, signal: null }, b.tail());

    const final = readOutput(outA, outB);
    const check = checkDelivery(final.counts, produced.map((e) => e.rayId));
    const byA = outputA.scan();
    const byB = outputB.scan();
    t.diagnostic(`produced ${produced.length}; A delivered ${sum(byA.counts)} in ${byA.objects} objects, B ${sum(byB.counts)} in ${byB.objects}`);
    t.diagnostic(`duplicates ${check.duplicates} (max ${check.maxCopies} copies of one record)`);
    assert.ok(byA.objects > 0 && byB.objects > 0, 'both processes delivered');
    assert.equal(check.missing.length, 0, `records never delivered, e.g. ${check.missing.slice(0, 5).join(', ')}`);
    assert.equal(check.unexpected, 0, 'nothing but the produced records in the output');
    // A duplicate needs a record delivered but not yet committed when its partition changed
    // owner; each ownership change can re-deliver a record at most once, and a record is
    // duplicated at most once per change.
    assert.ok(check.maxCopies <= 1 + REBALANCES, `a record delivered ${check.maxCopies} times across ${REBALANCES} rebalances`);
    assert.ok(check.duplicates <= produced.length, `${check.duplicates} duplicates of ${produced.length} records`);

    const offsets = await groupOffsets(groupId, topic);
    assert.ok(allCommitted(offsets), `committed offsets reach the end: ${JSON.stringify(offsets)}`);
  });
});

function sum(counts: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const c of counts.values()) n += c;
  return n;
}
