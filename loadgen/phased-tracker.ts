// A DeliveryTracker that also splits latency and throughput by phase of a soak (before, during
// and after an outage): latency by the phase of the record's *intended* send time (so records
// produced during the outage count there even when they arrive later), throughput by the phase
// of the delivery time. Also remembers when the last record intended before a given moment was
// delivered: for the failing job, restore → that moment is its time to catch up.

import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { DeliveryTracker } from './delivery-tracker.ts';
import { latencyMicros, type DeliveredIdentity } from './record-identity.ts';

export interface Phase {
  name: string;
  /** Epoch ms, inclusive. */
  fromMs: number;
  /** Epoch ms, exclusive (Infinity for the last phase). */
  toMs: number;
}

export interface PhaseFigures {
  phase: string;
  /** Records intended in the phase and delivered (first delivery). */
  records: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Records delivered during the phase ÷ the phase's length (to the last delivery for the last phase). */
  deliveredPerSecond: number;
}

export class PhasedTracker extends DeliveryTracker {
  readonly #phases: Phase[];
  readonly #latency: Histogram[];
  readonly #deliveredIn: number[];
  readonly #markMicros: number;
  #lastBeforeMarkMs = -Infinity;

  /** `markMs`: the moment whose earlier records' last delivery is reported (the restore). */
  constructor(runId: string, scheduled: number, phases: Phase[], markMs: number) {
    super(runId, scheduled);
    this.#phases = phases;
    this.#latency = phases.map(() => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true }));
    this.#deliveredIn = phases.map(() => 0);
    this.#markMicros = markMs * 1000;
  }

  override recordDelivery(identity: DeliveredIdentity, deliveredAtMs: number): 'first' | 'duplicate' | 'foreign' {
    const outcome = super.recordDelivery(identity, deliveredAtMs);
    if (outcome !== 'first') return outcome;
    const intendedMs = identity.intendedMicros / 1000;
    const latency = Math.max(0, latencyMicros(deliveredAtMs, identity.intendedMicros));
    const byIntent = this.#phaseAt(intendedMs);
    if (byIntent >= 0) this.#latency[byIntent]!.recordValue(latency);
    const byDelivery = this.#phaseAt(deliveredAtMs);
    if (byDelivery >= 0) this.#deliveredIn[byDelivery]!++;
    if (identity.intendedMicros < this.#markMicros && deliveredAtMs > this.#lastBeforeMarkMs) this.#lastBeforeMarkMs = deliveredAtMs;
    return outcome;
  }

  #phaseAt(ms: number): number {
    for (let i = 0; i < this.#phases.length; i++) if (ms >= this.#phases[i]!.fromMs && ms < this.#phases[i]!.toMs) return i;
    return -1;
  }

  /** Epoch ms at which the last record intended before the mark was delivered, or null before any. */
  get lastBeforeMarkMs(): number | null {
    return Number.isFinite(this.#lastBeforeMarkMs) ? this.#lastBeforeMarkMs : null;
  }

  phaseFigures(): PhaseFigures[] {
    const ms = (micros: number) => Math.round(micros / 10) / 100;
    const lastMs = this.deliveryWindow?.lastMs ?? 0;
    return this.#phases.map((phase, i) => {
      const h = this.#latency[i]!;
      const seconds = Math.max(0.001, (Math.min(phase.toMs, Math.max(lastMs, phase.fromMs)) - phase.fromMs) / 1000);
      return {
        phase: phase.name,
        records: h.totalCount,
        p50Ms: ms(h.getValueAtPercentile(50)),
        p99Ms: ms(h.getValueAtPercentile(99)),
        maxMs: ms(h.maxValue),
        deliveredPerSecond: Math.round((this.#deliveredIn[i]! / seconds) * 10) / 10,
      };
    });
  }
}
