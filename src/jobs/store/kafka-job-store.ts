// KafkaJobStore: jobs in a compacted Kafka topic keyed by job id, shared by every instance (the
// way Kafka Connect keeps connector configs). Each instance reads the whole topic at start (up
// to the high watermark, with a deadline) and then follows it with its own consumer (a group
// of one, never committed), so a change written through any instance runs on every instance
// within about a second. The rules of what a record does to the job set are in kafka-job-log.ts.
//
// Writes (one at a time per instance):
//   - read-your-writes: produce with acks -1, then wait until this instance's own consumer has
//     applied the record's offset before the API answers, so a GET right after a PUT sees it;
//   - ids: a create claims the highest claimed id + 1 ("sluice.claim.<id>.<nonce>", a random
//     nonce) and waits to read the claim back; the first claim of an id in the topic wins (every
//     instance agrees, the topic has one order), and the loser retries with the next id. Only
//     the winner writes the job record. Which records may move the next id, and why a stray one
//     cannot, is in kafka-job-log.ts. A create writes at most MAX_CLAIM_ATTEMPTS claims and one
//     job record, and nothing when the job is invalid, over a limit or no id is left;
//   - updates and deletes: last writer wins per job (HTTP PUT without preconditions);
//   - a delete writes the delete-intended marker and the tombstone in one produce request, so
//     an API delete is told apart from tombstones written behind the API's back (refused).
// Job count limits are checked against this instance's view: two instances creating at the
// same moment can both pass the check (a soft limit across instances).
//
// Refusals: every refused record goes to onRejected (the service log and metric). Only those
// that hold a running job on its last good version are kept (lastRejection, rejectionOf): the
// API tells that job's tenant and no one else. Strays are reported as they are read, also
// during the first load (a topic full of them is reported without keeping them in memory).

import { JobSetBroadcast } from './job-set-broadcast.ts';
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, KafkaConfig, Producer } from 'kafkajs';
import { kafkaClientConfig } from '../../kafka/client-config.ts';
import { connectError } from '../../kafka/errors.ts';
import { dropKafkajsNegativeTimeoutWarning } from '../../kafka/kafkajs-warnings.ts';
import { LOGPUSH_LIMITS, type Job, type JobLimits, type Tenant } from '../types.ts';
import { JobStoreError } from './errors.ts';
import { SerialQueue } from './serial-queue.ts';
import { planCreate, planDelete, planUpdate, type ChangeContext, type JobSetState } from './job-changes.ts';
import {
  DEFAULT_JOB_COUNT_LIMITS, MAX_JOB_ID, sameTenant,
  type JobCountLimits, type JobsListener, type JobStore, type RejectionListener, type StoreRejection, type StoredJobRecord,
} from './job-store.ts';
import { claimKey, DELETE_MARKER_KEY, encodeDeleteMarker, encodeRecord, JobLog, type LogRefusal } from './kafka-job-log.ts';

export interface KafkaJobStoreOptions {
  brokers: string[];
  topic: string;
  clientId?: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  /** Replication when the topic is created; -1 = the broker's default. */
  replicationFactor?: number;
  loadTimeoutMs?: number;
  writeTimeoutMs?: number;
  limits?: JobLimits;
  counts?: Partial<JobCountLimits>;
  now?: () => Date;
  log?: { warn(details: object, message: string): void; error(details: object, message: string): void };
}

/**
 * Claims one create writes before it gives up: the bound on what a failing create adds to the
 * topic (plus nothing else: the job record follows only a won claim). Each lost claim means
 * another claim took that id first, so the next attempt tries a higher id.
 */
export const MAX_CLAIM_ATTEMPTS = 8;

interface Waiter {
  offset: number;
  resolve: () => void;
}

export class KafkaJobStore implements JobStore {
  readonly topic: string;
  private readonly options: KafkaJobStoreOptions;
  private readonly limits: JobLimits;
  private readonly counts: JobCountLimits;
  private readonly now: () => Date;
  /** The store's client (brokers, TLS, SASL); the admin side's Kafka audit sink produces through it too. */
  readonly kafka: InstanceType<typeof kafkajs.Kafka>;
  private readonly log: JobLog;
  private admin: Admin | null = null;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  /** Next offset to apply: every record below it has been applied. */
  private position = 0;
  private waiters: Waiter[] = [];
  private readonly broadcast = new JobSetBroadcast();
  private closed = false;
  private failure: Error | null = null;
  private readonly queue = new SerialQueue();
  /** What was reported for each refusal the log holds (a refusal is reported once, with its time). */
  private readonly reported = new WeakMap<LogRefusal, StoreRejection>();

  constructor(options: KafkaJobStoreOptions) {
    this.options = options;
    this.topic = options.topic;
    this.limits = options.limits ?? LOGPUSH_LIMITS;
    this.counts = { ...DEFAULT_JOB_COUNT_LIMITS, ...options.counts };
    this.now = options.now ?? (() => new Date());
    this.log = new JobLog(this.limits);
    dropKafkajsNegativeTimeoutWarning();
    const config: KafkaConfig = {
      ...kafkaClientConfig({ brokers: options.brokers, clientId: options.clientId ?? 'sluice-job-store', ssl: options.ssl ?? false, sasl: options.sasl }),
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
    };
    this.kafka = new kafkajs.Kafka(config);
  }

  /** The topic never held a job (the config's jobs may seed it). Valid after start(). */
  get pristine(): boolean {
    return this.log.pristine;
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    this.admin = admin;
    try {
      await admin.connect();
    } catch (error) {
      throw connectError(error, this.options.brokers);
    }
    await this.ensureTopic(admin);
    const offsets = await admin.fetchTopicOffsets(this.topic);
    const high = Number(offsets.find((p) => p.partition === 0)?.high ?? '0');

    const producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    this.producer = producer;
    const consumer = this.kafka.consumer({
      // A group of one per instance and never committed: every instance reads every record.
      groupId: `sluice-job-store-${randomUUID()}`,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      this.options.log?.error({ err: error.message, restart: event.payload.restart, topic: this.topic }, 'job store consumer crashed');
      if (!event.payload.restart) this.failure = error;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });

    const loadTimeout = this.options.loadTimeoutMs ?? 30_000;
    if (!(await this.waitFor(high - 1, loadTimeout))) {
      await this.close();
      throw new JobStoreError('ERR_JOB_STORE_CORRUPT', `could not read job store topic ${this.topic} up to offset ${high} within ${loadTimeout} ms (read up to ${this.position})`);
    }
    this.broadcast.started = true;
    for (const refusal of this.log.outstandingRefusals()) this.report(refusal);
    for (const refusal of this.log.endOfLoad()) this.report(refusal);
    this.publish();
  }

  async list(tenant?: Tenant): Promise<Job[]> {
    return this.broadcast.current.filter((job) => tenant === undefined || sameTenant(job.tenant, tenant));
  }

  async get(id: number): Promise<Job | undefined> {
    return this.log.running.get(id)?.job;
  }

  async create(tenant: Tenant, input: unknown): Promise<Job> {
    return this.queue.run(async () => {
      for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        this.assertOpen();
        // Plans (validates, checks limits) before claiming, so a bad job costs no id.
        const id = this.log.nextId();
        if (id === null) throw new JobStoreError('ERR_JOB_STORE_WRITE', `every job id up to ${MAX_JOB_ID} has been used; no job can be created`);
        const planned = planCreate(this.state(), tenant, input, id, this.context());
        const nonce = randomUUID();
        await this.write([{ key: claimKey(id, nonce), value: Buffer.from(nonce, 'utf8') }]);
        if (!this.log.claimedBy(id, nonce)) {
          // Retrying only helps when another claim won this id; if the store refused ours, the
          // next attempt would be refused too (the storm issue 9 reported), so stop here.
          if (!this.log.isClaimed(id)) throw new JobStoreError('ERR_JOB_STORE_WRITE', `the job store refused this instance's claim of job id ${id}; see the service log`);
          continue;
        }
        await this.write([{ key: String(id), value: encodeRecord(planned.record) }]);
        return planned.job;
      }
      throw new JobStoreError('ERR_JOB_STORE_WRITE', `could not claim a job id after ${MAX_CLAIM_ATTEMPTS} attempts (many concurrent creates); try again`);
    });
  }

  async update(id: number, tenant: Tenant, input: unknown): Promise<Job> {
    return this.queue.run(async () => {
      this.assertOpen();
      const planned = planUpdate(this.state(), id, tenant, input, this.context());
      await this.write([{ key: String(id), value: encodeRecord(planned.record) }]);
      return planned.job;
    });
  }

  async delete(id: number, tenant: Tenant): Promise<Job> {
    return this.queue.run(async () => {
      this.assertOpen();
      const job = planDelete(this.state(), id, tenant);
      // One request, consecutive offsets: the marker is the record right before the tombstone.
      await this.write([{ key: DELETE_MARKER_KEY, value: encodeDeleteMarker(id) }, { key: String(id), value: null }]);
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
    return this.reportedOf(this.log.lastRefusal());
  }

  rejectionOf(id: number): StoreRejection | null {
    return this.reportedOf(this.log.refusalOf(id));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters = [];
    await Promise.all([
      this.consumer?.disconnect().catch(() => {}),
      this.producer?.disconnect().catch(() => {}),
      this.admin?.disconnect().catch(() => {}),
    ]);
    this.broadcast.clear();
  }

  private async ensureTopic(admin: Admin): Promise<void> {
    const topics = await admin.listTopics();
    if (!topics.includes(this.topic)) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{
            topic: this.topic,
            // One partition: one order for every key, which the claim and delete-marker rules need.
            numPartitions: 1,
            replicationFactor: this.options.replicationFactor ?? -1,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          }],
        });
      } catch (error) {
        // Another instance created it at the same moment: fine.
        if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test(String((error as Error).message))) throw error;
      }
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [this.topic] });
    const partitions = metadata.topics[0]?.partitions.length ?? 0;
    if (partitions !== 1) {
      throw new JobStoreError('ERR_JOB_STORE_CORRUPT', `job store topic ${this.topic} has ${partitions} partitions; it must have exactly 1 (one order for every job change)`);
    }
  }

  private async onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    let changed = false;
    const refusals: LogRefusal[] = [];
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset < this.position) continue;
      const outcome = this.log.apply({ key: message.key === null ? null : message.key.toString('utf8'), value: message.value, offset });
      if (outcome.changed) changed = true;
      const refusal = outcome.refusal;
      // A stray read during the first load is reported now (nothing can supersede it); refusals
      // of jobs wait for the end of the load, where only those still in force are reported.
      if (refusal !== null && (this.broadcast.started || (refusal.jobId === null && !refusal.awaitsClaim))) refusals.push(refusal);
      this.position = offset + 1;
    }
    // Compaction leaves gaps: the batch's last offset says how far this read really got.
    const last = Number(batch.lastOffset());
    if (Number.isFinite(last) && last + 1 > this.position) this.position = last + 1;
    for (const refusal of refusals) this.report(refusal);
    if (this.broadcast.started && changed) this.publish();
    this.wake();
    await heartbeat();
  }

  /** Resolves true once every record up to `offset` is applied; false at the deadline. */
  private waitFor(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.position > offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = { offset, resolve: () => { clearTimeout(timer); resolve(this.position > offset); } };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => this.position > w.offset);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => this.position <= w.offset);
    for (const waiter of ready) waiter.resolve();
  }

  /** Produces (acks -1) and waits until this instance's consumer has applied the records. */
  private async write(messages: Array<{ key: string; value: Buffer | null }>): Promise<void> {
    const producer = this.producer;
    if (producer === null) throw new JobStoreError('ERR_JOB_STORE_CLOSED', 'the job store has not been started');
    let lastOffset: number;
    try {
      const [meta] = await producer.send({ topic: this.topic, acks: -1, messages });
      lastOffset = Number(meta?.baseOffset ?? Number.NaN) + messages.length - 1;
    } catch (error) {
      throw new JobStoreError('ERR_JOB_STORE_WRITE', `could not write to job store topic ${this.topic}: ${(error as Error).message}`);
    }
    if (!Number.isFinite(lastOffset)) throw new JobStoreError('ERR_JOB_STORE_WRITE', `the broker did not return an offset for the write to ${this.topic}`);
    const timeout = this.options.writeTimeoutMs ?? 10_000;
    if (!(await this.waitFor(lastOffset, timeout))) {
      throw new JobStoreError('ERR_JOB_STORE_WRITE', `the change was written to ${this.topic} (offset ${lastOffset}) but not read back within ${timeout} ms; it will apply once the store catches up`);
    }
  }

  private state(): JobSetState {
    const records = new Map<number, StoredJobRecord>();
    const jobs = new Map<number, Job>();
    for (const [id, entry] of this.log.running) {
      records.set(id, entry.record);
      jobs.set(id, entry.job);
    }
    return { records, jobs };
  }

  private context(): ChangeContext {
    return { limits: this.limits, counts: this.counts, now: this.now().toISOString() };
  }

  private assertOpen(): void {
    if (this.closed) throw new JobStoreError('ERR_JOB_STORE_CLOSED', 'the job store is closed');
    if (!this.broadcast.started) throw new JobStoreError('ERR_JOB_STORE_CLOSED', 'the job store has not been started');
    if (this.failure !== null) throw new JobStoreError('ERR_JOB_STORE_WRITE', `the job store stopped following ${this.topic}: ${this.failure.message}`);
  }

  private report(refusal: LogRefusal): void {
    const rejection: StoreRejection = {
      reason: refusal.reason,
      origin: `topic ${this.topic} ${refusal.where}`,
      problems: refusal.problems,
      at: this.now().toISOString(),
      kept_jobs: this.log.running.size,
      job_ids: refusal.jobId === null ? [] : [refusal.jobId],
    };
    if (refusal.jobId !== null) this.reported.set(refusal, rejection);
    this.broadcast.notify(rejection);
  }

  private reportedOf(refusal: LogRefusal | null): StoreRejection | null {
    return refusal === null ? null : this.reported.get(refusal) ?? null;
  }

  private publish(): void {
    this.broadcast.publish([...this.log.running.values()].map((entry) => entry.job));
  }
}
