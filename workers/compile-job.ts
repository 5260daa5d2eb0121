// Compiles a Job into everything a worker needs to process its batches, once per job version.
//
// One FieldScanner tracks the union of the fields the encoder writes, the filter reads and the
// event time comes from, so each record is walked exactly once. Features a job does not use are
// replaced at compile time by constants (keep-all filter, keep-all sampler, no event-time read),
// so the per-record loop has no configuration branches.

import { eventTimeField, getCatalog, timestampFields } from '../src/datasets/catalog.ts';
import type { Job } from '../src/jobs/types.ts';
import { getCodec } from './codecs/registry.ts';
import type { Codec } from './codecs/codec.ts';
import { compileEncoder, encoderFields, type RecordEncoder } from './encode.ts';
import { compileFilter, filterFields, FilterVerdict, type CompiledFilter } from './filter.ts';
import { JobCompileError } from './job-compile-error.ts';
import { compileSampler, type SamplerFactory } from './sample.ts';
import { createFieldScanner, createScannedRecord, type FieldScanner } from './scan.ts';
import type { ScannedRecord } from './scanned-record.ts';

export interface CompiledJob {
  readonly key: string;
  readonly scanner: FieldScanner;
  /** The one ScannedRecord this job's batches reuse for every record. */
  readonly record: ScannedRecord;
  readonly filter: CompiledFilter;
  readonly sampler: SamplerFactory;
  readonly encoder: RecordEncoder;
  readonly codec: Codec;
  /** Scanner slot of the event-time field, or -1 when the dataset has none. */
  readonly eventTimeSlot: number;
}

const KEEP_ALL: CompiledFilter = { test: () => FilterVerdict.KEEP };

export function compileJob(job: Job): CompiledJob {
  const catalog = getCatalog(job.dataset);
  if (catalog === undefined) throw new JobCompileError(`job ${job.id}: unknown dataset ${JSON.stringify(job.dataset)}`);
  try {
    const eventField = eventTimeField(job.dataset);
    const where = job.filter?.where ?? null;
    const scanner = createFieldScanner([
      ...encoderFields(job.output_options),
      ...(where === null ? [] : filterFields(where)),
      ...(eventField === null ? [] : [eventField]),
    ]);
    const slotOf = (field: string): number => scanner.slotOf(field);
    return {
      key: jobKey(job),
      scanner,
      record: createScannedRecord(scanner.slotCount),
      filter: where === null ? KEEP_ALL : compileFilter(where, slotOf),
      sampler: compileSampler(job.output_options.sample_rate),
      encoder: compileEncoder(job.output_options, slotOf, timestampFields(job.dataset)),
      codec: getCodec(job.compression),
      eventTimeSlot: eventField === null ? -1 : scanner.slotOf(eventField),
    };
  } catch (cause) {
    if (cause instanceof JobCompileError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new JobCompileError(`job ${job.id} version ${job.version}: ${reason}`, { cause });
  }
}

export function jobKey(job: Job): string {
  return `${job.id}:${job.version}`;
}

/**
 * A bounded LRU of compiled jobs, one per worker. A Map iterates in insertion order, so
 * re-inserting on a hit keeps the least recently used entry first, where eviction takes it.
 */
export class CompiledJobCache {
  readonly #capacity: number;
  readonly #entries = new Map<string, CompiledJob>();

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(job: Job): CompiledJob {
    const key = jobKey(job);
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const compiled = compileJob(job);
    this.#entries.set(key, compiled);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return compiled;
  }
}
