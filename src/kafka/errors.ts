// Errors from reaching a Kafka cluster (the source, the Kafka job store, the audit topic), each
// one line saying what is wrong and what to do. The CLI prints `message` alone (no stack trace)
// for the codes in USER_ERROR_EXIT.
// Messages never include credentials: kafkajs's own messages are kept only for connection
// errors (they name a host and a reason, e.g. "connect ECONNREFUSED 127.0.0.1:9").

export type KafkaErrorCode = 'ERR_KAFKA_UNREACHABLE' | 'ERR_KAFKA_TOPIC' | 'ERR_KAFKA_AUTH' | 'ERR_KAFKA';

export class KafkaError extends Error {
  readonly code: KafkaErrorCode;
  constructor(code: KafkaErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'KafkaError';
    this.code = code;
  }
}

interface KafkaJsErrorLike {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** The innermost error of a kafkajs error chain (retries wrap the real cause). */
function chain(error: unknown): KafkaJsErrorLike[] {
  const out: KafkaJsErrorLike[] = [];
  let current: unknown = error;
  for (let i = 0; i < 8 && current !== null && typeof current === 'object'; i++) {
    const e = current as KafkaJsErrorLike;
    out.push(e);
    current = e.cause ?? e.originalError;
  }
  return out;
}

export function isAuthError(error: unknown): boolean {
  return chain(error).some((e) => e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED' || e.type === 'ILLEGAL_SASL_STATE' || e.type === 'UNSUPPORTED_SASL_MECHANISM');
}

function reason(error: unknown): string {
  const links = chain(error);
  const innermost = links[links.length - 1];
  const text = typeof innermost?.message === 'string' ? innermost.message : String(error);
  return text.split('\n')[0] ?? text;
}

const BROKER_HINT = 'check brokers / SLUICE_KAFKA_BROKERS';

/** Maps an error from the first connection to a cluster into one clear line. */
export function connectError(error: unknown, brokers: readonly string[]): KafkaError {
  if (error instanceof KafkaError) return error;
  const where = brokers.join(',');
  if (isAuthError(error)) {
    return new KafkaError('ERR_KAFKA_AUTH', `Kafka at ${where} rejected the credentials (${reason(error)}); check sasl.username / sasl.password (or SLUICE_KAFKA_USERNAME / SLUICE_KAFKA_PASSWORD) and sasl.mechanism`, { cause: error });
  }
  return new KafkaError('ERR_KAFKA_UNREACHABLE', `cannot reach Kafka at ${where} (${reason(error)}); ${BROKER_HINT}`, { cause: error });
}

export function unknownTopicError(topic: string, brokers: readonly string[], path: string): KafkaError {
  return new KafkaError('ERR_KAFKA_TOPIC', `topic ${JSON.stringify(topic)} does not exist on ${brokers.join(',')}; create it or fix ${path}`);
}

/** The consumer gave up (kafkajs will not restart it): a user error if it is one, else a plain one. */
export function consumerCrashError(error: unknown, brokers: readonly string[]): KafkaError {
  if (isAuthError(error)) return connectError(error, brokers);
  const names = chain(error).map((e) => e.name);
  if (names.includes('KafkaJSConnectionError') || names.includes('KafkaJSNoBrokerAvailableError')) return connectError(error, brokers);
  return new KafkaError('ERR_KAFKA', `the Kafka consumer stopped: ${reason(error)}`, { cause: error });
}
