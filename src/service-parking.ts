// Parking in a running service (config `pipeline.parking.enabled`): the Kafka source keeps
// parked jobs' positions in its commits, the pipeline parks failing or stalled jobs, and a
// catch-up coordinator re-reads them from Kafka and hands them back (docs/architecture.md "Parking
// and catch-up"). Only with exactly one Kafka source (the config loader checks it).

import type { Logger } from 'pino';
import type { Config, KafkaSourceConfig } from './config/schema.ts';
import { CatchUp, type LiveSide, type Offsets } from './core/catch-up.ts';
import { reportCatchUpLoss, type CatchUpLossMetrics } from './core/catch-up-loss.ts';
import type { JobRuntime } from './core/job-runtime.ts';
import type { ParkingPort, ParkingRules } from './core/parking.ts';
import type { Pipeline } from './core/pipeline.ts';
import { KafkaCatchUpRun, type CatchUpPipelineSettings } from './sources/kafka/catch-up-run.ts';
import { KafkaSource } from './sources/kafka/source.ts';
import type { Source } from './core/source.ts';

/** How often the coordinator looks at parked jobs and readers. */
const CATCH_UP_TICK_MS = 1000;

export interface ServiceParking {
  /** The pipeline's `parking` option. */
  readonly option: { port: ParkingPort; rules: ParkingRules; disable(runtime: JobRuntime): void };
  /** Starts catching up parked jobs of `pipeline`, with readers built like it. */
  start(pipeline: Pipeline, settings: CatchUpPipelineSettings): void;
  /** Stops the readers (their progress is in the saved positions). */
  close(): Promise<void>;
}

/**
 * `disable` is called once for a job parked longer than `disable_after_hours` (the service
 * disables it in the job store, with an audit event). `metrics` counts records lost to
 * retention before catch-up read them (absent without telemetry).
 */
export function prepareParking(config: Config, sources: readonly Source[], log: Logger, disable: (runtime: JobRuntime) => void, metrics?: CatchUpLossMetrics): ServiceParking | null {
  const settings = config.pipeline.parking;
  const source = sources[0];
  const kafka = config.sources[0];
  if (!settings.enabled || sources.length !== 1 || !(source instanceof KafkaSource) || kafka?.type !== 'kafka') return null;
  const shareBytes = Math.max(1, Math.floor(config.pipeline.in_flight_bytes * settings.job_share));
  let catchUp: CatchUp | null = null;
  let timer: NodeJS.Timeout | null = null;
  let ticking = false;
  let pipelineRef: Pipeline | null = null;
  source.enableParking((jobIds) => pipelineRef?.parkFromElsewhere(jobIds));
  // Every configured topic shows 0 until a loss (a closed label set: topics, never jobs).
  for (const topic of kafka.topics) metrics?.catchUpRecordsLost(topic.topic, 0);

  return {
    option: {
      port: source,
      rules: { shareBytes, stalledMs: settings.stalled_seconds * 1000, failingMs: settings.after_failing_seconds * 1000, disableAfterMs: settings.disable_after_hours * 3_600_000 },
      disable,
    },
    start(pipeline, pipelineSettings) {
      pipelineRef = pipeline;
      catchUp = new CatchUp(liveSide(pipeline, source, kafka, { budgetBytes: shareBytes, recordsPerSecond: settings.catch_up_records_per_second, metrics }, pipelineSettings, log), {
        maxRuns: settings.catch_up_readers,
        handBackLag: settings.hand_back_lag,
        log,
      });
      timer = setInterval(() => {
        if (ticking) return;
        ticking = true;
        catchUp!.tick().catch((error: unknown) => {
          log.error({ err: error instanceof Error ? error.message : String(error) }, 'catch-up step failed; trying again');
        }).finally(() => (ticking = false));
      }, CATCH_UP_TICK_MS);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await catchUp?.close();
    },
  };
}

interface ReaderLimits {
  budgetBytes: number;
  recordsPerSecond: number;
  metrics: CatchUpLossMetrics | undefined;
}

function liveSide(pipeline: Pipeline, source: KafkaSource, kafka: KafkaSourceConfig, limits: ReaderLimits, settings: CatchUpPipelineSettings, log: Logger): LiveSide {
  /**
   * A job's records-lost error_message, kept until the job is caught up: hand-back makes a
   * fresh runtime with error_message cleared, and the loss must outlive it (the job's next
   * successful live delivery clears it then, as any error_message).
   */
  const lost = new Map<number, string>();
  const runtimeOf = (jobId: number) => pipeline.runtimes.find((runtime) => runtime.job.id === jobId);
  return {
    parkedJobs: () => pipeline.parkedJobs(),
    topicOf: (dataset) => kafka.topics.find((topic) => topic.dataset === dataset)?.topic,
    liveOffsets: (topic) => source.nextOffsets(topic),
    resumeOffsets(jobId, topic) {
      const from = new Map<number, number>();
      for (const [partition, live] of source.nextOffsets(topic)) {
        // No saved position: the job has nothing behind there (the committed offset passed only
        // records it delivered), so the reader starts where the live path is and reads nothing.
        from.set(partition, source.parked.positionsOf(topic, partition).get(jobId) ?? live);
      }
      return from;
    },
    recordsBehind: (jobId) => source.parkedRecordsBehind().get(jobId),
    advance(jobId, topic, delivered: Offsets) {
      source.advanceParked(jobId, topic, delivered);
    },
    handBack: (jobId) => {
      pipeline.unpark(jobId);
      const message = lost.get(jobId);
      const runtime = runtimeOf(jobId);
      if (message !== undefined && runtime !== undefined) runtime.health.error_message = message;
    },
    caughtUp: (jobId) => {
      lost.delete(jobId);
      source.forget(jobId);
    },
    startRun: (runtime, topic, from) => new KafkaCatchUpRun({
      config: kafka,
      topic,
      runtime,
      from,
      budgetBytes: limits.budgetBytes,
      recordsPerSecond: limits.recordsPerSecond,
      onRecordsLost: (loss) => {
        const jobId = runtime.job.id;
        lost.set(jobId, reportCatchUpLoss(runtimeOf(jobId), { jobId, ...loss }, log, limits.metrics));
      },
      pipeline: settings,
      log,
    }),
  };
}
