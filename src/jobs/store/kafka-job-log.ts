// The Kafka job store's pure core: the compacted topic's records applied one at a time, in
// offset order, to the job set. Every instance applies the same records with the same rules,
// so every instance that has read up to the same offset runs the same jobs. No I/O here (unit
// tested in test/jobs/store/kafka-job-store.test.ts).
//
// Keys of the topic (one partition, so one order for all of them):
//   "<job id>"                   value = StoredJobRecord JSON; null (tombstone) = deleted
//   "sluice.claim.<job id>"      value = a writer's nonce: claims an id before a create
//   "sluice.delete-intended"     value = {"delete_intended":true,"job_id":N}: written by the API
//                                right before job N's tombstone, in the same produce request
//
// The latest value of a job key is the job (last writer wins, which is also all that
// compaction keeps, so a new instance reading a compacted topic agrees with the old ones).
//
// Invariant 6, per record:
//   - a job value that is not JSON, not a StoredJobRecord, has an id other than its key, or
//     fails job validation is refused: the job keeps its last good version (or stays absent);
//   - a tombstone is honoured only when the record just before it is the delete-intended
//     marker for that job (a delete made through the API). Any other tombstone — the store
//     "suddenly reading as empty" — is refused: the job keeps running on its last good version
//     until the API deletes it or a good value for it arrives. (Reason "empty" when the topic's
//     good jobs are then none, else "invalid".)
// Refusals stay outstanding (lastRejection) until the key they concern gets a good value or an
// API delete. What compaction removes cannot be replayed: an instance started after the good
// value of a refused key was compacted away does not have that job (and reports nothing).

import { z } from 'zod';
import type { Job, JobLimits, Problem } from '../types.ts';
import { rebase, resolveRecord } from './job-changes.ts';
import { StoredJobRecordSchema } from './job-set-guard.ts';
import type { RejectionReason, StoredJobRecord } from './job-store.ts';
import { parseWithProblems } from '../zod-problems.ts';

export const CLAIM_KEY_PREFIX = 'sluice.claim.';
export const DELETE_MARKER_KEY = 'sluice.delete-intended';
const JOB_KEY = /^[1-9][0-9]{0,14}$/;

export interface LogRecord {
  key: string | null;
  value: Buffer | null;
  offset: number;
}

export interface LoggedJob {
  record: StoredJobRecord;
  job: Job;
  offset: number;
}

export interface LogRefusal {
  reason: RejectionReason;
  /** e.g. "offset 812 (key \"7\")". */
  where: string;
  problems: Problem[];
}

export interface ApplyOutcome {
  /** The running set changed. */
  changed: boolean;
  refusal: LogRefusal | null;
}

const DeleteMarkerSchema = z.strictObject({ delete_intended: z.literal(true), job_id: z.int().positive() });

export function claimKey(id: number): string {
  return `${CLAIM_KEY_PREFIX}${id}`;
}

export function encodeRecord(record: StoredJobRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

export function encodeDeleteMarker(jobId: number): Buffer {
  return Buffer.from(JSON.stringify({ delete_intended: true, job_id: jobId }), 'utf8');
}

/** Parses and validates one job value; the job it resolves to, or why not. */
export function decodeJobValue(key: string, value: Buffer, limits: JobLimits):
  { ok: true; record: StoredJobRecord; job: Job } | { ok: false; reason: RejectionReason; problems: Problem[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'corrupt', problems: [{ path: '$', message: `is not valid JSON (${value.length} bytes)` }] };
  }
  const problems: Problem[] = [];
  const record = parseWithProblems(StoredJobRecordSchema, raw, '$', problems) as StoredJobRecord | undefined;
  if (record === undefined) return { ok: false, reason: 'corrupt', problems };
  if (String(record.id) !== key) {
    return { ok: false, reason: 'corrupt', problems: [{ path: '$.id', message: `is ${record.id} but the record key is ${JSON.stringify(key)}` }] };
  }
  const resolved = resolveRecord(record, limits);
  if (!resolved.ok) return { ok: false, reason: 'invalid', problems: rebase(resolved.problems, '$.input') };
  return { ok: true, record, job: resolved.job };
}

export class JobLog {
  private readonly limits: JobLimits;
  /** The latest good version of every live job key. */
  private readonly good = new Map<number, LoggedJob>();
  /** Jobs whose tombstone was refused (not written through the API): their last good version. */
  private readonly held = new Map<number, LoggedJob>();
  /** good ∪ held: the running set (the same map as `good` while nothing is held). */
  private view: Map<number, LoggedJob> = this.good;
  /** Refusals not yet superseded, by the key they concern (insertion order = recency). */
  private readonly outstanding = new Map<string, LogRefusal>();
  /** Every job id any record (value, tombstone or claim) has named: new ids go above. */
  private maxSeenId = 0;
  private readonly seenJobIds = new Set<number>();
  /** The first claimant (nonce) of each claimed id. */
  private readonly claims = new Map<number, string>();
  /** Job id of a delete marker that was the previous record, else null. */
  private markerFor: number | null = null;
  private sawJobRecord = false;

  constructor(limits: JobLimits) {
    this.limits = limits;
  }

  /** The set that should run. */
  get running(): ReadonlyMap<number, LoggedJob> {
    return this.view;
  }

  /** No job record (value or tombstone) has been read: the topic never held a job. */
  get pristine(): boolean {
    return !this.sawJobRecord;
  }

  /** The id a create should try next (claims make concurrent creates pick different ids). */
  nextId(): number {
    return this.maxSeenId + 1;
  }

  /** Whether `nonce` is the first claim of `id`, made before any job record of that id. */
  claimedBy(id: number, nonce: string): boolean {
    return this.claims.get(id) === nonce;
  }

  /** The most recent refusal still in force, or null. */
  lastRefusal(): LogRefusal | null {
    let last: LogRefusal | null = null;
    for (const refusal of this.outstanding.values()) last = refusal;
    return last;
  }

  outstandingRefusals(): LogRefusal[] {
    return [...this.outstanding.values()];
  }

  apply(message: LogRecord): ApplyOutcome {
    const markerFor = this.markerFor;
    this.markerFor = null;
    const key = message.key;
    const where = `offset ${message.offset} (key ${JSON.stringify(key === null ? null : key.slice(0, 80))})`;
    if (key === null) return this.refuse('$null', { reason: 'corrupt', where, problems: [{ path: '$', message: 'a record without a key' }] });
    if (JOB_KEY.test(key)) return this.applyJob(key, Number(key), message, markerFor, where);
    if (key.startsWith(CLAIM_KEY_PREFIX)) {
      const id = key.slice(CLAIM_KEY_PREFIX.length);
      if (!JOB_KEY.test(id)) return this.refuse(key, { reason: 'corrupt', where, problems: [{ path: '$', message: 'a claim for an id that is not a positive integer' }] });
      this.see(Number(id));
      // A claim wins only if it is the first one for the id and no job record used the id yet.
      if (message.value !== null && !this.claims.has(Number(id)) && !this.seenJobIds.has(Number(id))) this.claims.set(Number(id), message.value.toString('utf8'));
      return { changed: false, refusal: null };
    }
    if (key === DELETE_MARKER_KEY) {
      if (message.value === null) return { changed: false, refusal: null };
      let raw: unknown;
      try {
        raw = JSON.parse(message.value.toString('utf8'));
      } catch {
        raw = undefined;
      }
      const marker = DeleteMarkerSchema.safeParse(raw);
      if (!marker.success) return this.refuse(key, { reason: 'corrupt', where, problems: [{ path: '$', message: 'is not a delete marker ({"delete_intended":true,"job_id":N})' }] });
      this.markerFor = marker.data.job_id;
      return { changed: false, refusal: null };
    }
    return this.refuse(key, { reason: 'corrupt', where, problems: [{ path: '$', message: 'a record whose key is neither a job id nor a sluice key' }] });
  }

  private applyJob(key: string, id: number, message: LogRecord, markerFor: number | null, where: string): ApplyOutcome {
    this.see(id);
    this.seenJobIds.add(id);
    this.sawJobRecord = true;
    if (message.value === null) {
      this.outstanding.delete(key);
      const current = this.good.get(id) ?? this.held.get(id);
      if (current === undefined) return { changed: false, refusal: null };
      this.good.delete(id);
      if (markerFor === id) {
        this.held.delete(id);
        this.rebuild();
        return { changed: true, refusal: null };
      }
      // Not deleted through the API: the job keeps running on its last good version.
      this.held.set(id, current);
      this.rebuild();
      const empty = this.good.size === 0;
      return this.refuse(key, {
        reason: empty ? 'empty' : 'invalid',
        where,
        problems: [{
          path: '$',
          message: `a tombstone for job ${id} not written through the API (no delete marker right before it)${empty ? ', which would leave no job running' : ''}; job ${id} keeps running`,
        }],
      });
    }
    const decoded = decodeJobValue(key, message.value, this.limits);
    if (!decoded.ok) return this.refuse(key, { reason: decoded.reason, where, problems: decoded.problems });
    this.outstanding.delete(key);
    this.good.set(id, { record: decoded.record, job: decoded.job, offset: message.offset });
    this.held.delete(id);
    this.rebuild();
    return { changed: true, refusal: null };
  }

  private rebuild(): void {
    this.view = this.held.size === 0 ? this.good : new Map([...this.good, ...this.held]);
  }

  private see(id: number): void {
    if (id > this.maxSeenId) this.maxSeenId = id;
  }

  private refuse(key: string, refusal: LogRefusal): ApplyOutcome {
    this.outstanding.delete(key);
    this.outstanding.set(key, refusal);
    return { changed: false, refusal };
  }
}
