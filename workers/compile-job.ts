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

/**
 * The cache key of a job's compiled form: exactly what compileJob reads of a job, besides its id
 * and version (which only name it in error messages). Jobs equal in these compile to the same
 * thing, so one worker keeps one CompiledJob for all of them: tenants that chose the same
 * dataset, fields, filter and compression share it (processBatch runs one batch at a time, and
 * a compiled job's mutable state, the reused ScannedRecord and the learned key order, holds no
 * record data past a batch). test/workers/compile-job.test.ts checks that compileJob reads no
 * other property of a job, so a new compile input cannot be left out of the key.
 */
export function jobKey(job: Job): string {
  return JSON.stringify([job.dataset, job.compression, job.filter, job.output_options]);
}

/**
 * Heap bytes a compiled job holds, estimated from what it tracks. Measured with a forced GC over
 * 500 compiled http_requests jobs: 6.2-6.8 KB with one field, +0.2 (CSV) to +0.9 KB (NDJSON) a
 * field, and +16.4 KB once it had learned the 47 top-level keys of the records (~350 B a key).
 * Rounded up, so the estimate errs high (by ~15% for those jobs).
 */
export function compiledJobBytes(compiled: CompiledJob): number {
  return 6 * 1024 + compiled.scanner.slotCount * 1024 + compiled.scanner.learnedKeys * 384;
}

/**
 * The compiled jobs one worker keeps, least recently used evicted first, bounded by their
 * estimated size rather than by a count: a job compiled again costs a compile (~70-120 µs) and
 * about as much again in garbage and colder code for each batch, which at 1,000 jobs round-robin
 * was most tasks when the cache held 256 jobs. A Map iterates in insertion order, so
 * re-inserting on a hit keeps the least recently used entry first, where eviction takes it.
 */
export class CompiledJobCache {
  readonly #maxBytes: number;
  #bytes = 0;
  readonly #entries = new Map<string, { compiled: CompiledJob; bytes: number }>();

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes of the jobs held (compiledJobBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  get(job: Job): CompiledJob {
    const key = jobKey(job);
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.compiled;
    }
    const compiled = compileJob(job);
    const bytes = compiledJobBytes(compiled);
    this.#entries.set(key, { compiled, bytes });
    this.#bytes += bytes;
    this.#evict();
    return compiled;
  }

  /** Measures a job again after it ran: it learns its records' keys as it goes, and grows. */
  update(compiled: CompiledJob): void {
    const entry = this.#entries.get(compiled.key);
    if (entry === undefined || entry.compiled !== compiled) return;
    const bytes = compiledJobBytes(compiled);
    this.#bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    this.#evict();
  }

  /** Down to the limit, oldest first; the most recent job stays even if it alone is larger. */
  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes || this.#entries.size === 1) return;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}
