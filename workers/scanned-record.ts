// How the field scanner hands one record to the filter and the encoders.
//
// The scanner does not JSON.parse. It walks the record's text once and, for each field the
// compiled job cares about (a "slot"), records where that field's raw JSON value starts and ends.
// The value text is passed through untouched, so a 19-digit unixnano integer stays exact and a
// JSON string keeps its quotes and escapes. Missing fields have start = -1.
//
// One ScannedRecord is reused for every record of a batch (no per-record allocation).

export interface ScannedRecord {
  /** The text of the current record (a slice of the batch's decoded text, or the batch text itself). */
  text: string;
  /** starts[slot] is the index in `text` of the first character of the value, or -1 if absent. */
  starts: Int32Array;
  /** ends[slot] is one past the last character of the value. */
  ends: Int32Array;
}
