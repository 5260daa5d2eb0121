// One catch-up reader (src/core/catch-up.ts) on Kafka: a KafkaSource in catch-up mode feeding a
// pipeline that runs only the parked job, through the job's own destination.
//
// kafkajs consumers cannot be assigned partitions without a group, so the reader joins a group
// of its own (a fresh name per reader: nothing is ever committed to it, and the broker drops the
// empty group). Its memory is its own budget: when that is full its consumer pauses, exactly as
// the live one does, so a reader whose destination still fails holds at most that and waits in
// the pipeline's retry loop with backoff.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KafkaSourceConfig } from '../../config/schema.ts';
import type { CatchUpRun, Offsets } from '../../core/catch-up.ts';
import type { JobRuntime } from '../../core/job-runtime.ts';
import { Pipeline, type PipelineOptions } from '../../core/pipeline.ts';
import type { Destination } from '../../destinations/destination.ts';
import { KafkaSource, type KafkaSourceDeps } from './source.ts';

/** What the reader's pipeline shares with the live one (pool, limits, quarantine …). */
export type CatchUpPipelineSettings = Omit<PipelineOptions, 'jobs' | 'createDestination' | 'inFlightBytes' | 'onCommittable' | 'parking' | 'deadLetter' | 'log'>;

export interface KafkaCatchUpOptions {
  /** The live source's config; the reader reads `topic` only, in a group of its own. */
  config: KafkaSourceConfig;
  topic: string;
  runtime: JobRuntime;
  from: Offsets;
  /** Record bytes the reader may hold. */
  budgetBytes: number;
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
  readonly #running: Promise<void>;
  #ended = false;
  #closing: Promise<void> | null = null;

  constructor(options: KafkaCatchUpOptions) {
    const { runtime, topic } = options;
    const jobId = runtime.job.id;
    this.#topic = topic;
    this.#delivered = new Map(options.from);
    const log = options.log.child({ catch_up_job_id: jobId });
    const route = options.config.topics.find((t) => t.topic === topic);
    if (route === undefined) throw new Error(`catch-up: topic ${topic} is not one of the source's`);
    const { dead_letter_topic: _noDeadLetters, ...live } = options.config;
    this.#source = new KafkaSource(
      { ...live, group_id: `${options.config.group_id}.catch-up.${jobId}.${randomUUID()}`, client_id: `${options.config.client_id}-catch-up`, topics: [route] },
      { log, catchUp: { from: options.from }, ...(options.connect ? { connect: options.connect } : {}) },
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
