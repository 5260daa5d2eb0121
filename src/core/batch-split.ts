// A large batch is encoded as several worker tasks over the same shared buffers, so several
// workers compress it at once and its first parts can be uploaded while later ones are still
// being encoded (docs/architecture.md "The flow"). Parts are cut at record boundaries.

import type { OpenBatch } from './open-batch.ts';

export interface BatchPart {
  /** Index of the part's first record in the batch. */
  first: number;
  count: number;
  /** Byte offset where the part's first record starts. */
  startByte: number;
}

export function splitBatch(batch: Pick<OpenBatch, 'ends' | 'count'>, maxPartBytes: number): BatchPart[] {
  const parts: BatchPart[] = [];
  let first = 0;
  let startByte = 0;
  for (let i = 0; i < batch.count; i++) {
    const end = batch.ends[i]!;
    // Close the part after this record once it reaches the size; never leave a part empty.
    if (end - startByte >= maxPartBytes || i === batch.count - 1) {
      parts.push({ first, count: i - first + 1, startByte });
      first = i + 1;
      startByte = end;
    }
  }
  return parts;
}
