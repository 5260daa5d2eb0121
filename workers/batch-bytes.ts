// A task's records as the worker walks them: the batch's bytes (a view of the transferred
// ArrayBuffer, no copy) and each record's end as a byte offset into that view.
//
// No decoding: the scanner, filter and encoders all work on the UTF-8 bytes in place
// (scanned-record.ts), so a batch costs no copy and no JS string however large it is.

export interface BatchBytes {
  /** The task's bytes, from its first record (startByte) to the end of the buffer. */
  bytes: Uint8Array;
  /** recordEnds[i] is one past record i in `bytes`; record i starts at recordEnds[i-1] (or 0). */
  recordEnds: Uint32Array;
}

/**
 * Out-of-range or decreasing `ends` (which the batcher never produces) are clamped, which turns
 * the affected record into an empty one that the scanner rejects as invalid JSON.
 */
export function batchBytes(data: ArrayBufferLike, ends: Uint32Array, count: number, startByte = 0): BatchBytes {
  const n = Math.min(count, ends.length);
  const recordEnds = new Uint32Array(n);
  const limit = data.byteLength - startByte;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i]! - startByte; // relative to the task's first record
    previous = end < previous ? previous : end > limit ? Math.max(previous, limit) : end;
    recordEnds[i] = previous;
  }
  return { bytes: new Uint8Array(data, startByte, previous), recordEnds };
}
