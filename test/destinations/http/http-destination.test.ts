import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkStream } from '../../../src/destinations/chunk-stream.ts';
import { createDestination } from '../../../src/destinations/create.ts';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { HttpDestination } from '../../../src/destinations/http/http-destination.ts';
import { LOOPBACK_ALLOWED } from '../../helpers/network.ts';

const SECRET = 'dd-key-0123456789abcdef0123456789';
const CHANNEL = '0e7b4c4e-1f2a-4b3c-9d8e-123456789abc';

describe('createDestination for HTTP schemes', () => {
  it('builds an http destination for https:, loopback http:, splunk: and datadog:', async () => {
    for (const conf of [
      `https://logs.example.com/ingest?header_Authorization=Bearer%20${SECRET}`,
      'http://127.0.0.1:9/ingest',
      `splunk://splunk.example.com:8088/services/collector/raw?channel=${CHANNEL}&header_Authorization=Splunk%20${SECRET}`,
      `datadog://http-intake.logs.datadoghq.com/api/v2/logs?header_DD-API-KEY=${SECRET}`,
    ]) {
      const destination = createDestination(conf, { network: LOOPBACK_ALLOWED });
      assert.equal(destination.kind, 'http');
      await destination.close();
    }
  });

  it('rejects a bad HTTP conf as ERR_DESTINATION_CONF without the secret', () => {
    assert.throws(() => createDestination(`http://logs.example.com/x?header_Authorization=${SECRET}`, { network: LOOPBACK_ALLOWED }), (error: DeliveryError) => error.code === 'ERR_DESTINATION_CONF' && !error.message.includes(SECRET));
  });
});

describe('HttpDestination', () => {
  it('refuses zstd and snappy batches with a non-retryable error that says what to change', async () => {
    const destination = new HttpDestination('http://127.0.0.1:9/ingest', { network: LOOPBACK_ALLOWED });
    for (const compression of ['zstd', 'snappy'] as const) {
      await assert.rejects(
        destination.deliver({ jobId: 1, batchId: 'b', startNs: '0', endNs: '0', compression, chunks: ChunkStream.of([new Uint8Array([1])]) }),
        (error: DeliveryError) => error.code === 'ERR_HTTP_COMPRESSION' && !error.retryable && /set the job's compression to gzip/.test(error.message),
      );
    }
    await destination.close();
  });
});
