// Smoke test of the real broker (scripts/kafka.sh) and of kafkajs 2.2.4 against it: admin,
// gzip produce, a consumer group (join/sync/heartbeat/fetch/commit), ListOffsets and
// OffsetFetch. If kafkajs cannot speak the broker's protocol versions, this file fails first.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CompressionTypes, createTopic, deleteTopic, ensureKafka, kafkaClient, produce, topicHighWatermarks, uniqueTopic } from './kafka.ts';

const MESSAGES = 1000;
const PARTITIONS = 3;
const CONSUME_DEADLINE_MS = 60_000;

before(async () => {
  await ensureKafka();
});

describe('test Kafka broker', () => {
  it('round-trips 1000 gzip records through a consumer group and commits every offset', async () => {
    const topic = uniqueTopic('smoke');
    const groupId = uniqueTopic('smoke-group');
    await createTopic(topic, PARTITIONS);

    const values = Array.from({ length: MESSAGES }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) }));
    assert.equal(await produce(topic, values, { compression: CompressionTypes.GZIP }), MESSAGES);

    // ListOffsets: the records landed, spread over more than one partition by key.
    const high = await topicHighWatermarks(topic);
    assert.equal(high.size, PARTITIONS);
    const total = [...high.values()].reduce((a, b) => a + b, 0n);
    assert.equal(total, BigInt(MESSAGES));
    assert.ok([...high.values()].filter((h) => h > 0n).length > 1, 'keys should spread over partitions');

    const kafka = kafkaClient('sluice-smoke');
    const consumer = kafka.consumer({ groupId });
    const seen = new Map<number, number>(); // i -> times received
    const wrongKeys: string[] = []; // asserted after the run: a throw inside eachBatch would only make kafkajs retry
    let resolveAll!: () => void;
    const allSeen = new Promise<void>((resolve) => (resolveAll = resolve));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const { i } = JSON.parse(message.value!.toString()) as { i: number };
            if (message.key?.toString() !== `k${i}`) wrongKeys.push(`${i}:${message.key?.toString()}`);
            seen.set(i, (seen.get(i) ?? 0) + 1);
          }
          // Commit the offset *after* the batch's last record, as sluice's source will.
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
          if (seen.size === MESSAGES) resolveAll();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`consumed ${seen.size}/${MESSAGES} within ${CONSUME_DEADLINE_MS} ms`)), CONSUME_DEADLINE_MS);
      });
      try {
        await Promise.race([allSeen, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
    }

    assert.deepEqual(wrongKeys, []);
    assert.equal(seen.size, MESSAGES);
    for (let i = 0; i < MESSAGES; i++) assert.equal(seen.get(i), 1, `record ${i} received once`);

    // OffsetFetch: the group's committed offset on every partition is its high watermark.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      assert.equal(committed?.topic, topic);
      const byPartition = new Map(committed!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
      assert.deepEqual(byPartition, high);
    } finally {
      await admin.disconnect();
    }
    await deleteTopic(topic);
  });

  it('does not auto-create topics: metadata for an unknown one fails with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const missing = uniqueTopic('never-created');
    const admin = kafkaClient('sluice-smoke-admin').admin();
    await admin.connect();
    try {
      await assert.rejects(admin.fetchTopicMetadata({ topics: [missing] }), (error: Error & { type?: string }) => {
        assert.equal(error.type, 'UNKNOWN_TOPIC_OR_PARTITION');
        return true;
      });
      assert.equal((await admin.listTopics()).includes(missing), false);
    } finally {
      await admin.disconnect();
    }
  });

  it('createTopic refuses an existing name and deleteTopic removes it', async () => {
    const topic = uniqueTopic('lifecycle');
    await createTopic(topic, 1);
    await assert.rejects(createTopic(topic, 1), /already exists/);
    await deleteTopic(topic);
    const admin = kafkaClient('sluice-smoke-admin').admin();
    await admin.connect();
    try {
      assert.equal((await admin.listTopics()).includes(topic), false);
    } finally {
      await admin.disconnect();
    }
  });
});
