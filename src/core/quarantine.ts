// Where a batch that crashes workers again and again goes: its raw records, as NDJSON, under
// data_dir/quarantine/job-<id>/ (written atomically like any file object), so it is neither
// retried forever nor lost; an operator can inspect and replay it (sluice run --input).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { FileDestination } from '../destinations/file.ts';
import { ChunkStream } from './chunk-stream.ts';
import type { JobRuntime } from './job-runtime.ts';
import type { OpenBatch } from './open-batch.ts';

/** Writes a batch that crashes workers as raw NDJSON under data_dir/quarantine/job-<id>/. */
export async function quarantine(root: string, runtime: JobRuntime, batch: OpenBatch, batchId: string, reason: string, log: Logger): Promise<void> {
  const lines: Uint8Array[] = [];
  const newline = new Uint8Array([0x0a]);
  for (let i = 0; i < batch.count; i++) lines.push(batch.recordBytes(i), newline);
  const destination = new FileDestination(`${pathToFileURL(resolve(root, `job-${runtime.job.id}`)).href}`);
  const ns = `${batch.openedAt}000000`;
  const receipt = await destination.deliver({
    jobId: runtime.job.id,
    batchId,
    startNs: ns,
    endNs: ns,
    compression: 'none',
    chunks: ChunkStream.of(lines),
    records: batch.count,
  });
  log.error({ job_id: runtime.job.id, batch_id: batchId, location: receipt.location, reason }, 'batch quarantined');
}
