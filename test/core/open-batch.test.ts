// What a batch is charged for its memory (open-batch.ts): its records, its tables, a fixed
// overhead, and the pages of a reused buffer an earlier batch wrote.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionTracker } from '../../src/core/ack-tracker.ts';
import { LAZILY_MAPPED_BYTES, SharedBufferPool } from '../../src/core/buffer-pool.ts';
import { BATCH_OVERHEAD_BYTES, OpenBatch } from '../../src/core/open-batch.ts';

const record = Buffer.from('{"RayID":"00000000000000000001"}');

let nextOffset = 0;

function fill(batch: OpenBatch, count: number, trackers: PartitionTracker[]): number {
  let charged = 0;
  for (let i = 0; i < count; i++) {
    const tracker = trackers[i % trackers.length]!;
    const offset = nextOffset++;
    charged += batch.append(record, tracker, tracker.track(offset, 1), offset);
  }
  return charged;
}

describe('OpenBatch.charged', () => {
  it('a small batch costs its fixed overhead and tables on top of its records, and append says what it added', () => {
    const batch = new OpenBatch(0, 5_000_000);
    const opened = batch.charged;
    assert.ok(opened >= BATCH_OVERHEAD_BYTES, 'charged before any record');
    const trackers = [new PartitionTracker('t/0', 'http_requests', 0), new PartitionTracker('t/1', 'http_requests', 0)];
    const added = fill(batch, 100, trackers); // past the first tables (16 records) and spans
    assert.equal(opened + added, batch.charged, 'the returns add up to the charge');
    assert.ok(batch.charged > batch.bytes + BATCH_OVERHEAD_BYTES, 'tables are charged too');
    assert.ok(batch.charged < batch.bytes + BATCH_OVERHEAD_BYTES + 100 * 64, 'and not much more');
    const before = batch.charged;
    const offset = nextOffset++;
    assert.equal(batch.append(record, trackers[0]!, trackers[0]!.track(offset, 1), offset), record.length, 'with room in the tables, a record costs its bytes');
    assert.equal(batch.charged, before + record.length);
  });

  it('charges a reused buffer\'s pages that an earlier batch wrote from the start, and not again', () => {
    const pool = new SharedBufferPool(4 * LAZILY_MAPPED_BYTES);
    const tracker = new PartitionTracker('t/0', 'http_requests', 0);
    const big = new OpenBatch(0, 5_000_000, pool);
    fill(big, 3000, [tracker]);
    const written = big.bytes;
    big.release();

    const small = new OpenBatch(0, 5_000_000, pool, 3000);
    assert.ok(small.charged >= written + BATCH_OVERHEAD_BYTES, `the earlier ${written} bytes are resident in the buffer it got (charged ${small.charged})`);
    fill(small, 1, [tracker]); // opens its partition's span
    const opened = small.charged;
    fill(small, 10, [tracker]);
    assert.equal(small.charged, opened, 'writing over pages already charged costs nothing more');
  });

  it('a fresh buffer is lazily mapped whatever max_upload_bytes says: only what is written is charged', () => {
    const batch = new OpenBatch(0, 5_000_000, new SharedBufferPool(4 * LAZILY_MAPPED_BYTES));
    assert.ok(batch.data.buffer.byteLength >= LAZILY_MAPPED_BYTES);
    assert.ok(batch.charged < BATCH_OVERHEAD_BYTES + 4096, `not the 8 MiB a 5 MB job's buffer from malloc would be (charged ${batch.charged})`);
  });
});
