// The connection settings every sluice Kafka client starts from (the source's consumer and
// admin clients, the Kafka job store's client, which the audit sink produces through), so
// brokers, TLS, SASL and the connect timeout mean the same everywhere.

import type { KafkaConfig, SASLOptions } from 'kafkajs';

export interface KafkaConnectionSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
}

/** A fresh kafkajs config per call: callers add their own log level and retry policy. */
export function kafkaClientConfig(settings: KafkaConnectionSettings): KafkaConfig {
  const sasl: SASLOptions | undefined = settings.sasl === undefined
    ? undefined
    : { mechanism: settings.sasl.mechanism, username: settings.sasl.username, password: settings.sasl.password } as SASLOptions;
  return {
    brokers: settings.brokers,
    clientId: settings.clientId,
    ssl: settings.ssl,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 3000,
  };
}
