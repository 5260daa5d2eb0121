// Where records go that can go nowhere else, written atomically like any file object under
// data_dir/quarantine/, so they are neither retried forever nor lost:
// - a batch that crashes workers again and again: its raw records, as NDJSON, under
//   job-<id>/; an operator can inspect and replay it (sluice run --input);
// - poison records while their dead-letter topic refuses writes (src/core/dead-letter.ts): one
//   JSON line per record under dead-letter/, with what was wrong and where it came from.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { FileDestination } from '../destinations/file.ts';
import { batchIdFor } from '../destinations/object-name.ts';
import type { PoisonRecord } from './source.ts';
import { ChunkStream } from '../destinations/chunk-stream.ts';
import type { JobRuntime } from './job-runtime.ts';
import type { OpenBatch } from './open-batch.ts';

/** The folder under data_dir/quarantine/ for poison records a dead-letter topic did not take. */
export const DEAD_LETTER_QUARANTINE = 'dead-letter';

const NEWLINE = new Uint8Array([0x0a]);

/** Writes `lines` as one file in `folder`, named like a batch object; resolves to its path. */
async function writeQuarantined(folder: string, jobId: number, batchId: string, atMs: number, lines: Uint8Array[], records: number): Promise<string> {
  const destination = new FileDestination(pathToFileURL(folder).href);
  const ns = `${atMs}000000`;
  const receipt = await destination.deliver({ jobId, batchId, startNs: ns, endNs: ns, compression: 'none', chunks: ChunkStream.of(lines), records });
  return receipt.location;
}

/** Writes a batch that crashes workers as raw NDJSON under data_dir/quarantine/job-<id>/. */
export async function quarantine(root: string, runtime: JobRuntime, batch: OpenBatch, batchId: string, reason: string, log: Logger): Promise<void> {
  const lines: Uint8Array[] = [];
  for (let i = 0; i < batch.count; i++) lines.push(batch.recordBytes(i), NEWLINE);
  const location = await writeQuarantined(resolve(root, `job-${runtime.job.id}`), runtime.job.id, batchId, batch.openedAt, lines, batch.count);
  log.error({ job_id: runtime.job.id, batch_id: batchId, location, reason }, 'batch quarantined');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Writes poison records under data_dir/quarantine/dead-letter/ as one JSON line each: the
 * dead-letter headers' facts (reason, error, source partition and offset, job, tenant), the
 * record's size, and the record as `value` (text) or, when it is not valid UTF-8,
 * `value_base64` — a record that is not JSON may hold newlines, so raw lines would not frame it.
 * The file name is derived from the records' positions, so writing the same records again
 * (after a crash) replaces the file. Resolves to the file's path.
 */
export async function quarantinePoison(root: string, records: readonly PoisonRecord[], whySetAside: string): Promise<string> {
  const lines: Uint8Array[] = [];
  const ranges = new Map<string, { partition: string; first: number; last: number }>();
  for (const r of records) {
    let value: { value: string } | { value_base64: string };
    try {
      value = { value: strictUtf8.decode(r.value) };
    } catch {
      value = { value_base64: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength).toString('base64') };
    }
    const line = { reason: r.reason, error: r.message, source: r.partition.name, offset: r.offset, job_id: r.jobId, tenant: r.tenant, bytes: r.value.length, dead_letter_error: whySetAside, ...value };
    lines.push(Buffer.from(JSON.stringify(line)), NEWLINE);
    const range = ranges.get(r.partition.name);
    if (range) {
      range.first = Math.min(range.first, r.offset);
      range.last = Math.max(range.last, r.offset);
    } else {
      ranges.set(r.partition.name, { partition: r.partition.name, first: r.offset, last: r.offset });
    }
  }
  const jobId = records[0]?.jobId ?? 0;
  return writeQuarantined(resolve(root, DEAD_LETTER_QUARANTINE), jobId, batchIdFor(jobId, [...ranges.values()]), Date.now(), lines, records.length);
}
