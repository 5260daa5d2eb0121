// memory.limit_mb: the defaults it gives (memory-plan.ts) and how load.ts applies them, with a
// setting the config gives explicitly winning over its share.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import { planMemory } from '../../src/config/memory-plan.ts';
import type { KafkaSourceConfig } from '../../src/config/schema.ts';

const MIB = 1024 * 1024;

describe('planMemory', () => {
  it('splits the default 512 MiB: a quarter for batches, capped worker heaps, 10 MiB fetches', () => {
    const plan = planMemory(512, 2);
    assert.equal(plan.limitBytes, 512 * MIB);
    assert.equal(plan.inFlightBytes, 128 * MIB);
    assert.deepEqual(plan.workerHeap, { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 24 });
    assert.equal(plan.kafkaMaxBytes, 10 * MIB);
    assert.equal(plan.kafkaMaxBytesPerPartition, MIB);
  });

  it('gives a large limit larger batches and worker heaps, but no larger fetches than kafkajs\'s defaults', () => {
    const plan = planMemory(8192, 4);
    assert.equal(plan.inFlightBytes, 2048 * MIB);
    assert.deepEqual(plan.workerHeap, { maxOldGenerationSizeMb: 512 - 24, maxYoungGenerationSizeMb: 24 });
    assert.equal(plan.kafkaMaxBytes, 10 * MIB);
    assert.equal(plan.kafkaMaxBytesPerPartition, MIB);
  });

  it('shrinks the fetches with a small limit, and keeps each worker\'s heap at its minimum', () => {
    const plan = planMemory(64, 8);
    assert.equal(plan.inFlightBytes, 16 * MIB);
    assert.deepEqual(plan.workerHeap, { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 24 });
    assert.equal(plan.kafkaMaxBytes, 2 * MIB);
    assert.equal(plan.kafkaMaxBytesPerPartition, 512 * 1024);
  });

  it('0 = no limit: today\'s fixed defaults and V8\'s heap sizes', () => {
    assert.deepEqual(planMemory(0, 2), { limitBytes: 0, inFlightBytes: 256 * MIB, workerHeap: null, kafkaMaxBytes: 10 * MIB, kafkaMaxBytesPerPartition: MIB });
  });
});

function kafka(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'kafka', brokers: ['127.0.0.1:39092'], group_id: 'g', topics: [{ topic: 't', dataset: 'http_requests', tenant_from: { key: true } }], ...overrides };
}

describe('memory.limit_mb in the config', () => {
  it('is off by default: the fixed defaults, no RSS check', () => {
    const config = parseConfig({ sources: [kafka()], pipeline: { workers: 2 } }, 'test', {});
    assert.equal(config.memory.limit_mb, 0);
    assert.equal(config.memory.worker_heap, null);
    assert.equal(config.pipeline.in_flight_bytes, 256 * MIB);
    const source = config.sources[0] as KafkaSourceConfig;
    assert.equal(source.max_bytes, 10 * MIB);
    assert.equal(source.max_bytes_per_partition, MIB);
  });

  it('at 512 sets in_flight_bytes, the worker heaps and the fetch sizes from it', () => {
    const config = parseConfig({ sources: [kafka()], memory: { limit_mb: 512 }, pipeline: { workers: 2 } }, 'test', {});
    assert.equal(config.memory.limit_mb, 512);
    assert.deepEqual(config.memory.worker_heap, { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 24 });
    assert.equal(config.pipeline.in_flight_bytes, 128 * MIB);
    const source = config.sources[0] as KafkaSourceConfig;
    assert.equal(source.max_bytes, 10 * MIB);
    assert.equal(source.max_bytes_per_partition, MIB);
  });

  it('a setting given explicitly wins over its share', () => {
    const config = parseConfig({ sources: [kafka({ max_bytes: 4 * MIB, max_bytes_per_partition: 65536 })], memory: { limit_mb: 256 }, pipeline: { workers: 2, in_flight_bytes: 1000 } }, 'test', {});
    assert.equal(config.pipeline.in_flight_bytes, 1000);
    const source = config.sources[0] as KafkaSourceConfig;
    assert.equal(source.max_bytes, 4 * MIB);
    assert.equal(source.max_bytes_per_partition, 65536);
  });

  it('a fetch size given explicitly sets the per-partition default that goes with it', () => {
    const config = parseConfig({ sources: [kafka({ max_bytes: 2 * MIB })] }, 'test', {});
    assert.equal((config.sources[0] as KafkaSourceConfig).max_bytes_per_partition, 512 * 1024);
  });

  it('0 turns the limit off', () => {
    const config = parseConfig({ sources: [kafka()], memory: { limit_mb: 0 } }, 'test', {});
    assert.equal(config.memory.limit_mb, 0);
    assert.equal(config.memory.worker_heap, null);
    assert.equal(config.pipeline.in_flight_bytes, 256 * MIB);
  });

  it('refuses a negative or fractional limit, and unknown keys, at their paths', () => {
    for (const memory of [{ limit_mb: -1 }, { limit_mb: 1.5 }, { limit: 512 }]) {
      assert.throws(() => parseConfig({ sources: [kafka()], memory }, 'test', {}), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.problems.some((p) => p.path.startsWith('$.memory')), JSON.stringify(error.problems));
        return true;
      });
    }
  });
});
