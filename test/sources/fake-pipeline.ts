// Test doubles for the source contract: a recording sink with scriptable backpressure, a
// partition registry, and a deadline-bounded wait for conditions (no fixed sleeps).

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PartitionHandle, PartitionRegistry, RecordSink } from '../../src/core/source.ts';

export interface PushedRecord {
  partition: string;
  offset: number;
  tenant: string;
  value: Buffer;
}

export class FakeRegistry implements PartitionRegistry {
  readonly opened: Array<{ name: string; dataset: string; firstOffset: number }> = [];
  /** The handles handed out, by name: sources key commits by handle identity. */
  readonly handles = new Map<string, PartitionHandle>();
  open(name: string, dataset: string, firstOffset: number): PartitionHandle {
    this.opened.push({ name, dataset, firstOffset });
    const handle = { name, dataset };
    this.handles.set(name, handle);
    return handle;
  }
  close(): void {}
}

export class RecordingSink implements RecordSink {
  readonly records: PushedRecord[] = [];
  /** Called before each push is recorded; return false to signal saturation. */
  accept: (record: PushedRecord) => boolean = () => true;
  saturated = false;
  /** Pushes that arrived while saturated (must stay 0). */
  pushesWhileSaturated = 0;
  drainCallback: (() => void) | null = null;

  push(partition: PartitionHandle, offset: number, tenant: string, value: Uint8Array): boolean {
    if (this.saturated) this.pushesWhileSaturated++;
    // The contract says push copies `value`; sources reuse their buffers.
    const record = { partition: partition.name, offset, tenant, value: Buffer.from(value) };
    this.records.push(record);
    const more = this.accept(record);
    if (!more) this.saturated = true;
    return more;
  }

  onDrain(callback: () => void): void {
    this.drainCallback = callback;
  }

  /** Ends saturation and calls the registered drain callback, if any. */
  drain(): void {
    this.saturated = false;
    const callback = this.drainCallback;
    this.drainCallback = null;
    callback?.();
  }
}

export async function waitFor(condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets the event loop run `turns` times (to give a misbehaving source the chance to push). */
export async function idleTurns(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

/** Whether a promise has settled, checked without waiting for it. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  await idleTurns(5);
  return settled;
}

/**
 * Awaits a source's `run` while acting as the pipeline under backpressure: each time the source
 * waits for drain, checks that it pushed nothing while saturated, then drains. Returns the
 * number of pauses.
 */
export async function drainUntilDone(run: Promise<void>, sink: RecordingSink): Promise<number> {
  let finished = false;
  const running = run.then(() => { finished = true; });
  let pauses = 0;
  while (!finished) {
    await waitFor(() => sink.drainCallback !== null || finished, 'a drain wait or the end');
    if (finished) break;
    await idleTurns();
    assert.equal(sink.pushesWhileSaturated, 0);
    pauses++;
    sink.drain();
  }
  await running;
  return pauses;
}
