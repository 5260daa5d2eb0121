// sluice's Prometheus metrics: one registry per running service, named by one convention
// (docs/metrics.md): sluice_<component>_<what>_<unit>[_total].
//
// Two ways in, both kept off the per-record path:
// - Record counters and gauges are *read at scrape time* (`collect()`) from numbers the pipeline
//   already keeps (PipelineStats, the per-dataset counters, buffered bytes, the pool), so
//   pushing a record never calls into prom-client.
// - Batch-level facts (batch sizes, compression bytes, upload timings, retries) are emitted by
//   named methods, once per batch or per upload attempt.
//
// Every label value comes from a small closed set (dataset, destination type, compression,
// outcome, drop reason, ERR_* code, job state, job-store refusal reason, configured topic).
// Never a job, zone or account id, a partition, or a batch id: the series count must not grow
// with the number of jobs (test/telemetry/metrics-cardinality.test.ts proves it).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeadLetterMetrics, DeadLetterOutcome } from '../core/dead-letter.ts';
import type { DeliveryMetrics, UploadOutcome } from '../core/delivery-metrics.ts';
import type { JobRuntime } from '../core/job-runtime.ts';
import type { PipelineStats } from '../core/stats.ts';
import { DROP_REASONS, type DatasetCounters } from '../core/dataset-counters.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Worker time per batch: from a small batch (~1 ms) to a 1 GB one (tens of seconds). */
const WORKER_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What the pipeline shows at scrape time (src/core/pipeline.ts implements it). */
export interface PipelineView {
  readonly stats: PipelineStats;
  readonly bufferedBytes: number;
  readonly runtimes: readonly JobRuntime[];
  datasetCounters(): Iterable<[string, DatasetCounters]>;
}

export interface PoolView {
  readonly threads: number;
  readonly queueSize: number;
  readonly utilization: number;
}

/** The memory guard (src/core/memory-guard.ts), read at scrape time. */
export interface MemoryView {
  readonly limitBytes: number;
  readonly pauses: number;
}

/** A source that knows its consumer lag (Kafka): records between its acknowledged positions and the broker's end offsets, per topic. */
export interface LagView {
  consumerLag(): Iterable<[topic: string, lag: number]>;
  /** Per parked job (by id), records between its saved positions and the end offsets. */
  parkedRecordsBehind(): ReadonlyMap<number, number>;
}

/** What a Kafka source counts as it goes (KafkaSource.stats: plain numbers), read at scrape time. */
export interface KafkaEventsView {
  readonly stats: {
    readonly commits: number;
    readonly commitFailures: number;
    readonly pauses: number;
    readonly resumes: number;
    readonly groupJoins: number;
    readonly partitionsRevoked: number;
  };
  recordsWithoutTenantByTopic(): Iterable<[topic: string, records: number]>;
}

const DESTINATION_TYPES = new Set(['file', 's3', 'azure', 'http']);
const ERROR_CODE = /^ERR_[A-Z0-9_]{1,60}$/;

/** Bounds a destination kind to file|s3|http|other, whatever a future destination reports. */
export function destinationTypeLabel(kind: string): string {
  return DESTINATION_TYPES.has(kind) ? kind : 'other';
}

/** Bounds an error code to the ERR_* shape; anything else (a raw library code) is ERR_OTHER. */
export function errorCodeLabel(code: string): string {
  return ERROR_CODE.test(code) ? code : 'ERR_OTHER';
}

/** Per configured topic (0 where no source reports it yet), the sum of what every source reports. */
function sumByTopic(topics: Iterable<string>, reports: Iterable<Iterable<[topic: string, value: number]>>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const topic of topics) sums.set(topic, 0);
  for (const report of reports) for (const [topic, value] of report) sums.set(topic, (sums.get(topic) ?? 0) + value);
  return sums;
}

const RECORD_BUCKETS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
const BYTE_BUCKETS = [1024, 16 * 1024, 256 * 1024, 1024 ** 2, 4 * 1024 ** 2, 16 * 1024 ** 2, 64 * 1024 ** 2, 256 * 1024 ** 2, 1024 ** 3];
const UPLOAD_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface SluiceMetricsOptions {
  /** prom-client's process_* and nodejs_* metrics (event loop delay included); default true. */
  defaultMetrics?: boolean;
  version?: string;
}

export class SluiceMetrics implements DeliveryMetrics, DeadLetterMetrics {
  readonly registry = new Registry();
  private pipeline: PipelineView | null = null;
  private budgetBytes = 0;
  private memory: MemoryView | null = null;
  private pool: PoolView | null = null;
  private lagSources: LagView[] = [];
  private kafkaSources: KafkaEventsView[] = [];
  private readonly topics = new Set<string>();

  private readonly batchRecords: Histogram<'destination_type'>;
  private readonly batchBytes: Histogram<'destination_type'>;
  private readonly encodedBytesIn: Counter<'destination_type' | 'compression'>;
  private readonly encodedBytesOut: Counter<'destination_type' | 'compression'>;
  private readonly workerSeconds: Histogram<'compression'>;
  private readonly uploadSeconds: Histogram<'destination_type' | 'outcome'>;
  private readonly retries: Counter<'destination_type' | 'error_code'>;
  private readonly refusals: Counter<'reason'>;
  private readonly auditDigests: Counter<'outcome'>;
  private readonly deadLetters: Counter<'outcome'>;
  private readonly deadLettersSetAside: Gauge;
  private readonly catchUpLost: Counter;

  constructor(options: SluiceMetricsOptions = {}) {
    const registers = [this.registry];
    const self = this;
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });

    new Gauge({ name: 'sluice_build_info', help: 'Always 1; the version label says which sluice is running.', labelNames: ['version'], registers })
      .set({ version: options.version ?? 'dev' }, 1);

    // Record counters by dataset, read from the pipeline's own counters at scrape time.
    const byDataset = (name: string, help: string, read: (c: DatasetCounters) => number) =>
      new Counter({
        name, help, labelNames: ['dataset'], registers,
        collect() {
          this.reset();
          for (const [dataset, counters] of self.pipeline?.datasetCounters() ?? []) this.inc({ dataset }, read(counters));
        },
      });
    byDataset('sluice_source_received_records_total', 'Records pushed by sources.', (c) => c.received);
    byDataset('sluice_source_received_bytes_total', 'Bytes of records pushed by sources.', (c) => c.receivedBytes);
    byDataset('sluice_router_unrouted_records_total', 'Records that matched no enabled job (acknowledged, nothing delivered).', (c) => c.unrouted);
    byDataset('sluice_router_matched_records_total', 'Records that matched at least one job.', (c) => c.matched);
    byDataset('sluice_router_routed_records_total', 'Record copies handed to job batches (a record matching 3 jobs counts 3).', (c) => c.routed);
    byDataset('sluice_pipeline_delivered_records_total', 'Routed record copies written to a destination.', (c) => c.delivered);
    byDataset('sluice_pipeline_filtered_records_total', 'Routed record copies removed by their job\'s filter.', (c) => c.filtered);
    byDataset('sluice_pipeline_sampled_records_total', 'Routed record copies removed by their job\'s sample_rate.', (c) => c.sampled);
    byDataset('sluice_pipeline_invalid_utf8_records_total', 'Routed record copies whose selected, filtered or event-time strings held invalid UTF-8, delivered with U+FFFD in its place (not dropped).', (c) => c.invalidUtf8);
    new Counter({
      name: 'sluice_pipeline_dropped_records_total',
      help: 'Records dropped, by reason: oversized (per received record, before routing); invalid_json, wrong_type, quarantined (per routed copy).',
      labelNames: ['dataset', 'reason'], registers,
      collect() {
        this.reset();
        for (const [dataset, counters] of self.pipeline?.datasetCounters() ?? []) {
          for (const reason of DROP_REASONS) this.inc({ dataset, reason }, counters.dropped[reason]);
        }
      },
    });

    // Batch-level emitters.
    this.batchRecords = new Histogram({ name: 'sluice_batcher_batch_records', help: 'Records per sealed batch.', labelNames: ['destination_type'], buckets: RECORD_BUCKETS, registers });
    this.batchBytes = new Histogram({ name: 'sluice_batcher_batch_bytes', help: 'Record bytes per sealed batch (before encoding).', labelNames: ['destination_type'], buckets: BYTE_BUCKETS, registers });
    this.encodedBytesIn = new Counter({ name: 'sluice_encoder_uncompressed_bytes_total', help: 'Encoded bytes before compression.', labelNames: ['destination_type', 'compression'], registers });
    this.encodedBytesOut = new Counter({ name: 'sluice_encoder_compressed_bytes_total', help: 'Encoded bytes after compression (what is uploaded).', labelNames: ['destination_type', 'compression'], registers });
    this.workerSeconds = new Histogram({ name: 'sluice_worker_batch_duration_seconds', help: 'Worker time to filter, encode and compress one batch (all its parts), as the workers report it.', labelNames: ['compression'], buckets: WORKER_SECONDS_BUCKETS, registers });
    this.uploadSeconds = new Histogram({ name: 'sluice_destination_upload_duration_seconds', help: 'Duration of one upload attempt, by outcome.', labelNames: ['destination_type', 'outcome'], buckets: UPLOAD_SECONDS_BUCKETS, registers });
    this.retries = new Counter({ name: 'sluice_destination_retries_total', help: 'Failed uploads that will be retried, by ERR_* code.', labelNames: ['destination_type', 'error_code'], registers });
    this.refusals = new Counter({ name: 'sluice_job_store_refusals_total', help: 'Job sets and records the job store refused to load (the last good set kept running); stray = a record that is no tenant\'s job.', labelNames: ['reason'], registers });
    this.auditDigests = new Counter({ name: 'sluice_audit_digests_total', help: 'Audit digest writes by outcome (written, failed: retried at the next interval).', labelNames: ['outcome'], registers });
    this.deadLetters = new Counter({ name: 'sluice_dead_letter_records_total', help: 'Poison records stored before acknowledgement, by outcome: written (to the dead-letter topic), truncated (written cut to the topic\'s max.message.bytes), quarantined (the topic refused writes: under <data_dir>/quarantine/dead-letter/).', labelNames: ['outcome'], registers });
    this.deadLettersSetAside = new Gauge({ name: 'sluice_dead_letter_set_aside_topics', help: 'Dead-letter topics set aside because they refuse writes (their poison records go to quarantine until a probe succeeds).', registers });
    this.deadLettersSetAside.set(0);
    for (const outcome of ['written', 'truncated', 'quarantined'] as const) this.deadLetters.inc({ outcome }, 0);
    this.catchUpLost = new Counter({ name: 'sluice_catch_up_records_lost_total', help: 'Records (offsets, of every tenant) that retention deleted from the topic before a parked job\'s catch-up reader re-read them: that job\'s records among them were never delivered.', labelNames: ['topic'], registers });

    // Gauges read at scrape time.
    new Gauge({
      name: 'sluice_jobs', help: 'Jobs by state: running (last upload fine), failing (last upload failed), disabled.', labelNames: ['state'], registers,
      collect() {
        const counts = { running: 0, failing: 0, disabled: 0 };
        for (const runtime of self.pipeline?.runtimes ?? []) {
          if (!runtime.job.enabled) counts.disabled++;
          else if (runtime.health.error_message !== null) counts.failing++;
          else counts.running++;
        }
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'sluice_pipeline_buffered_bytes', help: 'Memory held by open and in-flight batches as the budget counts it: their record bytes and each batch\'s own cost (tables, buffers, objects).', registers,
      collect() { this.set(self.pipeline?.bufferedBytes ?? 0); },
    });
    new Gauge({
      // A count, never a job id as a label (per-job state is in the API's error_message).
      name: 'sluice_jobs_parked', help: 'Jobs parked on this instance (pipeline.parking): out of the live path, their records left in Kafka for a catch-up reader.', registers,
      collect() { this.set(self.pipeline?.runtimes.filter((runtime) => runtime.parked).length ?? 0); },
    });
    // How far parked jobs are behind, without a job id label (one series each, whatever the
    // number of jobs): the sum says how much catch-up work waits, the max whether one job's
    // saved position is nearing the topic's retention. Per job: the catch-up log lines.
    const parkedBehind = () => {
      const all: number[] = [];
      for (const source of self.lagSources) all.push(...source.parkedRecordsBehind().values());
      return all;
    };
    new Gauge({
      name: 'sluice_kafka_parked_jobs_lag_records', help: 'Records (offsets, of every tenant) between parked jobs\' saved positions and the broker\'s end offsets, summed over the parked jobs and the partitions this member owns.', registers,
      collect() { this.set(parkedBehind().reduce((sum, behind) => sum + behind, 0)); },
    });
    new Gauge({
      name: 'sluice_kafka_parked_job_max_lag_records', help: 'Records (offsets, of every tenant) the parked job furthest behind is behind the broker\'s end offsets, over the partitions this member owns; 0 with no parked job.', registers,
      collect() { this.set(parkedBehind().reduce((max, behind) => Math.max(max, behind), 0)); },
    });
    new Gauge({
      name: 'sluice_pipeline_buffered_bytes_budget', help: 'The budget of buffered bytes (pipeline.in_flight_bytes); intake pauses at it.', registers,
      collect() { this.set(self.budgetBytes); },
    });
    new Gauge({
      name: 'sluice_memory_limit_bytes', help: 'memory.limit_mb in bytes: intake pauses while the process RSS (process_resident_memory_bytes) is above 90% of it and batches are held; 0 = no limit.', registers,
      collect() { this.set(self.memory?.limitBytes ?? 0); },
    });
    new Counter({
      name: 'sluice_memory_pressure_pauses_total', help: 'Times intake paused because the process RSS passed 90% of memory.limit_mb (it resumes below 80%, or when no batch is held).', registers,
      collect() { this.reset(); this.inc(self.memory?.pauses ?? 0); },
    });
    new Counter({
      name: 'sluice_worker_pool_failed_attempts_total', help: 'Batch attempts that failed in a worker (crash or bug); each is retried.', registers,
      collect() { this.reset(); this.inc(self.pipeline?.stats.workerFailures ?? 0); },
    });
    new Gauge({
      name: 'sluice_worker_pool_queue_tasks', help: 'Encoding tasks waiting for a worker.', registers,
      collect() { this.set(self.pool?.queueSize ?? 0); },
    });
    new Gauge({
      name: 'sluice_worker_pool_utilization_ratio', help: 'Share of the worker pool\'s capacity that was busy, 0..1.', registers,
      collect() { this.set(self.pool?.utilization ?? 0); },
    });
    new Gauge({
      name: 'sluice_worker_pool_threads', help: 'Worker threads in the pool.', registers,
      collect() { this.set(self.pool?.threads ?? 0); },
    });
    new Gauge({
      name: 'sluice_kafka_consumer_lag_records', help: 'Records between the acknowledged position (where a restart resumes) and the broker\'s end offset (read every 10 s), summed over the topic\'s partitions this member owns.', labelNames: ['topic'], registers,
      collect() {
        this.reset();
        for (const [topic, value] of sumByTopic(self.topics, self.lagSources.map((source) => source.consumerLag()))) this.set({ topic }, value);
      },
    });

    // Kafka source events, summed over this instance's Kafka sources (catch-up readers are not
    // watched: they never commit and their pauses are throttling, not backpressure).
    const kafkaTotal = (read: (stats: KafkaEventsView['stats']) => number) => self.kafkaSources.reduce((sum, source) => sum + read(source.stats), 0);
    new Counter({
      name: 'sluice_kafka_offset_commits_total', help: 'Offset commits of the consumer group by outcome: committed, failed (retried at the next commit interval; records are not lost, a restart re-reads them).', labelNames: ['outcome'], registers,
      collect() {
        this.reset();
        this.inc({ outcome: 'committed' }, kafkaTotal((s) => s.commits));
        this.inc({ outcome: 'failed' }, kafkaTotal((s) => s.commitFailures));
      },
    });
    const kafkaCounter = (name: string, help: string, read: (stats: KafkaEventsView['stats']) => number) =>
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(kafkaTotal(read)); } });
    kafkaCounter('sluice_kafka_partition_pauses_total', 'Times a partition\'s fetching was paused because the pipeline refused a record (buffer budget full).', (s) => s.pauses);
    kafkaCounter('sluice_kafka_intake_resumes_total', 'Times intake resumed after the buffer drained (every paused partition at once).', (s) => s.resumes);
    kafkaCounter('sluice_kafka_group_joins_total', 'Consumer group joins: the first, then one per rebalance or consumer crash restart.', (s) => s.groupJoins);
    kafkaCounter('sluice_kafka_revoked_partitions_total', 'Partitions this member stopped reading because a rebalance or crash took them away.', (s) => s.partitionsRevoked);
    new Counter({
      name: 'sluice_kafka_tenantless_records_total', help: 'Records with no tenant in their key or header (unrouted: acknowledged, delivered to no job), per configured topic.', labelNames: ['topic'], registers,
      collect() {
        this.reset();
        for (const [topic, value] of sumByTopic(self.topics, self.kafkaSources.map((source) => source.recordsWithoutTenantByTopic()))) this.inc({ topic }, value);
      },
    });
  }

  /** The pipeline whose counters and gauges are read at scrape time. */
  watchPipeline(pipeline: PipelineView, budgetBytes: number): void {
    this.pipeline = pipeline;
    this.budgetBytes = budgetBytes;
  }

  /** The memory guard; without one (memory.limit_mb 0) the limit reads 0. */
  watchMemory(memory: MemoryView): void {
    this.memory = memory;
  }

  watchPool(pool: PoolView): void {
    this.pool = pool;
  }

  /** `topics` are the configured topic names (a closed set), reported as 0 until end offsets are known. */
  watchConsumerLag(source: LagView, topics: readonly string[]): void {
    this.lagSources.push(source);
    for (const topic of topics) this.topics.add(topic);
  }

  /** A Kafka source whose stats are read at scrape time; its topics come from watchConsumerLag. */
  watchKafkaEvents(source: KafkaEventsView): void {
    this.kafkaSources.push(source);
  }

  batchSealed(destinationType: string, records: number, bytes: number): void {
    const labels = { destination_type: destinationTypeLabel(destinationType) };
    this.batchRecords.observe(labels, records);
    this.batchBytes.observe(labels, bytes);
  }

  batchEncoded(destinationType: string, compression: string, bytesIn: number, bytesOut: number, workerSeconds: number): void {
    const labels = { destination_type: destinationTypeLabel(destinationType), compression };
    this.workerSeconds.observe({ compression }, workerSeconds);
    this.encodedBytesIn.inc(labels, bytesIn);
    this.encodedBytesOut.inc(labels, bytesOut);
  }

  uploadFinished(destinationType: string, outcome: UploadOutcome, seconds: number): void {
    this.uploadSeconds.observe({ destination_type: destinationTypeLabel(destinationType), outcome }, seconds);
  }

  deliveryRetried(destinationType: string, errorCode: string): void {
    this.retries.inc({ destination_type: destinationTypeLabel(destinationType), error_code: errorCodeLabel(errorCode) });
  }

  /** `topic` is a configured topic (a closed set); `records` the offsets lost, 0 to show the series. */
  catchUpRecordsLost(topic: string, records: number): void {
    this.catchUpLost.inc({ topic }, records);
  }

  /** `reason` is the store's closed RejectionReason (empty | invalid | corrupt | stray). */
  jobStoreRefused(reason: string): void {
    this.refusals.inc({ reason });
  }

  auditDigestWritten(outcome: 'written' | 'failed'): void {
    this.auditDigests.inc({ outcome });
  }

  deadLetterRecords(outcome: DeadLetterOutcome, records: number): void {
    this.deadLetters.inc({ outcome }, records);
  }

  deadLetterSetAside(change: 1 | -1): void {
    this.deadLettersSetAside.inc(change);
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
