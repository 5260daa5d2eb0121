// The open-loop send schedule: event i is due at start + i/rate, whatever the system under test
// is doing. Sending never waits for a response to decide what comes next, so a stall in Kafka or
// sluice shows up as latency of the events scheduled during it (they keep their intended times)
// instead of silently lowering the offered load ("coordinated omission").
//
// Pure functions of elapsed time: the producer asks "how many events are due by now?" on every
// tick and sends everything between what it already sent and that number. After a stall the
// answer has moved on by the whole stall, so the backlog goes out at once.

export interface OpenLoopSchedule {
  /** Target events per second. */
  rate: number;
  /** Events in the whole run (rate × seconds, rounded down). */
  total: number;
}

export function openLoopSchedule(rate: number, seconds: number): OpenLoopSchedule {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`seconds must be a positive number, got ${seconds}`);
  return { rate, total: Math.floor(rate * seconds) };
}

/**
 * Events due by `elapsedNs` after the start: every i with i/rate ≤ elapsed, i.e.
 * floor(elapsed × rate) + 1, capped at the run's total. Negative elapsed (a clock read before
 * the start) is 0 events.
 */
export function dueCount(schedule: OpenLoopSchedule, elapsedNs: number): number {
  if (elapsedNs < 0) return 0;
  // Integer ns × rate stays exact in a double for runs up to hours at 100k/s (< 2^53).
  const due = Math.floor((elapsedNs * schedule.rate) / 1e9) + 1;
  return due < schedule.total ? due : schedule.total;
}

/** Intended send time of event `index`, ns after the start (rounded to whole ns). */
export function intendedOffsetNs(schedule: OpenLoopSchedule, index: number): number {
  return Math.round((index * 1e9) / schedule.rate);
}

/** The next batch to send: indexes [from, to) — empty when nothing new is due. */
export function nextBatch(schedule: OpenLoopSchedule, sent: number, elapsedNs: number): { from: number; to: number } {
  const due = dueCount(schedule, elapsedNs);
  return { from: sent, to: due > sent ? due : sent };
}
