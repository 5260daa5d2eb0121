// Datadog logs intake (POST /api/v2/logs): a JSON array of log objects, one per output record
// line, each `{"message": <line>, "ddsource", "service", "hostname", "ddtags"}` (fields from
// the conf's query; absent ones are left out). The intake accepts at most 1000 entries and
// 5 MB (uncompressed) per request, so a batch becomes as many payloads as needed.
//
// The batch's lines come from line-payloads.ts (one chunk decompressed at a time).

import type { Compression } from '../../jobs/types.ts';
import type { DatadogFields } from './http-conf.ts';
import { batchLines } from './line-payloads.ts';

export interface DatadogLimits {
  maxEntries: number;
  maxPayloadBytes: number;
}

export const DATADOG_LIMITS: DatadogLimits = { maxEntries: 1000, maxPayloadBytes: 5_000_000 };

/** Accumulates entries; hands back a finished JSON array whenever the next entry would not fit. */
export class DatadogPayloadBuilder {
  readonly #suffix: string;
  readonly #limits: DatadogLimits;
  #entries: string[] = [];
  #bytes = 2; // "[" and "]"

  constructor(fields: DatadogFields, limits: DatadogLimits = DATADOG_LIMITS) {
    // The fixed part of every entry is serialised once per batch, not once per line.
    let suffix = '';
    if (fields.ddsource !== null) suffix += `,"ddsource":${JSON.stringify(fields.ddsource)}`;
    if (fields.service !== null) suffix += `,"service":${JSON.stringify(fields.service)}`;
    if (fields.hostname !== null) suffix += `,"hostname":${JSON.stringify(fields.hostname)}`;
    if (fields.ddtags !== null) suffix += `,"ddtags":${JSON.stringify(fields.ddtags)}`;
    this.#suffix = `${suffix}}`;
    this.#limits = limits;
  }

  /** Adds one log line. Returns the previous payload if this entry started a new one, else null. */
  add(line: string): string | null {
    const entry = `{"message":${JSON.stringify(line)}${this.#suffix}`;
    const bytes = Buffer.byteLength(entry) + 1; // + the comma
    let done: string | null = null;
    const full = this.#entries.length >= this.#limits.maxEntries || this.#bytes + bytes > this.#limits.maxPayloadBytes;
    if (this.#entries.length > 0 && full) done = this.finish();
    this.#entries.push(entry);
    this.#bytes += bytes;
    return done;
  }

  /** The payload being built, or null if it is empty. */
  finish(): string | null {
    if (this.#entries.length === 0) return null;
    const payload = `[${this.#entries.join(',')}]`;
    this.#entries = [];
    this.#bytes = 2;
    return payload;
  }
}

/** JSON array payloads (uncompressed text) for one batch, in order. */
export async function* datadogPayloads(chunks: AsyncIterable<Uint8Array>, compression: Compression, fields: DatadogFields, limits: DatadogLimits = DATADOG_LIMITS): AsyncGenerator<string> {
  const builder = new DatadogPayloadBuilder(fields, limits);
  for await (const lines of batchLines(chunks, compression)) {
    for (const line of lines) {
      const done = builder.add(line);
      if (done !== null) yield done;
    }
  }
  const last = builder.finish();
  if (last !== null) yield last;
}
