// Object names and batch ids (docs/architecture.md "Jobs", invariant 2).
//
// Name: `<start>_<end>_<batchId>.log.<ext>` where start/end are the batch's first and last event
// times as `YYYYMMDDTHHMMSSZ` (UTC) and ext is gz / zst / sz (none: `.log`). The directory or key
// prefix comes from destination_conf with `{DATE}` → `YYYYMMDD` (UTC) of the batch start.

import { createHash } from 'node:crypto';
import type { Compression } from '../jobs/types.ts';
import { DeliveryError, type DeliveryObject } from './destination.ts';

const EXTENSIONS: Readonly<Record<Compression, string>> = { gzip: '.gz', zstd: '.zst', snappy: '.sz', none: '' };

/** Replaces every `{DATE}` with the UTC date (YYYYMMDD) of `startNs` (ns since the epoch, decimal). */
export function expandDate(template: string, startNs: string): string {
  if (!template.includes('{DATE}')) return template;
  return template.replaceAll('{DATE}', utcStamp(startNs).slice(0, 8));
}

/**
 * The folder that holds a path template's dated folders: the template up to the folder its first
 * `{DATE}` is in, without a trailing '/' ("" when that is the top). Ownership challenges go here,
 * so the file is found at the same place whatever the day (Logpush answers `logs/…` for `logs/{DATE}`).
 */
export function undatedFolder(template: string): string {
  const at = template.indexOf('{DATE}');
  const folder = at < 0 ? template : template.slice(0, template.lastIndexOf('/', at) + 1);
  return folder.replace(/\/+$/, '');
}

/** `<start>_<end>_<batchId>.log[.<ext>]` for a delivery object. */
export function objectName(object: DeliveryObject): string {
  return `${utcStamp(object.startNs)}_${utcStamp(object.endNs)}_${object.batchId}.log${EXTENSIONS[object.compression]}`;
}

/** `YYYYMMDDTHHMMSSZ` (UTC) of a time in nanoseconds since the epoch, given as a decimal string. */
export function utcStamp(ns: string): string {
  if (!/^\d{1,22}$/.test(ns)) {
    throw new DeliveryError('ERR_OBJECT_NAME', `event time must be nanoseconds since the epoch as a decimal string, got ${JSON.stringify(ns.slice(0, 40))}`, false);
  }
  // Whole milliseconds are exact in a double (the digits below are dropped as text, not rounded).
  const ms = ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new DeliveryError('ERR_OBJECT_NAME', `event time ${ns} ns is out of range`, false);
  return (
    String(d.getUTCFullYear()).padStart(4, '0') + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) +
    'T' + pad2(d.getUTCHours()) + pad2(d.getUTCMinutes()) + pad2(d.getUTCSeconds()) + 'Z'
  );
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

export interface OffsetRange {
  partition: string;
  /** First and last offset of the batch's records in that partition (inclusive). */
  first: number;
  last: number;
}

/**
 * The batch id: the first 16 hex characters (64 bits) of SHA-256 over
 * `JSON.stringify([jobId, [[partition, first, last], …]])` with the ranges sorted by partition
 * (then first offset). Deterministic and independent of the order the ranges are given in, so a
 * batch rebuilt from the same offsets after a crash gets the same id and overwrites the same
 * object; JSON framing keeps partition names from running into the numbers.
 */
export function batchIdFor(jobId: number, ranges: ReadonlyArray<OffsetRange>): string {
  const sorted = ranges
    .map((r): [string, number, number] => [r.partition, r.first, r.last])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  return createHash('sha256').update(JSON.stringify([jobId, sorted])).digest('hex').slice(0, 16);
}
