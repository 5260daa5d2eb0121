// The dead-letter path never blocks the line (issue 10): a destination that refuses writes is
// tried a bounded number of times, then set aside; its poison records go to quarantine (and
// are acknowledged by the caller); a probe, spaced by backoff, brings it back. Every record is
// counted exactly once: written, truncated or quarantined.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadLetterPath, storePoison, type DeadLetterMetrics, type DeadLetterOutcome } from '../../src/core/dead-letter.ts';
import type { DeadLetterSink, PartitionHandle, PoisonRecord } from '../../src/core/source.ts';
import { RateLimiter, createLogger } from '../../src/shared/log.ts';

const BACKOFF = { baseMs: 1, capMs: 2 };
const log = createLogger('silent');
const partition = { name: 'http_requests/0' } as PartitionHandle;
const poison = (offset: number): PoisonRecord => ({ partition, offset, tenant: 'zone', value: Buffer.from(`bad ${offset}`), reason: 'invalid_json', message: 'bad', jobId: 1 });
const range = (from: number, to: number): PoisonRecord[] => Array.from({ length: to - from }, (_, i) => poison(from + i));

/** Stores `chunk` records per write; `refuse` makes every write fail after `acceptFirst` more records were stored. */
class FakeSink implements DeadLetterSink {
  readonly name = 'fake topic';
  readonly stored: number[] = [];
  calls = 0;
  refuse = false;
  acceptFirst = 0;
  truncateOffsets = new Set<number>();
  /** A call that starts while this is set waits for it before it does anything. */
  hold: Promise<void> | null = null;
  readonly chunk: number;
  constructor(chunk = 10) {
    this.chunk = chunk;
  }
  async deadLetter(records: readonly PoisonRecord[], stored: (records: number, truncated: number) => void): Promise<void> {
    this.calls++;
    const hold = this.hold;
    if (hold) await hold;
    for (let i = 0; i < records.length; i += this.chunk) {
      const part = records.slice(i, i + this.chunk);
      if (this.refuse) {
        if (this.acceptFirst <= 0) throw new Error('TOPIC_AUTHORIZATION_FAILED');
        this.acceptFirst -= part.length;
      }
      this.stored.push(...part.map((r) => r.offset));
      stored(part.length, part.filter((r) => this.truncateOffsets.has(r.offset)).length);
    }
  }
}

class Harness {
  readonly quarantined: number[] = [];
  quarantineFailures = 0;
  now = 1_000_000;
  readonly metrics = { records: { written: 0, truncated: 0, quarantined: 0 } as Record<DeadLetterOutcome, number>, setAside: 0 };
  readonly path: DeadLetterPath;
  readonly sink: FakeSink;
  constructor(sink: FakeSink, attempts = 3) {
    this.sink = sink;
    const metrics: DeadLetterMetrics = {
      deadLetterRecords: (outcome, n) => (this.metrics.records[outcome] += n),
      deadLetterSetAside: (change) => (this.metrics.setAside += change),
    };
    this.path = new DeadLetterPath({
      sink,
      log,
      backoff: BACKOFF,
      attempts,
      metrics,
      now: () => this.now,
      quarantine: async (records) => {
        if (this.quarantineFailures > 0) {
          this.quarantineFailures--;
          throw new Error('ENOSPC');
        }
        this.quarantined.push(...records.map((r) => r.offset));
        return '/data/quarantine/dead-letter/x.log';
      },
    });
  }
  store(records: PoisonRecord[]) {
    return this.path.store(records, new AbortController().signal);
  }
  /** Every record exactly once, in the topic or in quarantine, and the metrics say the same. */
  assertAccounted(total: number) {
    const everywhere = [...this.sink.stored, ...this.quarantined].sort((a, b) => a - b);
    assert.deepEqual(everywhere, Array.from({ length: total }, (_, i) => i));
    const c = this.path.counts;
    assert.equal(c.written + c.truncated, this.sink.stored.length);
    assert.equal(c.quarantined, this.quarantined.length);
    assert.deepEqual(this.metrics.records, c);
  }
}

describe('DeadLetterPath', () => {
  it('writes to the destination while it takes writes, counting truncated copies apart', async () => {
    const sink = new FakeSink();
    sink.truncateOffsets.add(3);
    const h = new Harness(sink);
    await h.store(range(0, 25));
    assert.equal(h.path.setAside, false);
    assert.deepEqual(h.path.counts, { written: 24, truncated: 1, quarantined: 0 });
    h.assertAccounted(25);
  });

  it('retries a failing write a bounded number of times, then quarantines the records and sets the destination aside', async () => {
    const sink = new FakeSink();
    sink.refuse = true;
    const h = new Harness(sink, 3);
    await h.store(range(0, 5));
    assert.equal(sink.calls, 3);
    assert.equal(h.path.setAside, true);
    assert.equal(h.metrics.setAside, 1);
    h.assertAccounted(5);
    // Set aside: poison goes straight to quarantine, the destination is not tried before the probe is due.
    await h.store(range(5, 9));
    assert.equal(sink.calls, 3);
    h.assertAccounted(9);
  });

  it('quarantines only the records the destination did not take before it failed', async () => {
    const sink = new FakeSink(10);
    sink.refuse = true;
    sink.acceptFirst = 20;
    const h = new Harness(sink, 2);
    await h.store(range(0, 45));
    assert.deepEqual(sink.stored, range(0, 20).map((r) => r.offset));
    assert.deepEqual(h.quarantined, range(20, 45).map((r) => r.offset));
    h.assertAccounted(45);
  });

  it('probes with backoff while set aside, and resumes writing once a probe is taken', async () => {
    const sink = new FakeSink();
    sink.refuse = true;
    const h = new Harness(sink, 2);
    await h.store(range(0, 3));
    assert.equal(h.path.setAside, true);
    // A due probe that fails: one try only, its records quarantined, the next probe later.
    h.now += 60_000;
    await h.store(range(3, 6));
    assert.equal(sink.calls, 3);
    await h.store(range(6, 8));
    assert.equal(sink.calls, 3, 'no second probe before the backoff delay');
    assert.equal(h.path.setAside, true);
    // The destination takes writes again: the next due probe is written and ends the set-aside.
    sink.refuse = false;
    h.now += 60_000;
    await h.store(range(8, 12));
    assert.equal(h.path.setAside, false);
    assert.equal(h.metrics.setAside, 0);
    await h.store(range(12, 15));
    assert.deepEqual(sink.stored, range(8, 15).map((r) => r.offset));
    h.assertAccounted(15);
  });

  it('stops other writes from retrying once one has set the destination aside', async () => {
    const sink = new FakeSink();
    sink.refuse = true;
    const h = new Harness(sink, 4);
    let release!: () => void;
    sink.hold = new Promise((resolve) => (release = resolve));
    const slow = h.store(range(0, 3)); // its first try is held back
    sink.hold = null;
    await h.store(range(3, 6)); // four tries, then set aside
    release();
    await slow;
    assert.equal(sink.calls, 5, 'the held write failed once and went to quarantine');
    assert.equal(h.metrics.setAside, 1);
    h.assertAccounted(6);
  });

  it('keeps trying the quarantine folder until it takes the records, and gives up only when aborted', async () => {
    const sink = new FakeSink();
    sink.refuse = true;
    const h = new Harness(sink, 1);
    h.quarantineFailures = 3;
    await h.store(range(0, 4));
    h.assertAccounted(4);
    h.quarantineFailures = Infinity;
    const abort = new AbortController();
    const stored = h.path.store(range(4, 6), abort.signal);
    abort.abort();
    await assert.rejects(stored);
    assert.equal(h.path.counts.quarantined, 4, 'nothing counted that was not stored');
  });
});

describe('storePoison', () => {
  it('returns false, leaving the records unacknowledged, when shutdown aborts the wait', async () => {
    const abort = new AbortController();
    const ctx = { write: async () => { throw new Error('disk gone'); }, log, limiter: new RateLimiter(10_000), backoff: { baseMs: 60_000, capMs: 60_000 }, signal: abort.signal };
    const stored = storePoison(ctx, [poison(0)]);
    abort.abort();
    assert.equal(await stored, false);
  });
});
