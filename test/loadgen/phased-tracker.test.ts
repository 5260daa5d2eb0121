import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhasedTracker } from '../../loadgen/phased-tracker.ts';

const T0 = 1_800_000_000_000; // epoch ms
const phases = [
  { name: 'before', fromMs: T0, toMs: T0 + 10_000 },
  { name: 'during', fromMs: T0 + 10_000, toMs: T0 + 20_000 },
  { name: 'after', fromMs: T0 + 20_000, toMs: Infinity },
];
const id = (index: number, intendedMs: number) => ({ runId: 'abcd0123', index, intendedMicros: intendedMs * 1000 });

describe('PhasedTracker', () => {
  it('counts latency in the phase a record was meant to be sent in, throughput in the phase it arrived in', () => {
    const t = new PhasedTracker('abcd0123', 10, phases, T0 + 20_000);
    t.markProduced(0, 4);
    t.recordDelivery(id(0, T0 + 1000), T0 + 2000); // before, 1 s
    t.recordDelivery(id(1, T0 + 9000), T0 + 25_000); // intended before, arrives after: 16 s, counted before
    t.recordDelivery(id(2, T0 + 12_000), T0 + 13_000); // during, 1 s
    t.recordDelivery(id(2, T0 + 12_000), T0 + 14_000); // a duplicate changes no phase figure
    const [before, during, after] = t.phaseFigures();
    assert.equal(before!.records, 2);
    assert.ok(before!.maxMs >= 15_990 && before!.maxMs <= 16_010, String(before!.maxMs));
    assert.equal(during!.records, 1);
    assert.equal(after!.records, 0);
    assert.equal(t.summary().duplicates, 1);
    assert.equal(before!.deliveredPerSecond, 0.1); // 1 arrival in 10 s
    assert.equal(during!.deliveredPerSecond, 0.1);
    assert.equal(after!.deliveredPerSecond, 0.2); // 1 arrival in the 5 s up to the last delivery
  });

  it('reports when the last record intended before the mark arrived: the failing job caught up', () => {
    const t = new PhasedTracker('abcd0123', 10, phases, T0 + 20_000);
    t.markProduced(0, 3);
    assert.equal(t.lastBeforeMarkMs, null);
    t.recordDelivery(id(0, T0 + 5000), T0 + 30_000);
    t.recordDelivery(id(1, T0 + 15_000), T0 + 28_000);
    t.recordDelivery(id(2, T0 + 21_000), T0 + 40_000); // after the mark: not part of catching up
    assert.equal(t.lastBeforeMarkMs, T0 + 30_000);
  });
});
