// The earliest and latest event time among a batch's output records, for the object name
// (`<start>_<end>_<id>.log.gz`). Times are canonical decimal nanosecond strings compared by
// length then digit by digit — exact for 19-digit values, where a double would round.
//
// This runs for every output record, so the common case (a canonical integer, not a new
// minimum or maximum) is compared in place on the batch bytes: no slice, no allocation. A
// string is made (latin1Of, one char per byte) only for a value that is kept as the new minimum
// or maximum, or that is not a canonical integer and so needs timestamp.ts to read it.

import { latin1Of } from './byte-text.ts';
import type { ScannedRecord } from './scanned-record.ts';
import { compareNs, eventTimeNs } from './timestamp.ts';

export interface EventTimeRange {
  observe(record: ScannedRecord): void;
  readonly min: string | null;
  readonly max: string | null;
}

const NO_EVENT_TIME: EventTimeRange = { observe() {}, min: null, max: null };
const CHAR_0 = 48, CHAR_1 = 49, CHAR_9 = 57;

/** A fresh range for one batch; `slot` is the event-time field's scanner slot, -1 for none. */
export function createEventTimeRange(slot: number): EventTimeRange {
  if (slot < 0) return NO_EVENT_TIME;
  let min: string | null = null;
  let max: string | null = null;

  const observeText = (ns: string | null): void => {
    if (ns === null) return;
    if (min === null || compareNs(ns, min) < 0) min = ns;
    if (max === null || compareNs(ns, max) > 0) max = ns;
  };

  return {
    observe(record) {
      const start = record.starts[slot]!;
      if (start < 0) return;
      const end = record.ends[slot]!;
      const bytes = record.bytes;
      if (min === null || max === null || !isCanonicalInteger(bytes, start, end)) {
        observeText(eventTimeNs(latin1Of(bytes, start, end)));
        return;
      }
      if (compareInPlace(bytes, start, end, min) < 0) min = latin1Of(bytes, start, end);
      else if (compareInPlace(bytes, start, end, max) > 0) max = latin1Of(bytes, start, end);
    },
    get min() { return min; },
    get max() { return max; },
  };
}

/** Digits only, no leading zero: already the canonical form eventTimeNs would return. */
function isCanonicalInteger(bytes: Uint8Array, start: number, end: number): boolean {
  let c = bytes[start]!;
  if (c < CHAR_1 || c > CHAR_9) return false;
  for (let i = start + 1; i < end; i++) {
    c = bytes[i]!;
    if (c < CHAR_0 || c > CHAR_9) return false;
  }
  return true;
}

/** compareNs(latin1Of(bytes, start, end), ref) without making the string. */
function compareInPlace(bytes: Uint8Array, start: number, end: number, ref: string): number {
  const length = end - start;
  if (length !== ref.length) return length - ref.length;
  for (let i = 0; i < length; i++) {
    const d = bytes[start + i]! - ref.charCodeAt(i);
    if (d !== 0) return d;
  }
  return 0;
}
