import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaClientConfig } from '../../src/kafka/client-config.ts';

describe('kafkaClientConfig', () => {
  it('carries brokers, client id, TLS and SASL as given, with the connect timeout every client uses', () => {
    const config = kafkaClientConfig({
      brokers: ['b1:9092', 'b2:9092'], clientId: 'sluice-job-store', ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'user', password: 'secret' },
    });
    assert.deepEqual(config, {
      brokers: ['b1:9092', 'b2:9092'], clientId: 'sluice-job-store', ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'user', password: 'secret' },
      connectionTimeout: 3000,
    });
  });

  it('leaves SASL out when none is configured', () => {
    const config = kafkaClientConfig({ brokers: ['b1:9092'], clientId: 'sluice', ssl: false, sasl: undefined });
    assert.equal('sasl' in config, false);
  });
});
