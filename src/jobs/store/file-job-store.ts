// FileJobStore: the embedded single-instance job store. One JSON document under data_dir
// (`jobs.json`), replaced atomically on every change; the previous good document is kept as
// `jobs.json.bak`. At start a corrupt, invalid or unexpectedly empty `jobs.json` is refused
// (invariant 6): the store runs on the `.bak` copy and reports the refusal. With no good copy
// at all, start() throws instead of running with no jobs (which would acknowledge — and so
// drop — every record).
//
// Ids are never reused, even the highest after its job is deleted (audit events and digest
// chains are keyed by id): both files record `last_id`, the highest id ever assigned. A file
// written before it existed counts from its highest job id.

import { JobSetBroadcast } from './job-set-broadcast.ts';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOGPUSH_LIMITS, type Job, type JobLimits, type Problem, type Tenant } from '../types.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { JobStoreError } from './errors.ts';
import { SerialQueue } from './serial-queue.ts';
import { planCreate, planDelete, planUpdate, type ChangeContext, type JobSetState, type PlannedChange } from './job-changes.ts';
import { judgeLoadedRecords, type LoadDecision } from './job-set-guard.ts';
import {
  DEFAULT_JOB_COUNT_LIMITS, MAX_JOB_ID, sameTenant,
  type JobCountLimits, type JobsListener, type JobStore, type RejectionListener, type StoreRejection, type StoredJobRecord,
} from './job-store.ts';

export const JOBS_FILE_NAME = 'jobs.json';
export const JOBS_FORMAT = 'sluice-jobs/1';

/** The file's shape. `empty_intended` marks an empty set written on purpose (last job deleted). */
export interface JobsDocument {
  format: typeof JOBS_FORMAT;
  empty_intended: boolean;
  /** The highest id ever assigned (absent in files from before ids were kept). */
  last_id: number;
  jobs: StoredJobRecord[];
}

export interface FileJobStoreOptions {
  /** The directory holding jobs.json (data_dir); created if missing. */
  dir: string;
  limits?: JobLimits;
  counts?: Partial<JobCountLimits>;
  now?: () => Date;
}

type ReadOutcome = { kind: 'missing' } | { kind: 'read'; decision: LoadDecision; emptyIntended: boolean; lastId: number };

export class FileJobStore implements JobStore {
  readonly path: string;
  readonly backupPath: string;
  private readonly dir: string;
  private readonly limits: JobLimits;
  private readonly counts: JobCountLimits;
  private readonly now: () => Date;
  private records = new Map<number, StoredJobRecord>();
  private jobs = new Map<number, Job>();
  /** The highest id ever assigned or loaded: creates go above it. */
  private lastId = 0;
  private readonly broadcast = new JobSetBroadcast();
  private closed = false;
  /** Changes are applied one at a time: plan against the current set, write, then publish. */
  private readonly queue = new SerialQueue();

  constructor(options: FileJobStoreOptions) {
    this.dir = options.dir;
    this.path = join(options.dir, JOBS_FILE_NAME);
    this.backupPath = `${this.path}.bak`;
    this.limits = options.limits ?? LOGPUSH_LIMITS;
    this.counts = { ...DEFAULT_JOB_COUNT_LIMITS, ...options.counts };
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const main = await this.read(this.path, 0);
    if (main.kind === 'missing') {
      const backup = await this.read(this.backupPath, 0);
      if (backup.kind === 'read' && backup.decision.ok && backup.decision.jobs.length > 0) {
        this.accept(backup.decision.records, backup.decision.jobs, backup.lastId);
        this.reject({ reason: 'empty', origin: this.path, problems: [{ path: '$', message: `is missing while ${this.backupPath} holds ${backup.decision.jobs.length} jobs; running on the backup` }] });
      } else if (backup.kind === 'read' && backup.decision.ok) {
        this.accept([], [], backup.lastId); // every job was deleted: their ids stay used
      }
      this.broadcast.started = true;
      this.publish();
      return;
    }
    if (main.decision.ok) {
      // An empty main file is only trusted when it says so, or when the backup is empty too.
      const backup = main.decision.jobs.length === 0 && !main.emptyIntended ? await this.read(this.backupPath, 0) : null;
      if (backup?.kind === 'read' && backup.decision.ok && backup.decision.jobs.length > 0) {
        const refused = judgeLoadedRecords([], { limits: this.limits, runningCount: backup.decision.jobs.length, emptyIntended: false, basePath: '$.jobs' });
        this.accept(backup.decision.records, backup.decision.jobs, Math.max(backup.lastId, main.lastId));
        this.reject({ reason: 'empty', origin: this.path, problems: refused.ok ? [] : refused.problems });
      } else {
        this.accept(main.decision.records, main.decision.jobs, main.lastId);
      }
      this.broadcast.started = true;
      this.publish();
      return;
    }
    const backup = await this.read(this.backupPath, 0);
    if (backup.kind === 'read' && backup.decision.ok) {
      this.accept(backup.decision.records, backup.decision.jobs, Math.max(backup.lastId, main.lastId));
      this.reject({ reason: main.decision.reason, origin: this.path, problems: main.decision.problems });
      this.broadcast.started = true;
      this.publish();
      return;
    }
    throw new JobStoreError('ERR_JOB_STORE_CORRUPT',
      `${this.path}: ${main.decision.problems.length} problem(s) and no good backup (${this.backupPath}); fix or restore the file`, main.decision.problems);
  }

  /**
   * Re-reads jobs.json (e.g. edited by hand, or on SIGHUP). A refused load keeps the running
   * set and returns the rejection; an accepted one is published to subscribers.
   */
  async reload(): Promise<StoreRejection | null> {
    return this.queue.run(async () => {
      const outcome = await this.read(this.path, this.jobs.size);
      if (outcome.kind === 'missing') {
        if (this.jobs.size === 0) return null;
        return this.reject({ reason: 'empty', origin: this.path, problems: [{ path: '$', message: `is missing while ${this.jobs.size} jobs are running; keeping them` }] });
      }
      if (!outcome.decision.ok) return this.reject({ reason: outcome.decision.reason, origin: this.path, problems: outcome.decision.problems });
      this.accept(outcome.decision.records, outcome.decision.jobs, outcome.lastId);
      this.broadcast.rejection = null;
      this.publish();
      return null;
    });
  }

  async list(tenant?: Tenant): Promise<Job[]> {
    return this.broadcast.current.filter((job) => tenant === undefined || sameTenant(job.tenant, tenant));
  }

  async get(id: number): Promise<Job | undefined> {
    return this.jobs.get(id);
  }

  async create(tenant: Tenant, input: unknown): Promise<Job> {
    return this.change((state, context) => {
      if (this.lastId >= MAX_JOB_ID) throw new JobStoreError('ERR_JOB_STORE_WRITE', `every job id up to ${MAX_JOB_ID} has been used; no job can be created`);
      return planCreate(state, tenant, input, this.lastId + 1, context);
    });
  }

  async update(id: number, tenant: Tenant, input: unknown): Promise<Job> {
    return this.change((state, context) => planUpdate(state, id, tenant, input, context));
  }

  async delete(id: number, tenant: Tenant): Promise<Job> {
    return this.queue.run(async () => {
      this.assertOpen();
      const job = planDelete(this.state(), id, tenant);
      const records = new Map(this.records);
      records.delete(id);
      await this.persist(records, this.lastId);
      const jobs = new Map(this.jobs);
      jobs.delete(id);
      this.records = records;
      this.jobs = jobs;
      this.publish();
      return job;
    });
  }

  subscribe(listener: JobsListener): () => void {
    return this.broadcast.subscribe(listener);
  }

  onRejected(listener: RejectionListener): () => void {
    return this.broadcast.onRejected(listener);
  }

  lastRejection(): StoreRejection | null {
    return this.broadcast.rejection;
  }

  rejectionOf(id: number): StoreRejection | null {
    return this.broadcast.rejectionOf(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.idle();
    this.broadcast.clear();
  }

  private async change(plan: (state: JobSetState, context: ChangeContext) => PlannedChange): Promise<Job> {
    return this.queue.run(async () => {
      this.assertOpen();
      const planned = plan(this.state(), { limits: this.limits, counts: this.counts, now: this.now().toISOString() });
      const records = new Map(this.records).set(planned.record.id, planned.record);
      const lastId = Math.max(this.lastId, planned.record.id);
      await this.persist(records, lastId);
      this.lastId = lastId;
      this.records = records;
      this.jobs = new Map(this.jobs).set(planned.job.id, planned.job);
      this.publish();
      return planned.job;
    });
  }

  private state(): JobSetState {
    return { records: this.records, jobs: this.jobs };
  }

  private assertOpen(): void {
    if (this.closed) throw new JobStoreError('ERR_JOB_STORE_CLOSED', 'the job store is closed');
    if (!this.broadcast.started) throw new JobStoreError('ERR_JOB_STORE_CLOSED', 'the job store has not been started');
  }

  /**
   * Writes the last good document as the backup, then the new one. Both carry the new last id,
   * so running on the backup after the main file is lost never hands out an id again.
   */
  private async persist(records: Map<number, StoredJobRecord>, lastId: number): Promise<void> {
    try {
      await writeFileAtomic(this.backupPath, serialize([...this.records.values()], this.records.size === 0, lastId));
      await writeFileAtomic(this.path, serialize([...records.values()], records.size === 0, lastId));
    } catch (error) {
      throw new JobStoreError('ERR_JOB_STORE_WRITE', `could not write ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  private async read(path: string, runningCount: number): Promise<ReadOutcome> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return corrupt(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (text.trim() === '') return corrupt('is empty (0 bytes of JSON)');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return corrupt('is not valid JSON');
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || (doc as Record<string, unknown>).format !== JOBS_FORMAT) {
      return corrupt(`is not a ${JOBS_FORMAT} document`);
    }
    const emptyIntended = (doc as Record<string, unknown>).empty_intended === true;
    const lastId = (doc as Record<string, unknown>).last_id ?? 0;
    if (!Number.isInteger(lastId) || (lastId as number) < 0 || (lastId as number) > MAX_JOB_ID) {
      return corrupt(`must be a whole number from 0 to ${MAX_JOB_ID}`, '$.last_id');
    }
    const decision = judgeLoadedRecords((doc as Record<string, unknown>).jobs, { limits: this.limits, runningCount, emptyIntended, basePath: '$.jobs' });
    return { kind: 'read', decision, emptyIntended, lastId: lastId as number };
  }

  /** Takes a loaded set; the last id only ever grows (a reload or backup never lowers it). */
  private accept(records: StoredJobRecord[], jobs: Job[], lastId: number): void {
    this.records = new Map(records.map((r) => [r.id, r]));
    this.jobs = new Map(jobs.map((j) => [j.id, j]));
    for (const id of this.records.keys()) if (id > lastId) lastId = id;
    if (lastId > this.lastId) this.lastId = lastId;
  }

  /** A refused document holds back every running job: each job's tenant is told (1012), no one else. */
  private reject(partial: Omit<StoreRejection, 'at' | 'kept_jobs' | 'job_ids'>): StoreRejection {
    return this.broadcast.reject({ ...partial, at: this.now().toISOString(), kept_jobs: this.jobs.size, job_ids: [...this.jobs.keys()] });
  }

  private publish(): void {
    this.broadcast.publish(this.jobs.values());
  }
}

function corrupt(message: string, path = '$'): ReadOutcome {
  const problems: Problem[] = [{ path, message }];
  return { kind: 'read', decision: { ok: false, reason: 'corrupt', problems }, emptyIntended: false, lastId: 0 };
}

function serialize(records: StoredJobRecord[], emptyIntended: boolean, lastId: number): string {
  const doc: JobsDocument = { format: JOBS_FORMAT, empty_intended: emptyIntended, last_id: lastId, jobs: records.sort((a, b) => a.id - b.id) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
