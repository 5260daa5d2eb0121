// A short real run: the real broker, sluice as a child process, a file:// destination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_TENANTS } from '../../src/generator/http-requests.ts';
import { runLoadgen } from '../../loadgen/run.ts';
import { deleteTopic, ensureKafka, uniqueTopic } from '../helpers/kafka.ts';

test('500 events/s for 4 s through Kafka → sluice → file://: every record delivered, one latency each', { timeout: 180_000 }, async () => {
  const { brokers } = await ensureKafka();
  const dir = mkdtempSync(join(os.tmpdir(), 'loadgen-test-'));
  const topic = uniqueTopic('loadgen-run');
  try {
    const result = await runLoadgen({
      brokers, topic, partitions: 2, rate: 500, seconds: 4,
      output: `${pathToFileURL(join(dir, 'out')).href}/{DATE}`,
      tenant: DEFAULT_TENANTS[0]!, codec: 'zstd',
      spawnSluice: true, maxUploadIntervalSeconds: 1, compression: 'gzip', workers: 1,
      graceSeconds: 60, pollMs: 100,
    });
    assert.equal(result.send.scheduled, 2000);
    assert.equal(result.send.failedSends, 0, result.send.firstError ?? '');
    assert.equal(result.delivery.produced, 2000);
    assert.equal(result.delivery.missing, 0);
    assert.equal(result.delivery.delivered, 2000);
    assert.equal(result.delivery.foreign, 0);
    assert.equal(result.latencyMs.count, result.delivery.delivered, 'one histogram value per delivered record');
    assert.ok(result.delivery.objects >= 1);
    assert.ok(result.latencyMs.p50 > 0 && result.latencyMs.p50 <= result.latencyMs.p99 && result.latencyMs.p99 <= result.latencyMs.max);
    assert.ok(result.sluice !== null && result.sluice.peakRssMB > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await deleteTopic(topic).catch(() => {});
  }
});
