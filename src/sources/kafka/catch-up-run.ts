// One catch-up reader (src/core/catch-up.ts) on Kafka: a KafkaSource in catch-up mode feeding a
// pipeline that runs only the parked job, through the job's own destination.
//
// kafkajs consumers cannot be assigned partitions without a group, so the reader joins a group
// of its own (a fresh name per reader: nothing is ever committed to it, and the broker drops the
// empty group). Its memory is its own budget: when that is full its consumer pauses, exactly as
// the live one does, so a reader whose destination still fails holds at most that and waits in
// the pipeline's retry loop with backoff. Its rate is limited too (records per second, by
// pausing its partitions: source.ts), so a backlog cannot take what the live path needs.
//
// Records that retention deleted before the reader got to them are reported through
// `onRecordsLost` and skipped: the reader counts them as delivered (there is nothing left to
// deliver), so the saved positions move past them and a restart does not report them again.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KafkaSourceConfig } from '../../config/schema.ts';
import type { CatchUpRun, Offsets } from '../../core/catch-up.ts';
import type { JobRuntime } from '../../core/job-runtime.ts';
import { Pipeline, type PipelineOptions } from '../../core/pipeline.ts';
import type { Destination } from '../../destinations/destination.ts';
import { KafkaSource, type KafkaSourceDeps, type RecordsLost } from './source.ts';

/**
 * What the reader's pipeline shares with the live one (pool, limits, quarantine, and the live
 * source's dead-letter path: a poison record the reader finds is stored there before it counts
 * as delivered, as on the live path).
 */
export type CatchUpPipelineSettings = Omit<PipelineOptions, 'jobs' | 'createDestination' | 'inFlightBytes' | 'onCommittable' | 'parking' | 'log'>;

export interface KafkaCatchUpOptions {
  /** The live source's config; the reader reads `topic` only, in a group of its own. */
  config: KafkaSourceConfig;
  topic: string;
  runtime: JobRuntime;
  from: Offsets;
  /** Record bytes the reader may hold. */
  budgetBytes: number;
  /** Records per second the reader takes at most (pipeline.parking.catch_up_records_per_second). */
  recordsPerSecond: number;
  /** Records between the job's position and the topic's log start are gone (said loudly by the caller). */
  onRecordsLost(loss: RecordsLost): void;
  pipeline: CatchUpPipelineSettings;
  log: Logger;
  /** Builds the kafkajs connection (tests may pass a fake). */
  connect?: KafkaSourceDeps['connect'];
}

export class KafkaCatchUpRun implements CatchUpRun {
  readonly #source: KafkaSource;
  readonly #pipeline: Pipeline;
  readonly #topic: string;
  readonly #delivered: Map<number, number>;
  readonly #from: Offsets;
  readonly #running: Promise<void>;
  #ended = false;
  #closing: Promise<void> | null = null;

  constructor(options: KafkaCatchUpOptions) {
    const { runtime, topic } = options;
    const jobId = runtime.job.id;
    this.#topic = topic;
    this.#delivered = new Map(options.from);
    this.#from = options.from;
    const log = options.log.child({ catch_up_job_id: jobId });
    const route = options.config.topics.find((t) => t.topic === topic);
    if (route === undefined) throw new Error(`catch-up: topic ${topic} is not one of the source's`);
    // No dead-letter producer of its own: its poison goes to the live source's path (settings).
    const { dead_letter_topic: _noDeadLetters, ...live } = options.config;
    const onRecordsLost = (loss: RecordsLost): void => {
      // Nothing in [from, to) can be delivered any more. When everything below `from` is
      // delivered, the saved position moves past the gap now (an empty rest of the partition
      // would never move it); otherwise the ack tracker passes the gap once the records before
      // it are delivered, as it passes compaction gaps.
      const delivered = this.#delivered.get(loss.partition) ?? -1;
      if (delivered >= loss.from && delivered < loss.to) this.#delivered.set(loss.partition, loss.to);
      options.onRecordsLost(loss);
    };
    this.#source = new KafkaSource(
      // from_beginning: when a position falls out of retention mid-read, kafkajs resets it without
      // a word to the group's default; the log start (loss counted by the source) beats the end,
      // which would skip every record up to the live position.
      { ...live, from_beginning: true, group_id: `${options.config.group_id}.catch-up.${jobId}.${randomUUID()}`, client_id: `${options.config.client_id}-catch-up`, topics: [route] },
      { log, catchUp: { from: options.from, recordsPerSecond: options.recordsPerSecond, onRecordsLost }, ...(options.connect ? { connect: options.connect } : {}) },
    );
    this.#pipeline = new Pipeline({
      ...options.pipeline,
      jobs: [runtime.job],
      // The live pipeline owns the destination (and closes it); the reader only borrows it.
      createDestination: () => borrowed(runtime.destination),
      log,
      inFlightBytes: options.budgetBytes,
      onCommittable: (partition, offset) => {
        this.#delivered.set(partitionNumber(partition.name), offset);
      },
    });
    this.#running = this.#source.run(this.#pipeline, this.#pipeline).catch((error: unknown) => {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'catch-up reader stopped; it starts again from the saved positions');
    }).finally(() => {
      this.#ended = true;
    });
  }

  get ended(): boolean {
    return this.#ended && this.#closing === null;
  }

  delivering(): boolean {
    const health = this.#pipeline.runtimes[0]?.health;
    if (health === undefined || health.error_message !== null) return false;
    // Nothing read past the start yet: nothing to deliver, so nothing failing either.
    const read = this.readOffsets();
    const nothingRead = [...read].every(([partition, next]) => next <= (this.#from.get(partition) ?? next));
    return nothingRead || health.delivered_at_ms !== null;
  }

  readOffsets(): Offsets {
    return this.#source.nextOffsets(this.#topic);
  }

  deliveredOffsets(): Offsets {
    return this.#delivered;
  }

  stopAt(targets: Offsets): void {
    this.#source.stopAt(targets);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#source.stop();
    await this.#running;
    // What is delivered is kept (the saved positions follow it); the rest is read again later.
    this.#pipeline.abortDeliveries();
    await this.#pipeline.flush();
    await this.#pipeline.shutdown();
    await this.#source.close();
  }
}

function borrowed(destination: Destination): Destination {
  return {
    kind: destination.kind,
    deliver: (object) => destination.deliver(object),
    close: async () => {},
  };
}

function partitionNumber(name: string): number {
  return Number(name.slice(name.lastIndexOf('/') + 1));
}
