// A batch encoded as several parts on several workers must decode to exactly what one task
// writes: same records in the same order, one batch_prefix, delimiters between parts, one
// batch_suffix — for every codec.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PartitionTracker } from '../../src/core/ack-tracker.ts';
import { encodeBatch } from '../../src/core/encode-batch.ts';
import { OpenBatch } from '../../src/core/open-batch.ts';
import { createHttpRequestsGenerator } from '../../src/generator/http-requests.ts';
import { LOGPUSH_LIMITS, type Compression, type Job } from '../../src/jobs/types.ts';
import { validateJob } from '../../src/jobs/validation/validate.ts';
import { WorkerPool } from '../../src/pool/worker-pool.ts';
import { decodeObject } from '../e2e/output-reader.ts';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pool = new WorkerPool({ threads: 2 });
const dir = mkdtempSync(join(tmpdir(), 'sluice-encode-'));
after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});

// Workers cache compiled jobs by (id, version), so every distinct job here gets its own id.
let nextId = 1;
function job(compression: Compression, outputOptions: Record<string, unknown>): Job {
  const result = validateJob(
    { id: nextId++, zone_id: 'z', dataset: 'http_requests', destination_conf: 'file:///tmp/x', compression, filter: { where: { key: 'EdgeResponseStatus', operator: 'lt', value: 500 } }, output_options: outputOptions },
    { limits: LOGPUSH_LIMITS },
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.value;
}

function batchOf(records: number): OpenBatch {
  const generator = createHttpRequestsGenerator({ seed: 5, clock: (() => { let t = 1_700_000_000_000_000_000n; return () => (t += 1_000_003n); })() });
  const tracker = new PartitionTracker('t/0', 'http_requests', 0);
  const batch = new OpenBatch(0, 1 << 20);
  for (let i = 0; i < records; i++) batch.append(Buffer.from(generator.next().json), tracker, tracker.track(i, 1), i);
  return batch;
}

async function encodedText(j: Job, batch: OpenBatch, partBytes: number, name: string): Promise<{ text: string; parts: number; startNs: string | undefined }> {
  const encoded = encodeBatch({ job: j, batch, pool, sampleSeed: 7, chunkBytes: 50_000, partBytes, reportDrops: false, sealedAt: 2 });
  const range = await encoded.timeRange;
  const chunks: Buffer[] = [];
  for await (const chunk of encoded.stream) chunks.push(Buffer.from(chunk));
  await encoded.totals;
  const path = join(dir, `${name}.${{ gzip: 'gz', zstd: 'zst', snappy: 'sz', none: 'log' }[j.compression]}`);
  writeFileSync(path, Buffer.concat(chunks));
  return { text: decodeObject(path), parts: chunks.length, startNs: range?.startNs };
}

describe('encodeBatch', () => {
  const batch = batchOf(3000); // ~4 MB of input
  for (const compression of ['gzip', 'zstd', 'snappy', 'none'] as const) {
    it(`splits a batch into parts whose concatenation equals one task's output (${compression})`, async () => {
      const j = job(compression, { field_names: ['RayID', 'EdgeStartTimestamp', 'ClientIP'], batch_prefix: '[\n', batch_suffix: ']\n', record_delimiter: ',' });
      const whole = await encodedText(j, batch, 1 << 30, `${compression}-whole`);
      const split = await encodedText(j, batch, 256 * 1024, `${compression}-split`);
      assert.ok(split.parts > whole.parts, 'the split batch really was encoded in parts');
      assert.equal(split.text, whole.text);
      assert.ok(whole.text.startsWith('[\n{"RayID"') && whole.text.endsWith('}\n]\n'));
      assert.equal(split.startNs, whole.startNs, 'the object name does not depend on how the batch was split');
    });
  }

  it('samples the same records whenever the same batch is encoded the same way', async () => {
    const j = job('none', { field_names: ['RayID'], sample_rate: 0.3 });
    const a = await encodedText(j, batch, 256 * 1024, 'sample-a');
    const b = await encodedText(j, batch, 256 * 1024, 'sample-b');
    assert.equal(a.text, b.text);
    const kept = a.text.split('\n').filter(Boolean).length;
    assert.ok(kept > 600 && kept < 1200, `about 30% of ~2900 kept, got ${kept}`);
  });
});
