// The Kafka job store's pure core: the compacted topic's records applied one at a time, in
// offset order, to the job set. Every instance applies the same records with the same rules,
// so every instance that has read up to the same offset runs the same jobs. No I/O here (unit
// tested in test/jobs/store/kafka-job-store.test.ts).
//
// Keys of the topic (one partition, so one order for all of them):
//   "<job id>"                   value = StoredJobRecord JSON; null (tombstone) = deleted
//   "sluice.claim.<job id>.<nonce>"  value = the same nonce (a random UUID): claims an id
//                                before a create. The nonce is in the key so that compaction
//                                (the latest record per key) never replaces the first claim of
//                                an id with a later, losing one. Topics written before issue 9
//                                have "sluice.claim.<job id>" = nonce; those are read the same way.
//   "sluice.delete-intended"     value = {"delete_intended":true,"job_id":N}: written by the API
//                                right before job N's tombstone, in the same produce request
//
// The latest value of a job key is the job (last writer wins, which is also all that
// compaction keeps, so a new instance reading a compacted topic agrees with the old ones).
//
// Ids (issue 9: one stray record must not decide them). Only accepted claims move the next
// id: a claim is accepted when its key and nonce are well formed and its id is at most
// CLAIM_WINDOW past the highest claimed id so far. A create claims one past the highest claim
// it has read, and that claim is already in the topic before its own, so no create ever claims
// further ahead; a stray claim for an id far ahead (or out of range, or malformed) is refused
// and moves nothing. The next id is the highest accepted claim + 1, never above MAX_JOB_ID.
// A job value is accepted only for an id some create claimed, so a stray job record — even a
// valid one, for any tenant — never runs, lists or counts against a limit. Claims are never
// withdrawn, so an id stays taken after its job's tombstone (ids are never reused: audit events
// and digest chains are keyed by id); a value for a job deleted through the API is refused, and
// a value that would move a job to another tenant is refused (the API never does either).
//
// Invariant 6, per record:
//   - a job value that is not JSON, not a StoredJobRecord, has an id other than its key, or
//     fails job validation is refused: the job keeps its last good version (or stays absent);
//   - a tombstone is honoured only when the record just before it is the delete-intended
//     marker for that job (a delete made through the API). Any other tombstone — the store
//     "suddenly reading as empty" — is refused: the job keeps running on its last good version
//     until the API deletes it or a good value for it arrives. (Reason "empty" when the topic's
//     good jobs are then none, else "invalid".)
// A refusal that keeps a running job on its last good version stays outstanding (refusalOf,
// lastRefusal: the job's tenant sees API warning 1012) until that job gets a good value or an
// API delete. Every other refused record is a stray (reason "stray", jobId null): it is not
// and cannot become any tenant's job (a garbage or out-of-range key, a refused claim or delete
// marker, a value for an id no create claimed, for a deleted job, one that would move a job
// to another tenant, or a bad value for an id whose job never had a good one). A stray is
// reported once and kept nowhere, so it neither adds nor clears any tenant's warning.
// What compaction removes cannot be replayed: an instance started after the good value of a
// refused key was compacted away does not have that job (and reports nothing).

import { z } from 'zod';
import type { Job, JobLimits, Problem } from '../types.ts';
import { rebase, resolveRecord } from './job-changes.ts';
import { StoredJobRecordSchema } from './job-set-guard.ts';
import { MAX_JOB_ID, tenantKey, type RejectionReason, type StoredJobRecord } from './job-store.ts';
import { parseWithProblems } from '../zod-problems.ts';

export const CLAIM_KEY_PREFIX = 'sluice.claim.';
export const DELETE_MARKER_KEY = 'sluice.delete-intended';
const JOB_KEY = /^[1-9][0-9]{0,14}$/;
/** sluice.claim.<id>[.<nonce>]: the id as the API route spells ids (so at most MAX_JOB_ID). */
const CLAIM_KEY = /^sluice\.claim\.([1-9][0-9]{0,14})(?:\.(.*))?$/s;
/** What randomUUID() makes: anything else in a claim was not written by a create. */
const NONCE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * How far past the highest claimed id a claim may be and still count. A create never claims
 * more than 1 ahead (see above); the slack absorbs topics written before issue 9, where a
 * losing claim shares its key with the winning one and compaction may leave only the later of
 * the two, so a new instance can read an id's claim after the claims of the ids above it. A
 * stray claim inside the window costs at most this many ids of the 10^15.
 */
export const CLAIM_WINDOW = 1000;

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
  /** The running job this refusal keeps on its last good version; null for a stray. */
  jobId: number | null;
  /**
   * A value for an id no claim has named yet. While a topic written before issue 9 is loaded,
   * such a value may still be applied by a later claim (see applyClaim), so the store reports
   * it only once the load is done and it is still waiting (JobLog.endOfLoad).
   */
  awaitsClaim: boolean;
}

export interface ApplyOutcome {
  /** The running set changed. */
  changed: boolean;
  refusal: LogRefusal | null;
}

const DeleteMarkerSchema = z.strictObject({ delete_intended: z.literal(true), job_id: z.int().positive() });

export function claimKey(id: number, nonce: string): string {
  return `${CLAIM_KEY_PREFIX}${id}.${nonce}`;
}

/** The id and nonce of a claim record, or why it is not one a create wrote. */
export function parseClaim(key: string, value: Buffer | null): { id: number; nonce: string; legacy: boolean } | string {
  const match = CLAIM_KEY.exec(key);
  if (match === null) return `a claim for an id that is not a job id (1 to ${String(MAX_JOB_ID).length} digits, no leading zero)`;
  if (value === null) return 'a tombstone for a claim (claims are never withdrawn: an id stays taken)';
  const nonce = value.toString('utf8');
  if (!NONCE.test(nonce)) return `a claim whose value is not a nonce (${value.length} bytes)`;
  if (match[2] !== undefined && match[2] !== nonce) return 'a claim whose key and value name different nonces';
  return { id: Number(match[1]), nonce, legacy: match[2] === undefined };
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
  /** Refusals holding a running job on its last good version, by job id (insertion order = recency). */
  private readonly outstanding = new Map<number, LogRefusal>();
  /** The highest id of an accepted claim: new ids go above (refused records never move it). */
  private maxClaimedId = 0;
  /** The first claimant (nonce) of each claimed id. */
  private readonly claims = new Map<number, string>();
  /** Jobs deleted through the API: their ids are never used again. */
  private readonly deleted = new Set<number>();
  /** The latest value of each job key no claim had named yet (refused; see applyClaim). */
  private readonly unclaimed = new Map<number, { message: LogRecord; where: string }>();
  /** endOfLoad was called: unclaimed values are no longer kept. */
  private loaded = false;
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

  /** No claim or job value has been accepted: the topic never held a job (refused strays do not count). */
  get pristine(): boolean {
    return !this.sawJobRecord;
  }

  /** The id a create should try next (claims make concurrent creates pick different ids); null once every id is taken. */
  nextId(): number | null {
    return this.maxClaimedId < MAX_JOB_ID ? this.maxClaimedId + 1 : null;
  }

  /** Whether `nonce` is the first accepted claim of `id`. */
  claimedBy(id: number, nonce: string): boolean {
    return this.claims.get(id) === nonce;
  }

  /** Whether any accepted claim names `id`. */
  isClaimed(id: number): boolean {
    return this.claims.has(id);
  }

  /** The most recent refusal still in force, or null (never a stray). */
  lastRefusal(): LogRefusal | null {
    let last: LogRefusal | null = null;
    for (const refusal of this.outstanding.values()) last = refusal;
    return last;
  }

  /** The refusal that keeps job `id` on its last good version, or null. */
  refusalOf(id: number): LogRefusal | null {
    return this.outstanding.get(id) ?? null;
  }

  outstandingRefusals(): LogRefusal[] {
    return [...this.outstanding.values()];
  }

  /**
   * The whole topic has been read: values still waiting for a claim are strays, returned once
   * and let go. From now on an unclaimed value is a stray at once and is not kept: only a topic
   * compacted before issue 9 puts a value before its claim, and keeping every value a writer
   * sends under ids nobody claims would let that writer grow this process's memory without end.
   */
  endOfLoad(): LogRefusal[] {
    const refusals = [...this.unclaimed].map(([id, { where }]) => unclaimedStray(id, where, false));
    this.unclaimed.clear();
    this.loaded = true;
    return refusals;
  }

  apply(message: LogRecord): ApplyOutcome {
    const markerFor = this.markerFor;
    this.markerFor = null;
    const key = message.key;
    const where = `offset ${message.offset} (key ${JSON.stringify(key === null ? null : key.slice(0, 80))})`;
    if (key === null) return stray(where, 'a record without a key');
    if (JOB_KEY.test(key)) return this.applyJob(key, Number(key), message, markerFor, where);
    if (key.startsWith(CLAIM_KEY_PREFIX)) return this.applyClaim(key, message.value, where);
    if (key === DELETE_MARKER_KEY) {
      if (message.value === null) return { changed: false, refusal: null };
      let raw: unknown;
      try {
        raw = JSON.parse(message.value.toString('utf8'));
      } catch {
        raw = undefined;
      }
      const marker = DeleteMarkerSchema.safeParse(raw);
      if (!marker.success) return stray(where, 'is not a delete marker ({"delete_intended":true,"job_id":N})');
      this.markerFor = marker.data.job_id;
      return { changed: false, refusal: null };
    }
    return stray(where, 'a record whose key is neither a job id nor a sluice key');
  }

  private applyClaim(key: string, value: Buffer | null, where: string): ApplyOutcome {
    const claim = parseClaim(key, value);
    if (typeof claim === 'string') return stray(where, claim);
    if (claim.id > this.maxClaimedId + CLAIM_WINDOW) {
      return stray(where, `a claim for job ${claim.id}, more than ${CLAIM_WINDOW} past the highest claimed id (${this.maxClaimedId}); no create claims that far ahead`);
    }
    if (claim.id > this.maxClaimedId) this.maxClaimedId = claim.id;
    this.sawJobRecord = true;
    // The first claim of an id wins; later ones (a concurrent create that lost) change nothing.
    if (!this.claims.has(claim.id)) this.claims.set(claim.id, claim.nonce);
    const pending = this.unclaimed.get(claim.id);
    this.unclaimed.delete(claim.id);
    // A topic written before issue 9 keeps only an id's latest claim, which may be a losing one
    // written after the winner's job value: that value was good when written, so it applies now.
    // Claims sluice writes today name their nonce and are never replaced, so this never happens
    // with them, and a stray value waiting for an id never becomes the job a create claims.
    if (pending !== undefined && claim.legacy && !this.good.has(claim.id) && !this.held.has(claim.id)) {
      return this.applyJob(String(claim.id), claim.id, pending.message, null, pending.where);
    }
    return { changed: false, refusal: null };
  }

  private applyJob(key: string, id: number, message: LogRecord, markerFor: number | null, where: string): ApplyOutcome {
    this.unclaimed.delete(id);
    if (message.value === null) {
      this.outstanding.delete(id);
      const current = this.good.get(id) ?? this.held.get(id);
      if (current === undefined) return { changed: false, refusal: null };
      this.good.delete(id);
      if (markerFor === id) {
        this.deleted.add(id);
        this.held.delete(id);
        this.rebuild();
        return { changed: true, refusal: null };
      }
      // Not deleted through the API: the job keeps running on its last good version.
      this.held.set(id, current);
      this.rebuild();
      const empty = this.good.size === 0;
      return this.hold(id, {
        reason: empty ? 'empty' : 'invalid',
        where,
        problems: [{
          path: '$',
          message: `a tombstone for job ${id} not written through the API (no delete marker right before it)${empty ? ', which would leave no job running' : ''}; job ${id} keeps running`,
        }],
      });
    }
    if (!this.claims.has(id)) {
      if (this.loaded) return { changed: false, refusal: unclaimedStray(id, where, false) };
      this.unclaimed.set(id, { message, where });
      return { changed: false, refusal: unclaimedStray(id, where, true) };
    }
    if (this.deleted.has(id)) return stray(where, `job ${id} was deleted through the API; job ids are never reused`);
    const decoded = decodeJobValue(key, message.value, this.limits);
    const current = this.good.get(id) ?? this.held.get(id);
    if (!decoded.ok) {
      // Only a job that runs can be held back; a bad value for an id with no good one is nobody's job.
      if (current === undefined) return { changed: false, refusal: { reason: 'stray', where, problems: decoded.problems, jobId: null, awaitsClaim: false } };
      return this.hold(id, { reason: decoded.reason, where, problems: decoded.problems });
    }
    if (current !== undefined && tenantKey(current.record.tenant) !== tenantKey(decoded.record.tenant)) {
      // Not the owner's change (the API never moves a job): the owner's job is untouched, and
      // no other tenant gains anything, so it concerns no tenant.
      return { changed: false, refusal: { reason: 'stray', where, problems: [{ path: '$.tenant', message: `names another tenant than job ${id}'s; a job's tenant never changes` }], jobId: null, awaitsClaim: false } };
    }
    this.sawJobRecord = true;
    this.outstanding.delete(id);
    this.good.set(id, { record: decoded.record, job: decoded.job, offset: message.offset });
    this.held.delete(id);
    this.rebuild();
    return { changed: true, refusal: null };
  }

  private rebuild(): void {
    this.view = this.held.size === 0 ? this.good : new Map([...this.good, ...this.held]);
  }

  /** Job `id` keeps running its last good version: the refusal stays until the job changes. */
  private hold(id: number, partial: Pick<LogRefusal, 'reason' | 'where' | 'problems'>): ApplyOutcome {
    const refusal: LogRefusal = { ...partial, jobId: id, awaitsClaim: false };
    this.outstanding.delete(id);
    this.outstanding.set(id, refusal);
    return { changed: false, refusal };
  }
}

function stray(where: string, message: string): ApplyOutcome {
  return { changed: false, refusal: { reason: 'stray', where, problems: [{ path: '$', message }], jobId: null, awaitsClaim: false } };
}

function unclaimedStray(id: number, where: string, awaitsClaim: boolean): LogRefusal {
  const message = `no create claimed job id ${id} (no claim record before it); only jobs created through the API run`;
  return { reason: 'stray', where, problems: [{ path: '$', message }], jobId: null, awaitsClaim };
}
