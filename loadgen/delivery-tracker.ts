// Which scheduled events were produced and delivered, and their end-to-end latency.
//
// One byte of state per scheduled event (a 60 s run at 10k/s is 600 KB), indexed by the event's
// number from its RayID: no per-record objects or maps, so observing millions of records stays
// cheap. Latency is recorded once per event (its first delivery), in µs, in an HdrHistogram with
// 3 significant digits, so the histogram holds exactly one value per delivered event.

import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { latencyMicros, type DeliveredIdentity } from './record-identity.ts';

const PRODUCED = 1;
const DELIVERED = 2;

export interface DeliverySummary {
  produced: number;
  delivered: number;
  missing: number;
  /** Deliveries of an event after its first (at-least-once re-delivery in another object). */
  duplicates: number;
  /** Loadgen-shaped records of other runs seen in the destination. */
  foreign: number;
  /** Delivered events that were never acknowledged by Kafka (the send reported an error). */
  deliveredUnacknowledged: number;
  /** Latencies below 0 recorded as 0 (file-time granularity; should stay 0). */
  clampedNegative: number;
}

export class DeliveryTracker {
  readonly runId: string;
  readonly histogram: Histogram;
  readonly #state: Uint8Array;
  #produced = 0;
  #delivered = 0;
  #duplicates = 0;
  #foreign = 0;
  #unacknowledged = 0;
  #clamped = 0;
  #firstDeliveryMs = Infinity;
  #lastDeliveryMs = -Infinity;

  constructor(runId: string, scheduled: number) {
    this.runId = runId;
    this.#state = new Uint8Array(scheduled);
    // Up to an hour in µs; autoResize keeps anything longer instead of throwing.
    this.histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
  }

  /** Events [from, to) were acknowledged by Kafka. */
  markProduced(from: number, to: number): void {
    const state = this.#state;
    for (let i = from; i < to; i++) {
      if ((state[i]! & PRODUCED) === 0) {
        state[i] = state[i]! | PRODUCED;
        this.#produced++;
      }
    }
  }

  /** One delivered record, seen in an object that became visible at `deliveredAtMs` (epoch ms). */
  recordDelivery(identity: DeliveredIdentity, deliveredAtMs: number): 'first' | 'duplicate' | 'foreign' {
    if (identity.runId !== this.runId || identity.index >= this.#state.length) {
      this.#foreign++;
      return 'foreign';
    }
    const s = this.#state[identity.index]!;
    if ((s & DELIVERED) !== 0) {
      this.#duplicates++;
      return 'duplicate';
    }
    this.#state[identity.index] = s | DELIVERED;
    this.#delivered++;
    if ((s & PRODUCED) === 0) this.#unacknowledged++;
    let latency = latencyMicros(deliveredAtMs, identity.intendedMicros);
    if (latency < 0) {
      this.#clamped++;
      latency = 0;
    }
    this.histogram.recordValue(latency);
    if (deliveredAtMs < this.#firstDeliveryMs) this.#firstDeliveryMs = deliveredAtMs;
    if (deliveredAtMs > this.#lastDeliveryMs) this.#lastDeliveryMs = deliveredAtMs;
    return 'first';
  }

  /** Produced events not delivered (yet). */
  get missing(): number {
    let missing = 0;
    const state = this.#state;
    for (let i = 0; i < state.length; i++) if (state[i] === PRODUCED) missing++;
    return missing;
  }

  get delivered(): number {
    return this.#delivered;
  }

  /** Epoch ms of the first and last delivery, or null before any. */
  get deliveryWindow(): { firstMs: number; lastMs: number } | null {
    return this.#delivered === 0 ? null : { firstMs: this.#firstDeliveryMs, lastMs: this.#lastDeliveryMs };
  }

  /** Up to `limit` indexes of produced events not delivered, for the error report. */
  missingSample(limit: number): number[] {
    const out: number[] = [];
    const state = this.#state;
    for (let i = 0; i < state.length && out.length < limit; i++) if (state[i] === PRODUCED) out.push(i);
    return out;
  }

  summary(): DeliverySummary {
    return {
      produced: this.#produced,
      delivered: this.#delivered,
      missing: this.missing,
      duplicates: this.#duplicates,
      foreign: this.#foreign,
      deliveredUnacknowledged: this.#unacknowledged,
      clampedNegative: this.#clamped,
    };
  }
}
