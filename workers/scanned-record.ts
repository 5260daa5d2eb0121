// How the field scanner hands one record to the filter and the encoders.
//
// The scanner does not JSON.parse. It walks the record's UTF-8 bytes once and, for each field
// the compiled job cares about (a "slot"), records where that field's raw JSON value starts and
// ends. The value bytes are passed through untouched, so a 19-digit unixnano integer stays exact
// and a JSON string keeps its quotes and escapes. Missing fields have start = -1.
//
// Offsets are byte offsets into `bytes`, which is normally the whole batch (records back to back),
// so no per-record copy or string is made. One ScannedRecord is reused for every record of a
// batch (no per-record allocation).

export interface ScannedRecord {
  /** The bytes the record is in: normally the whole batch's UTF-8 bytes. */
  bytes: Uint8Array;
  /** starts[slot] is the byte offset in `bytes` of the first byte of the value, or -1 if absent. */
  starts: Int32Array;
  /** ends[slot] is one past the value's last byte. */
  ends: Int32Array;
  /**
   * A tracked string holds bytes that are not UTF-8 (a hint: it may be a duplicate key's value
   * that a later one replaced). utf8.ts replaceInvalidUtf8 then moves the values into a
   * repaired copy (`bytes` is no longer the batch).
   */
  invalidUtf8: boolean;
}
