// What makes a delivered record traceable back to the moment it should have been sent.
//
// - RayID (16 hex chars, as Cloudflare's) = 8 hex chars of run id + 8 hex chars of the event's
//   index in the schedule. The observer marks delivered events in a bitmap by index (cheap at any
//   run length, and duplicates show up as a second mark), and ignores records of other runs that
//   share the destination.
// - EdgeStartTimestamp (unixnano int, a default field of every http_requests job) is the
//   *intended* send time: the generator's clock is the schedule, so the value is written where
//   the generator writes it and not patched afterwards. Latency = delivery time − this value.
//   EdgeStartTimestamp rather than another int field because it is a real timestamp (sluice names
//   objects by it, so object names show the intended times too) and jobs select it by default.
//
// Both are read back from delivered NDJSON with string scanning, not JSON.parse: 19-digit
// nanosecond integers are not exact as doubles.

const RAY_PREFIX = '{"RayID":"';
const RAY_FIELD = '"RayID":"';
const START_FIELD = '"EdgeStartTimestamp":';

export class RecordIdentityError extends Error {
  readonly code = 'ERR_LOADGEN_RECORD';
  constructor(message: string) {
    super(message);
    this.name = 'RecordIdentityError';
  }
}

/** A random run id: 8 lowercase hex chars. */
export function newRunId(): string {
  return (Math.floor(Math.random() * 0x1_0000_0000) >>> 0).toString(16).padStart(8, '0');
}

/** The RayID of event `index` in run `runId`. */
export function rayIdFor(runId: string, index: number): string {
  if (!/^[0-9a-f]{8}$/.test(runId)) throw new RangeError(`run id must be 8 lowercase hex chars, got ${JSON.stringify(runId)}`);
  if (!Number.isInteger(index) || index < 0 || index > 0xffff_ffff) throw new RangeError(`index out of range: ${index}`);
  return runId + index.toString(16).padStart(8, '0');
}

/**
 * Replaces the generator's random RayID (its first field, always 16 hex chars) with `rayId`.
 * Throws if the event does not start the way the generator writes it.
 */
export function withRayId(json: string, rayId: string): string {
  const end = RAY_PREFIX.length + 16;
  if (!json.startsWith(RAY_PREFIX) || json.charCodeAt(end) !== 0x22 /* " */) {
    throw new RecordIdentityError(`generated event does not start with a 16-char RayID: ${json.slice(0, 40)}`);
  }
  return RAY_PREFIX + rayId + json.slice(end);
}

export interface DeliveredIdentity {
  runId: string;
  index: number;
  /** Intended send time, whole µs since the epoch (ns digits below µs dropped). */
  intendedMicros: number;
}

/**
 * Reads RayID and EdgeStartTimestamp from one delivered NDJSON line. Returns null for a record
 * whose RayID is not a loadgen id (another producer's record); throws if a loadgen record lacks
 * its timestamp (the job must select EdgeStartTimestamp with timestamp_format unixnano).
 */
export function readDeliveredIdentity(line: string): DeliveredIdentity | null {
  const ray = line.indexOf(RAY_FIELD);
  if (ray < 0) throw new RecordIdentityError(`delivered record has no RayID (the job must select RayID): ${line.slice(0, 80)}`);
  const idStart = ray + RAY_FIELD.length;
  const id = line.slice(idStart, idStart + 16);
  if (line.charCodeAt(idStart + 16) !== 0x22 || !/^[0-9a-f]{16}$/.test(id)) return null;
  const at = line.indexOf(START_FIELD);
  if (at < 0) throw new RecordIdentityError(`delivered record ${id} has no EdgeStartTimestamp (select it, timestamp_format unixnano)`);
  let end = at + START_FIELD.length;
  const digitsStart = end;
  while (end < line.length && line.charCodeAt(end) >= 0x30 && line.charCodeAt(end) <= 0x39) end++;
  const digits = line.slice(digitsStart, end);
  if (digits.length < 16) throw new RecordIdentityError(`record ${id}: EdgeStartTimestamp ${JSON.stringify(line.slice(digitsStart, digitsStart + 30))} is not unixnano`);
  // Microseconds since the epoch (~1.8e15) are exact in a double; the last 3 ns digits are dropped.
  return { runId: id.slice(0, 8), index: parseInt(id.slice(8), 16), intendedMicros: Number(digits.slice(0, -3)) };
}

/** End-to-end latency in µs: delivery time (ms since the epoch, fractional allowed) − intended send time. */
export function latencyMicros(deliveredAtMs: number, intendedMicros: number): number {
  return Math.round(deliveredAtMs * 1000) - intendedMicros;
}
