// Poison records (not JSON, oversized, wrong field type for a job's filter) copied to the
// configured dead-letter topic, with what was wrong in headers, before they are acknowledged.
// The key is the tenant, so a tenant's poison stays together on one partition.
//
// Every write fits the topic's real limit. The broker rejects a record batch larger than the
// topic's max.message.bytes (1 MB by default) and kafkajs puts all of one send's records for a
// partition into one batch, so a burst of 50,000 small poison records, or one 10 MB record,
// was refused forever and held its partition's offsets back (issue 10). The limit is read
// from the broker at startup (describeConfigs: the topic's max.message.bytes, else the
// broker's message.max.bytes); a send holds at most that many bytes of encoded records,
// counted as if every record landed on one partition, so no partition's batch can exceed it.
//
// A record that cannot fit one message even alone is written as a truncated copy (its first
// bytes, as many as fit) with the header `sluice-truncated: <original bytes>`, not put in the
// local quarantine folder: the dead-letter topic stays the one place an operator (or a tool
// consuming it) finds every poison record of every instance, with the reason and the source
// position in its headers; the full record is still in the source topic at that position for
// as long as the topic keeps it; and a stream of huge records cannot fill one instance's disk.

import type { DeadLetterSink, PoisonRecord } from '../../core/source.ts';

export interface DeadLetterMessage {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** The part of a kafkajs producer this needs (a seam for tests). */
export interface DeadLetterProducerPort {
  connect(): Promise<void>;
  send(topic: string, messages: DeadLetterMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'sluice-error-reason',
  message: 'sluice-error',
  source: 'sluice-source',
  offset: 'sluice-source-offset',
  job: 'sluice-job-id',
  /** Set on a copy cut short to fit the topic's max.message.bytes: the original size in bytes. */
  truncated: 'sluice-truncated',
} as const;

/** What the broker accepts, as read at startup. */
export interface MessageLimits {
  /** Largest record batch the topic accepts (topic max.message.bytes, else broker message.max.bytes). */
  maxMessageBytes: number;
  /** Largest request the broker reads (socket.request.max.bytes). */
  maxRequestBytes: number;
  /** Where maxMessageBytes came from. */
  from: 'topic' | 'broker' | 'default';
}

/** Kafka's defaults (message.max.bytes 1048588, socket.request.max.bytes 100 MiB), used when the broker cannot be asked. */
export const DEFAULT_MESSAGE_LIMITS: MessageLimits = { maxMessageBytes: 1_048_588, maxRequestBytes: 104_857_600, from: 'default' };

/** A v2 record batch header: base offset, length, leader epoch, magic, CRC, attributes, … record count. */
const BATCH_HEADER_BYTES = 61;
/** Room in a produce request for its own header, client id, topic name and per-partition framing. */
const REQUEST_HEADER_BYTES = 64 * 1024;
/** Per record, the most the fixed fields take: length varint 5, attributes 1, timestamp delta varlong 10, offset delta varint 5. */
const RECORD_FIXED_BYTES = 21;

/** Bytes of encoded records one send may carry so that its batch and its request both fit. */
export function sendBudget(limits: MessageLimits): number {
  return Math.min(limits.maxMessageBytes - BATCH_HEADER_BYTES, limits.maxRequestBytes - REQUEST_HEADER_BYTES);
}

/** Size of a zigzag varint holding `n` (Kafka's record fields use them). */
function varintBytes(n: number): number {
  let zigzag = n >= 0 ? n * 2 : -n * 2 - 1;
  let bytes = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    bytes++;
  }
  return bytes;
}

function fieldBytes(length: number | null): number {
  return length === null ? varintBytes(-1) : varintBytes(length) + length;
}

/** An upper bound of the encoded size of one message as a v2 record (kafkajs: recordBatch/record/v0). */
export function encodedRecordBytes(message: DeadLetterMessage): number {
  return recordBytesWith(message, message.value.length);
}

function recordBytesWith(message: DeadLetterMessage, valueBytes: number): number {
  let size = RECORD_FIXED_BYTES + fieldBytes(message.key === null ? null : Buffer.byteLength(message.key)) + fieldBytes(valueBytes);
  const names = Object.keys(message.headers);
  size += varintBytes(names.length);
  for (const name of names) size += fieldBytes(Buffer.byteLength(name)) + fieldBytes(Buffer.byteLength(message.headers[name]!));
  return size;
}

/** A message too large for any send even when its value is empty (its key and headers alone). */
export class DeadLetterTooLargeError extends Error {
  readonly code = 'ERR_DEAD_LETTER_TOO_LARGE';
}

/**
 * The message itself when it fits `budget`, else a copy whose value is cut to the bytes that
 * fit, with the `sluice-truncated` header holding the original size.
 */
export function fitMessage(message: DeadLetterMessage, budget: number): { message: DeadLetterMessage; truncated: boolean } {
  if (encodedRecordBytes(message) <= budget) return { message, truncated: false };
  const headers = { ...message.headers, [DEAD_LETTER_HEADERS.truncated]: String(message.value.length) };
  const cut = { key: message.key, value: message.value, headers };
  // The value's length varint is at most 5 bytes; count it at that, then keep what is left.
  const fixed = recordBytesWith(cut, 0) - varintBytes(0) + 5;
  const keep = budget - fixed;
  if (keep < 0) throw new DeadLetterTooLargeError(`a dead-letter record's key and headers alone (${fixed} bytes) exceed the topic's limit (${budget} bytes of records per message)`);
  return { message: { key: message.key, value: message.value.subarray(0, keep), headers }, truncated: true };
}

export interface PlannedSend {
  messages: DeadLetterMessage[];
  /** How many of them are truncated copies. */
  truncated: number;
  /** Upper bound of the encoded records' size. */
  bytes: number;
}

/** Cuts the messages, in order, into sends of at most `budget` bytes of encoded records each. */
export function planSends(messages: readonly DeadLetterMessage[], budget: number): PlannedSend[] {
  const sends: PlannedSend[] = [];
  let current: PlannedSend = { messages: [], truncated: 0, bytes: 0 };
  for (const original of messages) {
    const { message, truncated } = fitMessage(original, budget);
    const bytes = encodedRecordBytes(message);
    if (current.bytes + bytes > budget && current.messages.length > 0) {
      sends.push(current);
      current = { messages: [], truncated: 0, bytes: 0 };
    }
    current.messages.push(message);
    current.bytes += bytes;
    if (truncated) current.truncated++;
  }
  if (current.messages.length > 0) sends.push(current);
  return sends;
}

/** Kafka error types that mean "this send is larger than the broker takes": the limits are read again. */
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

export class KafkaDeadLetter implements DeadLetterSink {
  readonly topic: string;
  readonly #producer: DeadLetterProducerPort;
  readonly #describeLimits: (() => Promise<MessageLimits>) | null;
  #limits: MessageLimits = DEFAULT_MESSAGE_LIMITS;
  #connected: Promise<void> | null = null;

  constructor(topic: string, producer: DeadLetterProducerPort, describeLimits: (() => Promise<MessageLimits>) | null = null) {
    this.topic = topic;
    this.#producer = producer;
    this.#describeLimits = describeLimits;
  }

  get name(): string {
    return `Kafka topic ${this.topic}`;
  }

  get limits(): MessageLimits {
    return this.#limits;
  }

  /** Reads the topic's limits from the broker (at startup, and again after a send was too large). */
  async loadLimits(): Promise<MessageLimits> {
    if (this.#describeLimits) this.#limits = await this.#describeLimits();
    return this.#limits;
  }

  async deadLetter(records: readonly PoisonRecord[], stored: (records: number, truncated: number) => void): Promise<void> {
    this.#connected ??= this.#producer.connect().catch((error: unknown) => {
      this.#connected = null; // try connecting again on the next attempt
      throw error;
    });
    await this.#connected;
    for (const send of planSends(records.map(toMessage), sendBudget(this.#limits))) {
      try {
        await this.#producer.send(this.topic, send.messages);
      } catch (error) {
        if (TOO_LARGE_TYPES.has((error as { type?: string }).type ?? '')) await this.loadLimits().catch(() => {});
        throw error;
      }
      stored(send.messages.length, send.truncated);
    }
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#producer.disconnect().catch(() => {});
    this.#connected = null;
  }
}

function toMessage(r: PoisonRecord): DeadLetterMessage {
  return {
    key: r.tenant === '' ? null : r.tenant,
    value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    headers: {
      [DEAD_LETTER_HEADERS.reason]: r.reason,
      [DEAD_LETTER_HEADERS.message]: r.message,
      [DEAD_LETTER_HEADERS.source]: r.partition.name,
      [DEAD_LETTER_HEADERS.offset]: String(r.offset),
      ...(r.jobId !== null ? { [DEAD_LETTER_HEADERS.job]: String(r.jobId) } : {}),
    },
  };
}
