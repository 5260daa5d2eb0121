// Parking in a running service (config `pipeline.parking.enabled`): the Kafka source keeps
// parked jobs' positions in its commits, the pipeline parks failing or stalled jobs, and a
// catch-up coordinator re-reads them from Kafka and hands them back (docs/architecture.md "Parking
// and catch-up"). Only with exactly one Kafka source (the config loader checks it).

import type { Logger } from 'pino';
import type { Config, KafkaSourceConfig } from './config/schema.ts';
import { CatchUp, type LiveSide, type Offsets } from './core/catch-up.ts';
import type { JobRuntime } from './core/job-runtime.ts';
import type { ParkingPort, ParkingRules } from './core/parking.ts';
import type { Pipeline } from './core/pipeline.ts';
import { KafkaCatchUpRun, type CatchUpPipelineSettings } from './sources/kafka/catch-up-run.ts';
import { KafkaSource } from './sources/kafka/source.ts';
import type { Source } from './sources/source.ts';

/** How often the coordinator looks at parked jobs and readers. */
const CATCH_UP_TICK_MS = 1000;

export interface ServiceParking {
  /** The pipeline's `parking` option. */
  readonly option: { port: ParkingPort; rules: ParkingRules; disable(runtime: JobRuntime): void };
  /** Starts catching up parked jobs of `pipeline`, with readers built like it. */
  start(pipeline: Pipeline, settings: CatchUpPipelineSettings): void;
  /** Readers currently running (metrics). */
  readonly readers: number;
  /** Stops the readers (their progress is in the saved positions). */
  close(): Promise<void>;
}

/**
 * `disable` is called once for a job parked longer than `disable_after_hours` (the service
 * disables it in the job store, with an audit event).
 */
export function prepareParking(config: Config, sources: readonly Source[], log: Logger, disable: (runtime: JobRuntime) => void): ServiceParking | null {
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

  return {
    option: {
      port: source,
      rules: { shareBytes, stalledMs: settings.stalled_seconds * 1000, failingMs: settings.after_failing_seconds * 1000, disableAfterMs: settings.disable_after_hours * 3_600_000 },
      disable,
    },
    start(pipeline, pipelineSettings) {
      pipelineRef = pipeline;
      catchUp = new CatchUp(liveSide(pipeline, source, kafka, shareBytes, pipelineSettings, log), {
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
    get readers() {
      return catchUp?.running ?? 0;
    },
    async close() {
      if (timer) clearInterval(timer);
      await catchUp?.close();
    },
  };
}

function liveSide(pipeline: Pipeline, source: KafkaSource, kafka: KafkaSourceConfig, budgetBytes: number, settings: CatchUpPipelineSettings, log: Logger): LiveSide {
  return {
    parkedJobs: () => pipeline.parkedJobs(),
    topicOf: (dataset) => kafka.topics.find((topic) => topic.dataset === dataset)?.topic,
    liveOffsets: (topic) => source.nextOffsets(topic),
    resumeOffsets(jobId, topic) {
      const from = new Map<number, number>();
      for (const partition of source.nextOffsets(topic).keys()) {
        const at = source.parked.positionsOf(topic, partition).get(jobId);
        if (at !== undefined) from.set(partition, at);
      }
      return from;
    },
    advance(jobId, topic, delivered: Offsets) {
      for (const [partition, offset] of delivered) source.parked.advance(jobId, topic, partition, offset);
    },
    handBack: (jobId) => {
      pipeline.unpark(jobId);
    },
    caughtUp: (jobId) => source.forget(jobId),
    startRun: (runtime, topic, from) => new KafkaCatchUpRun({ config: kafka, topic, runtime, from, budgetBytes, pipeline: settings, log }),
  };
}
