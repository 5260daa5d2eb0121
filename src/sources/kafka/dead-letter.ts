// Poison records (not JSON, oversized, wrong field type for a job's filter) copied to the
// configured dead-letter topic, with what was wrong in headers, before they are acknowledged.
// The key is the tenant, so a tenant's poison stays together on one partition.

import type { DeadLetterSink, PoisonRecord } from '../source.ts';

/** The part of a kafkajs producer this needs (a seam for tests). */
export interface DeadLetterProducerPort {
  connect(): Promise<void>;
  send(topic: string, messages: Array<{ key: string | null; value: Buffer; headers: Record<string, string> }>): Promise<void>;
  disconnect(): Promise<void>;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'sluice-error-reason',
  message: 'sluice-error',
  source: 'sluice-source',
  offset: 'sluice-source-offset',
  job: 'sluice-job-id',
} as const;

export class KafkaDeadLetter implements DeadLetterSink {
  readonly topic: string;
  readonly #producer: DeadLetterProducerPort;
  #connected: Promise<void> | null = null;

  constructor(topic: string, producer: DeadLetterProducerPort) {
    this.topic = topic;
    this.#producer = producer;
  }

  async deadLetter(records: PoisonRecord[]): Promise<void> {
    this.#connected ??= this.#producer.connect().catch((error: unknown) => {
      this.#connected = null; // try connecting again on the next attempt
      throw error;
    });
    await this.#connected;
    await this.#producer.send(
      this.topic,
      records.map((r) => ({
        key: r.tenant === '' ? null : r.tenant,
        value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
        headers: {
          [DEAD_LETTER_HEADERS.reason]: r.reason,
          [DEAD_LETTER_HEADERS.message]: r.message,
          [DEAD_LETTER_HEADERS.source]: r.partition.name,
          [DEAD_LETTER_HEADERS.offset]: String(r.offset),
          ...(r.jobId !== null ? { [DEAD_LETTER_HEADERS.job]: String(r.jobId) } : {}),
        },
      })),
    );
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#producer.disconnect().catch(() => {});
    this.#connected = null;
  }
}
