// The built-in generator source: realistic events at a fixed rate, for the embedded demo,
// benchmarks and tests, with no Kafka.
//
// Rate control is open loop (docs/architecture.md "How it is measured"): the number of records due is a function of
// the time elapsed since start, not of how fast earlier records were taken. Every ~10 ms the
// source sends the deficit as one burst — never one timer per record, which would cost a timer
// and a macrotask each at 10k+ records/s. Bursts are cut into slices of MAX_SLICE records with a
// setImmediate between them so I/O, timers and the admin API keep running. After backpressure
// (push returned false, then drain) the deficit built up while paused is sent, as an open-loop
// load generator does; the in-flight budget still bounds memory because every push can pause.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { getCatalog } from '../datasets/catalog.ts';
import { createCatalogGenerator } from '../generator/catalog-events.ts';
import { createHttpRequestsGenerator, type HttpRequestsGenerator } from '../generator/http-requests.ts';
import { DeliveryWatch } from './delivery-watch.ts';
import { SourceError } from './source-error.ts';
import type { PartitionHandle, PartitionRegistry, RecordSink, Source } from '../core/source.ts';
import { StopSignal } from './stop-signal.ts';

export interface GeneratorSourceOptions {
  /** Any catalogued dataset: http_requests has a realistic generator, the others catalog-typed values (generator/catalog-events.ts). */
  dataset: string;
  /** Records per second; 0 = as fast as the pipeline takes them. */
  rate: number;
  seed: number;
  /** Zone ids to spread events over; default: the generator's DEFAULT_TENANTS. */
  tenants?: readonly string[] | undefined;
  /** Stop after this many records; default: run until stop(). */
  records?: number | undefined;
  /** Event time source (ns since the epoch), passed to the generator. Tests fix it. */
  clock?: () => bigint;
  /** Monotonic milliseconds for the rate schedule. Tests drive it by hand. */
  now?: () => number;
}

export const GENERATOR_PARTITION = 'generator/0';

/** Interval between rate-controlled bursts. */
export const TICK_MS = 10;
/** Most records sent in one event-loop turn (~1.5 MB of events at 1.4 KB each). */
export const MAX_SLICE = 1000;

/** Records an open-loop schedule at `rate` records/s has due `elapsedMs` after its start. */
export function recordsDue(elapsedMs: number, rate: number): number {
  return Math.floor((Math.max(0, elapsedMs) * rate) / 1000);
}

/**
 * How many records to send now: the schedule's deficit, at most MAX_SLICE and at most what is
 * left of `limit`. rate 0 means no schedule: always a full slice. 0 means wait for the next tick.
 */
export function sliceSize(elapsedMs: number, sent: number, rate: number, limit: number = Infinity, maxSlice: number = MAX_SLICE): number {
  const wanted = rate === 0 ? maxSlice : recordsDue(elapsedMs, rate) - sent;
  return Math.max(0, Math.min(wanted, maxSlice, limit - sent));
}

export class GeneratorSource implements Source {
  readonly kind = 'generator';
  readonly #options: GeneratorSourceOptions;
  readonly #generator: HttpRequestsGenerator;
  readonly #now: () => number;
  readonly #watch = new DeliveryWatch();
  /** Wakes the run loop from a drain wait or a tick sleep when stop() is called. */
  readonly #stop = new StopSignal();

  constructor(options: GeneratorSourceOptions) {
    if (getCatalog(options.dataset) === undefined) {
      throw new SourceError('ERR_CONFIG', `the generator source makes events of catalogued datasets only; "${options.dataset}" is not one`);
    }
    if (!(options.rate >= 0) || !Number.isFinite(options.rate)) {
      throw new SourceError('ERR_CONFIG', `generator rate must be a finite number >= 0 (records per second, 0 = as fast as possible), got ${options.rate}`);
    }
    this.#options = options;
    const common = {
      seed: options.seed,
      ...(options.tenants ? { tenants: options.tenants } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    };
    this.#generator = options.dataset === 'http_requests'
      ? createHttpRequestsGenerator(common)
      : createCatalogGenerator({ ...common, dataset: options.dataset });
    this.#now = options.now ?? (() => performance.now());
  }

  async run(sink: RecordSink, partitions: PartitionRegistry): Promise<void> {
    const partition = partitions.open(GENERATOR_PARTITION, this.#options.dataset, 0);
    this.#watch.track(partition);
    try {
      await this.#produce(sink, partition);
    } catch (error) {
      this.#watch.fail(error);
      throw error;
    } finally {
      this.#watch.end();
    }
  }

  async #produce(sink: RecordSink, partition: PartitionHandle): Promise<void> {
    const { rate } = this.#options;
    const limit = this.#options.records ?? Infinity;
    // One reusable encode buffer: the sink copies `value` before push returns.
    let scratch = Buffer.allocUnsafe(64 * 1024);
    const startedAt = this.#now();
    let sent = 0;
    while (!this.#stop.stopped && sent < limit) {
      const n = sliceSize(this.#now() - startedAt, sent, rate, limit);
      if (n === 0) {
        await this.#stop.sleep(TICK_MS);
        continue;
      }
      for (let i = 0; i < n; i++) {
        const event = this.#generator.next();
        if (event.json.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(event.json.length * 3);
        const length = scratch.write(event.json, 0);
        const more = sink.push(partition, sent, event.tenant, scratch.subarray(0, length));
        sent++;
        this.#watch.setPushed(sent);
        if (!more) {
          await this.#stop.drain(sink);
          break;
        }
      }
      await nextTurn();
    }
  }

  committable(partition: PartitionHandle, offset: number): void {
    this.#watch.committable(partition, offset);
  }

  /** Resolves once every pushed record is delivered after the run ended (`records` reached or stop()). */
  whenDelivered(): Promise<void> {
    return this.#watch.whenDelivered();
  }

  stop(): void {
    this.#stop.stop();
  }
}
