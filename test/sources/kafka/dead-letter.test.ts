// Dead-letter sends fit the topic's limit (issue 10): every send, encoded as the record batch
// kafkajs really puts on the wire (its own encoder, not our size estimate), is at most the
// topic's max.message.bytes; a record too large for any message becomes a truncated copy with
// its original size in a header; a failed send reports the records stored before it.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  DEAD_LETTER_HEADERS,
  DeadLetterTooLargeError,
  KafkaDeadLetter,
  encodedRecordBytes,
  fitMessage,
  planSends,
  sendBudget,
  type DeadLetterMessage,
  type DeadLetterProducerPort,
  type MessageLimits,
} from '../../../src/sources/kafka/dead-letter.ts';
import type { PartitionHandle, PoisonRecord } from '../../../src/core/source.ts';

const require = createRequire(import.meta.url);
type Encoded = { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (batch: { records: unknown[] }) => Promise<Encoded> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: { offsetDelta: number; timestampDelta: number; key: string | null; value: Buffer; headers: Record<string, string> }) => unknown;

/** The bytes the broker compares with max.message.bytes: the whole record batch as kafkajs encodes it. */
async function wireBytes(messages: readonly DeadLetterMessage[]): Promise<number> {
  // A timestamp delta far larger than one send ever spans (kafkajs stamps each message at send time).
  const records = messages.map((m, i) => Record({ offsetDelta: i, timestampDelta: 3_600_000 + i, key: m.key, value: m.value, headers: m.headers }));
  return (await RecordBatch({ records })).buffer.length;
}

const ONE_MB: MessageLimits = { maxMessageBytes: 1_048_588, maxRequestBytes: 104_857_600, from: 'topic' };

function message(value: Buffer | string, i = 0): DeadLetterMessage {
  return {
    key: '023e105f4ecef8ad9ca31a8372d0c353',
    value: Buffer.isBuffer(value) ? value : Buffer.from(value),
    headers: { [DEAD_LETTER_HEADERS.reason]: 'invalid_json', [DEAD_LETTER_HEADERS.message]: 'not a JSON object', [DEAD_LETTER_HEADERS.source]: 'http_requests/3', [DEAD_LETTER_HEADERS.offset]: String(1_000_000 + i), [DEAD_LETTER_HEADERS.job]: '7' },
  };
}

describe('planSends', () => {
  it('cuts 30,000 small records into sends whose encoded batches each fit max.message.bytes, in order', async () => {
    const messages = Array.from({ length: 30_000 }, (_, i) => message(`this is not json ${i} ${'z'.repeat(i % 97)}`, i));
    const budget = sendBudget(ONE_MB);
    const sends = planSends(messages, budget);
    assert.ok(sends.length >= 4, `only ${sends.length} sends`);
    assert.deepEqual(sends.flatMap((s) => s.messages), messages);
    for (const send of sends) {
      const bytes = await wireBytes(send.messages);
      assert.ok(bytes <= ONE_MB.maxMessageBytes, `a send of ${send.messages.length} records is ${bytes} bytes on the wire`);
      // Not needlessly small either: each send but the last is filled to within one record of the limit.
      assert.equal(send.truncated, 0);
    }
    for (const send of sends.slice(0, -1)) assert.ok(send.bytes > budget - 400, `a send left ${budget - send.bytes} bytes unused`);
  });

  it('estimates no record smaller than kafkajs encodes it', async () => {
    for (const size of [0, 1, 63, 64, 127, 128, 8191, 8192, 16_383, 16_384, 2_097_151, 2_097_152]) {
      const m = message(Buffer.alloc(size, 0x61));
      // One record alone in a batch: batch header 61 bytes.
      assert.ok(encodedRecordBytes(m) + 61 >= (await wireBytes([m])), `value of ${size} bytes`);
    }
    const nullKey = { ...message('x'), key: null };
    assert.ok(encodedRecordBytes(nullKey) + 61 >= (await wireBytes([nullKey])));
  });

  it('writes a record too large for any message as a truncated copy with its original size', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x62);
    big.write('{"RayID":"big"', 0);
    const small = message('not json either', 2);
    const sends = planSends([message('not json', 0), message(big, 1), small], sendBudget(ONE_MB));
    const all = sends.flatMap((s) => s.messages);
    assert.equal(all.length, 3);
    assert.equal(sends.reduce((n, s) => n + s.truncated, 0), 1);
    const copy = all[1]!;
    assert.equal(copy.headers[DEAD_LETTER_HEADERS.truncated], String(big.length));
    assert.equal(copy.headers[DEAD_LETTER_HEADERS.offset], '1000001');
    assert.ok(copy.value.length > 1_000_000, `kept only ${copy.value.length} bytes`);
    assert.ok(big.subarray(0, copy.value.length).equals(copy.value), 'the copy is the head of the record');
    for (const send of sends) assert.ok((await wireBytes(send.messages)) <= ONE_MB.maxMessageBytes);
    assert.equal(all[0]!.headers[DEAD_LETTER_HEADERS.truncated], undefined);
    assert.equal(all[2], small, 'a record that fits is sent as it is');
  });

  it('follows a smaller limit, and the request size when it is the tighter one', async () => {
    const limits: MessageLimits = { maxMessageBytes: 2000, maxRequestBytes: 104_857_600, from: 'topic' };
    const sends = planSends(Array.from({ length: 500 }, (_, i) => message(`bad ${i}`, i)).concat([message(Buffer.alloc(5000, 0x63), 500)]), sendBudget(limits));
    for (const send of sends) assert.ok((await wireBytes(send.messages)) <= 2000);
    assert.equal(sendBudget({ maxMessageBytes: 200 * 1024 * 1024, maxRequestBytes: 100 * 1024 * 1024, from: 'broker' }) < 100 * 1024 * 1024, true);
  });

  it('refuses a record whose key and headers alone exceed the limit', () => {
    assert.throws(() => fitMessage(message('x'), 100), DeadLetterTooLargeError);
  });
});

describe('KafkaDeadLetter', () => {
  const partition = { name: 'http_requests/0' } as PartitionHandle;
  const poison = (i: number, bytes = 30): PoisonRecord => ({ partition, offset: i, tenant: 'zone', value: Buffer.alloc(bytes, 0x61), reason: 'invalid_json', message: 'bad', jobId: 1 });

  class Producer implements DeadLetterProducerPort {
    sends: DeadLetterMessage[][] = [];
    failAt = -1;
    failType = '';
    async connect() {}
    async disconnect() {}
    async send(_topic: string, messages: DeadLetterMessage[]) {
      if (this.sends.length === this.failAt) {
        this.failAt = -1;
        throw Object.assign(new Error('broker said no'), { type: this.failType });
      }
      this.sends.push(messages);
    }
  }

  it('reports each send as it is stored, and stops at the first failed one', async () => {
    const producer = new Producer();
    const sink = new KafkaDeadLetter('dead', producer, async () => ({ maxMessageBytes: 4000, maxRequestBytes: 1_000_000, from: 'topic' }));
    await sink.loadLimits();
    producer.failAt = 2;
    const stored: Array<[number, number]> = [];
    const records = [...Array.from({ length: 200 }, (_, i) => poison(i)), poison(200, 10_000)];
    await assert.rejects(sink.deadLetter(records, (n, t) => stored.push([n, t])), /broker said no/);
    assert.equal(stored.length, 2);
    assert.equal(stored.reduce((n, [c]) => n + c, 0), producer.sends.flat().length);
    // Resumed from the first record not stored: nothing twice, everything once.
    const rest = records.slice(stored.reduce((n, [c]) => n + c, 0));
    await sink.deadLetter(rest, (n, t) => stored.push([n, t]));
    assert.deepEqual(producer.sends.flat().map((m) => m.headers[DEAD_LETTER_HEADERS.offset]), records.map((r) => String(r.offset)));
    assert.equal(stored.reduce((n, [, t]) => n + t, 0), 1);
    for (const send of producer.sends) assert.ok((await wireBytes(send)) <= 4000);
  });

  it('reads the limits again after the broker called a send too large', async () => {
    const producer = new Producer();
    let limit = 1_048_588;
    const sink = new KafkaDeadLetter('dead', producer, async () => ({ maxMessageBytes: limit, maxRequestBytes: 104_857_600, from: 'topic' }));
    await sink.loadLimits();
    limit = 3000; // the topic was altered
    producer.failAt = 0;
    producer.failType = 'MESSAGE_TOO_LARGE';
    await assert.rejects(sink.deadLetter([poison(0)], () => {}));
    assert.equal(sink.limits.maxMessageBytes, 3000);
  });
});
