// Issue 13: one SIGTERM must end sluice within its shutdown deadline even while a job's HTTP
// destination keeps failing. A tester saw sluice still running ~75 s after one SIGTERM with the
// 30 s deadline: the deadline stopped retry waits but not a request in flight, which undici
// holds up to its 60 s headers timeout. Here the sluice CLI runs as a child process on the real
// broker, against a local HTTP server that answers 503 (retries) or never answers (a request in
// flight), with a 2 s deadline. It must exit by itself after one SIGTERM with status 1 (README:
// records were not delivered), and commit none of the records it did not deliver.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { createTopic, ensureKafka, produce, uniqueTopic } from '../helpers/kafka.ts';
import { LOOPBACK_NETWORKS } from '../helpers/network.ts';
import { groupOffsets, uncommittedRecords } from './support/kafka-offsets.ts';
import { killAllSluice, SluiceProcess } from './support/sluice-process.ts';
import { waitUntil } from './support/wait.ts';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const RECORDS = 200;
/**
 * How long the test waits for the exit. It is a bound on waiting, not a measurement: far above
 * the 2 s deadline, and below the 60 s an in-flight request could hold sluice before the fix.
 */
const EXIT_WAIT = { timeoutMs: 40_000 };

/** A destination that fails every request: 503 with Retry-After, or no answer at all. */
class FailingReceiver {
  requests = 0;
  readonly #server: Server;
  constructor(mode: '503' | 'hang') {
    this.#server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.requests++;
        if (mode === 'hang') return;
        res.writeHead(503, { 'retry-after': '1' });
        res.end('unavailable');
      });
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/ingest`;
  }
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('shutdown deadline with a failing HTTP destination (issue 13)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-shutdown-'));
  let brokers: string[] = [];
  before(async () => {
    ({ brokers } = await ensureKafka());
  });
  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scenario(name: string, mode: '503' | 'hang', deadline: { config?: number; env?: string }): Promise<void> {
    const receiver = new FailingReceiver(mode);
    const url = await receiver.start();
    try {
      const topic = uniqueTopic(`sluice-it-shutdown-${name}`);
      await createTopic(topic, 1);
      await produce(topic, Array.from({ length: RECORDS }, (_, i) => ({ key: ZONE, value: JSON.stringify({ RayID: `ray${String(i).padStart(13, '0')}`, EdgeResponseStatus: 503 }) })));
      const configPath = join(dir, `${name}.yaml`);
      writeFileSync(configPath, stringify({
        data_dir: join(dir, name),
        limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
        pipeline: { workers: 1 },
        destinations: { allow_networks: [...LOOPBACK_NETWORKS] },
        ...(deadline.config !== undefined ? { shutdown: { deadline_seconds: deadline.config } } : {}),
        sources: [{ type: 'kafka', brokers, group_id: topic, commit_interval_ms: 200, session_timeout_ms: 6000, topics: [{ topic, dataset: 'http_requests', tenant_from: { key: true } }] }],
        jobs: [{ id: 1, zone_id: ZONE, dataset: 'http_requests', destination_conf: url, compression: 'gzip', max_upload_interval_seconds: 1, output_options: { field_names: ['RayID'] } }],
      }));
      const sluice = new SluiceProcess(name, configPath, deadline.env !== undefined ? { SLUICE_SHUTDOWN_DEADLINE_SECONDS: deadline.env } : {});
      // The job's batch is being sent (and failing) when the signal comes.
      await waitUntil(() => receiver.requests >= (mode === 'hang' ? 1 : 2), 'the destination to receive the failing batch', { detail: () => sluice.tail() });

      sluice.kill('SIGTERM');
      await waitUntil(() => sluice.exit !== null, 'sluice to exit by itself after one SIGTERM', { ...EXIT_WAIT, detail: () => sluice.tail() });

      assert.deepEqual(sluice.exit, { code: 1, signal: null }, sluice.tail());
      assert.match(sluice.stderr, new RegExp(`sluice: ${RECORDS} records were not delivered before shutdown`), sluice.tail());
      assert.ok(sluice.logs.some((line) => line.msg?.startsWith('shutdown deadline near: abandoning undelivered batches')), sluice.tail());
      assert.equal(uncommittedRecords(await groupOffsets(topic, topic)), RECORDS, 'no undelivered record was committed');
    } finally {
      await receiver.stop();
    }
  }

  it('a destination answering 503 with Retry-After: retries stop at the deadline (deadline from the config)', async () => {
    await scenario('retrying', '503', { config: 2 });
  });

  it('a destination that never answers: the request in flight is cut at the deadline (deadline from SLUICE_SHUTDOWN_DEADLINE_SECONDS)', async () => {
    await scenario('hanging', 'hang', { config: 600, env: '2' });
  });
});
