import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { GeneratorSource, MAX_SLICE, recordsDue, sliceSize, TICK_MS } from '../../src/sources/generator.ts';
import { drainUntilDone, FakeRegistry, idleTurns, isSettled, RecordingSink, waitFor } from './fake-pipeline.ts';

const clock = () => 1_700_000_000_000_000_000n;

describe('rate schedule (pure)', () => {
  it('is due rate × elapsed, never negative', () => {
    assert.equal(recordsDue(0, 1000), 0);
    assert.equal(recordsDue(10, 1000), 10);
    assert.equal(recordsDue(1000, 5000), 5000);
    assert.equal(recordsDue(2.5, 1000), 2);
    assert.equal(recordsDue(-5, 1000), 0);
    assert.equal(recordsDue(TICK_MS, 20_000), 200);
  });

  it('sends the deficit, capped by the slice and the record limit', () => {
    assert.equal(sliceSize(10, 0, 1000), 10);
    assert.equal(sliceSize(10, 10, 1000), 0);
    assert.equal(sliceSize(10, 15, 1000), 0, 'ahead of schedule: wait');
    assert.equal(sliceSize(60_000, 0, 1000), MAX_SLICE, 'a big deficit goes out in slices');
    assert.equal(sliceSize(60_000, 0, 1000, 25), 25);
    assert.equal(sliceSize(60_000, 25, 1000, 25), 0);
    assert.equal(sliceSize(0, 0, 0), MAX_SLICE, 'rate 0: as fast as possible');
    assert.equal(sliceSize(0, 0, 0, 7), 7);
    assert.equal(sliceSize(5, 0, 1000, Infinity, 3), 3);
  });
});

describe('GeneratorSource', () => {
  it('pushes exactly `records` events with increasing offsets on generator/0', async () => {
    const source = new GeneratorSource({ dataset: 'http_requests', rate: 0, seed: 1, records: 2500, clock });
    const sink = new RecordingSink();
    const registry = new FakeRegistry();
    await source.run(sink, registry);
    assert.deepEqual(registry.opened, [{ name: 'generator/0', dataset: 'http_requests', firstOffset: 0 }]);
    assert.equal(sink.records.length, 2500);
    sink.records.forEach((r, i) => {
      assert.equal(r.offset, i);
      assert.equal(r.partition, 'generator/0');
      assert.ok(DEFAULT_TENANTS.includes(r.tenant));
    });
    // Values are complete JSON even though the source reuses one buffer.
    for (const r of sink.records.slice(0, 200)) assert.equal(typeof JSON.parse(r.value.toString('utf8')).RayID, 'string');
  });

  it('is deterministic for a seed and a fixed clock', async () => {
    const run = async () => {
      const sink = new RecordingSink();
      await new GeneratorSource({ dataset: 'http_requests', rate: 0, seed: 9, records: 300, clock }).run(sink, new FakeRegistry());
      return sink.records.map((r) => r.value.toString());
    };
    assert.deepEqual(await run(), await run());
  });

  it('never pushes while saturated and resumes on drain', async () => {
    const source = new GeneratorSource({ dataset: 'http_requests', rate: 0, seed: 2, records: 1000, clock });
    const sink = new RecordingSink();
    sink.accept = (r) => r.offset % 97 !== 0;
    const pauses = await drainUntilDone(source.run(sink, new FakeRegistry()), sink);
    assert.equal(sink.pushesWhileSaturated, 0);
    assert.equal(sink.records.length, 1000);
    assert.ok(pauses >= 10, `${pauses} pauses`);
  });

  it('follows the clock-driven schedule: never ahead of rate × elapsed', async () => {
    let now = 0;
    const source = new GeneratorSource({ dataset: 'http_requests', rate: 1000, seed: 3, records: 120, clock, now: () => now });
    const sink = new RecordingSink();
    let ahead = 0;
    sink.accept = (r) => {
      if (r.offset >= recordsDue(now, 1000)) ahead++;
      return true;
    };
    const running = source.run(sink, new FakeRegistry());
    await idleTurns();
    assert.equal(sink.records.length, 0, 'nothing is due at t=0');
    now = 50;
    await waitFor(() => sink.records.length === 50, '50 records at t=50ms');
    now = 10_000;
    await running;
    assert.equal(sink.records.length, 120);
    assert.equal(ahead, 0);
  });

  it('stop() ends an endless run promptly, also while waiting for drain', async () => {
    const source = new GeneratorSource({ dataset: 'http_requests', rate: 0, seed: 4, clock });
    const sink = new RecordingSink();
    sink.accept = (r) => r.offset < 3000;
    const running = source.run(sink, new FakeRegistry());
    await waitFor(() => sink.drainCallback !== null, 'saturation');
    source.stop();
    await running;
    assert.equal(sink.records.length, 3001);

    const paced = new GeneratorSource({ dataset: 'http_requests', rate: 1, seed: 4, clock, now: () => 0 });
    const pacedRun = paced.run(new RecordingSink(), new FakeRegistry());
    await idleTurns();
    paced.stop();
    await pacedRun;
  });

  it('whenDelivered resolves once everything pushed is committable', async () => {
    const source = new GeneratorSource({ dataset: 'http_requests', rate: 0, seed: 5, records: 10, clock });
    await source.run(new RecordingSink(), new FakeRegistry());
    const delivered = source.whenDelivered();
    source.committable({ name: 'generator/0', dataset: 'http_requests' }, 9);
    source.committable({ name: 'other/0', dataset: 'http_requests' }, 10);
    assert.equal(await isSettled(delivered), false);
    source.committable({ name: 'generator/0', dataset: 'http_requests' }, 10);
    await delivered;
  });

  it('generates a dataset without a hand-written generator from its catalog', async () => {
    const source = new GeneratorSource({ dataset: 'gateway_dns', rate: 0, seed: 1, records: 50, clock, tenants: ['acct-1'] });
    const sink = new RecordingSink();
    const registry = new FakeRegistry();
    await source.run(sink, registry);
    assert.deepEqual(registry.opened, [{ name: 'generator/0', dataset: 'gateway_dns', firstOffset: 0 }]);
    assert.equal(sink.records.length, 50);
    for (const r of sink.records) {
      assert.equal(r.tenant, 'acct-1');
      assert.equal(typeof JSON.parse(r.value.toString('utf8')).QueryName, 'string');
    }
  });

  it('rejects datasets it cannot generate and bad rates with ERR_CONFIG', () => {
    assert.throws(() => new GeneratorSource({ dataset: 'dns_log', rate: 0, seed: 1 }), { code: 'ERR_CONFIG', message: /"dns_log" is not one/ });
    assert.throws(() => new GeneratorSource({ dataset: 'http_requests', rate: -1, seed: 1 }), { code: 'ERR_CONFIG' });
    assert.throws(() => new GeneratorSource({ dataset: 'http_requests', rate: Number.NaN, seed: 1 }), { code: 'ERR_CONFIG' });
  });
});
