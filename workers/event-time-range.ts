// The earliest and latest event time among a batch's output records, for the object name
// (`<start>_<end>_<id>.log.gz`). Times are canonical decimal nanosecond strings compared by
// length then digit by digit — exact for 19-digit values, where a double would round.
//
// This runs for every output record, and in a typical batch event times rise, so nearly every
// record is a new maximum. The current minimum and maximum are therefore kept as bytes in two
// small reused buffers, and a canonical integer is compared and copied in place: no string per
// record. Strings are made only when the range is read (once per batch), and for a value that
// is not a canonical integer and so needs timestamp.ts to read it (rare).

import { latin1Of, utf8Bytes } from './byte-text.ts';
import type { ScannedRecord } from './scanned-record.ts';
import { eventTimeNs } from './timestamp.ts';

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
  const min = new NsBytes();
  const max = new NsBytes();

  const observeRange = (bytes: Uint8Array, start: number, end: number): void => {
    if (min.isEmpty() || min.compareTo(bytes, start, end) > 0) min.set(bytes, start, end);
    if (max.isEmpty() || max.compareTo(bytes, start, end) < 0) max.set(bytes, start, end);
  };

  return {
    observe(record) {
      const start = record.starts[slot]!;
      if (start < 0) return;
      const end = record.ends[slot]!;
      const bytes = record.bytes;
      if (isCanonicalInteger(bytes, start, end)) {
        observeRange(bytes, start, end);
        return;
      }
      const ns = eventTimeNs(latin1Of(bytes, start, end));
      if (ns === null) return;
      const canonical = utf8Bytes(ns);
      observeRange(canonical, 0, canonical.length);
    },
    get min() { return min.text(); },
    get max() { return max.text(); },
  };
}

/** A canonical nanosecond time as its decimal digits, in a buffer reused for every update. */
class NsBytes {
  #digits = new Uint8Array(24);
  #length = 0;

  isEmpty(): boolean {
    return this.#length === 0;
  }

  set(bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length > this.#digits.length) this.#digits = new Uint8Array(length);
    const digits = this.#digits;
    for (let i = 0; i < length; i++) digits[i] = bytes[start + i]!;
    this.#length = length;
  }

  /** Sign of (this − the canonical integer bytes[start, end)): longer is larger, then digit by digit. */
  compareTo(bytes: Uint8Array, start: number, end: number): number {
    const length = this.#length;
    if (length !== end - start) return length - (end - start);
    const digits = this.#digits;
    for (let i = 0; i < length; i++) {
      const d = digits[i]! - bytes[start + i]!;
      if (d !== 0) return d;
    }
    return 0;
  }

  text(): string | null {
    return this.#length === 0 ? null : latin1Of(this.#digits, 0, this.#length);
  }
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
