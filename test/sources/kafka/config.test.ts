// The kafka source's config: validation with JSON paths, defaults, and the SLUICE_KAFKA_* overrides.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/errors.ts';
import { applyKafkaEnv, parseConfig, type KafkaEnv } from '../../../src/config/load.ts';
import type { KafkaSourceConfig } from '../../../src/config/schema.ts';
import type { Problem } from '../../../src/jobs/types.ts';

const NO_ENV: KafkaEnv = {};

function kafka(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'kafka',
    brokers: ['127.0.0.1:39092'],
    group_id: 'sluice-test',
    topics: [{ topic: 'http-requests', dataset: 'http_requests', tenant_from: { key: true } }],
    ...overrides,
  };
}

function parse(source: Record<string, unknown>, env: KafkaEnv = NO_ENV): KafkaSourceConfig {
  const config = parseConfig({ sources: [{ type: 'generator' }, source] }, 'test', env);
  return config.sources[1] as KafkaSourceConfig;
}

function problems(source: Record<string, unknown>, env: KafkaEnv = NO_ENV): Problem[] {
  try {
    parseConfig({ sources: [{ type: 'generator' }, source] }, 'test', env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  assert.fail('expected a ConfigError');
}

function assertProblem(list: Problem[], path: string, fragment: string): void {
  assert.ok(list.some((p) => p.path === path && p.message.includes(fragment)), `no ${path} ~ ${fragment} in ${JSON.stringify(list, null, 1)}`);
}

describe('kafka source config', () => {
  it('applies the defaults', () => {
    const c = parse(kafka());
    assert.equal(c.client_id, 'sluice');
    assert.equal(c.from_beginning, true);
    assert.equal(c.commit_interval_ms, 1000);
    assert.equal(c.session_timeout_ms, 30_000);
    assert.equal(c.max_bytes_per_partition, 1024 * 1024);
    assert.equal(c.ssl, false);
    assert.equal(c.sasl, undefined);
    assert.deepEqual(c.topics[0]!.tenant_from, { key: true });
  });

  it('accepts a header tenant, sasl scram and every option', () => {
    const c = parse(kafka({
      client_id: 'edge', from_beginning: false, commit_interval_ms: 250, session_timeout_ms: 10_000, max_bytes_per_partition: 65536, ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' }, dead_letter_topic: 'poison',
      topics: [{ topic: 'audit', dataset: 'audit_logs', tenant_from: { header: 'account' } }],
    }));
    assert.deepEqual(c.topics[0]!.tenant_from, { header: 'account' });
    assert.equal(c.sasl?.mechanism, 'scram-sha-512');
    assert.equal(c.dead_letter_topic, 'poison');
  });

  it('defaults the sasl mechanism to plain', () => {
    assert.equal(parse(kafka({ sasl: { username: 'u', password: 'p' } })).sasl?.mechanism, 'plain');
  });

  it('reports missing required fields with their paths', () => {
    const list = problems({ type: 'kafka' });
    assertProblem(list, '$.sources[1].brokers', 'is required');
    assertProblem(list, '$.sources[1].group_id', 'is required');
    assertProblem(list, '$.sources[1].topics', 'is required');
  });

  it('rejects brokers that are not host:port', () => {
    const list = problems(kafka({ brokers: ['127.0.0.1:39092', 'localhost', 'h:70000', 'kafka:9092'] }));
    assertProblem(list, '$.sources[1].brokers[1]', 'must be host:port');
    assertProblem(list, '$.sources[1].brokers[2]', 'must be host:port');
    assert.equal(list.length, 2, JSON.stringify(list));
    assert.deepEqual(parse(kafka({ brokers: ['[::1]:9092'] })).brokers, ['[::1]:9092']);
  });

  it('requires exactly one tenant location', () => {
    assertProblem(problems(kafka({ topics: [{ topic: 't', dataset: 'http_requests', tenant_from: {} }] })), '$.sources[1].topics[0].tenant_from', 'key: true');
    assertProblem(problems(kafka({ topics: [{ topic: 't', dataset: 'http_requests', tenant_from: { key: true, header: 'h' } }] })), '$.sources[1].topics[0].tenant_from', 'not both');
    assertProblem(problems(kafka({ topics: [{ topic: 't', dataset: 'http_requests', tenant_from: { key: false } }] })), '$.sources[1].topics[0].tenant_from.key', 'true');
    assertProblem(problems(kafka({ topics: [{ topic: 't', dataset: 'http_requests', tenant_from: { headr: 'h' } }] })), '$.sources[1].topics[0].tenant_from.headr', 'did you mean');
    assertProblem(problems(kafka({ topics: [{ topic: 't', dataset: 'http_requests' }] })), '$.sources[1].topics[0].tenant_from', 'is required');
  });

  it('rejects illegal topic names, unknown datasets and duplicate topics', () => {
    const list = problems(kafka({
      topics: [
        { topic: 'bad topic', dataset: 'http_requests', tenant_from: { key: true } },
        { topic: 'ok', dataset: 'http_request', tenant_from: { key: true } },
        { topic: 'ok', dataset: 'http_requests', tenant_from: { key: true } },
      ],
    }));
    assertProblem(list, '$.sources[1].topics[0].topic', 'not a legal Kafka topic name');
    assertProblem(list, '$.sources[1].topics[1].dataset', 'must be one of');
  });

  it('reports a topic listed twice at the second one', () => {
    const list = problems(kafka({
      topics: [
        { topic: 'a', dataset: 'http_requests', tenant_from: { key: true } },
        { topic: 'a', dataset: 'audit_logs', tenant_from: { key: true } },
      ],
    }));
    assertProblem(list, '$.sources[1].topics[1].topic', 'already listed at topics[0]');
  });

  it('bounds the numbers', () => {
    const list = problems(kafka({ commit_interval_ms: 0, session_timeout_ms: 10, max_bytes_per_partition: 1.5 }));
    assertProblem(list, '$.sources[1].commit_interval_ms', 'at least 10');
    assertProblem(list, '$.sources[1].session_timeout_ms', 'at least 1000');
    assertProblem(list, '$.sources[1].max_bytes_per_partition', 'integer');
  });

  it('suggests the right key for a typo', () => {
    assertProblem(problems(kafka({ group: 'x' })), '$.sources[1].group', 'did you mean');
    assertProblem(problems(kafka({ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } })), '$.sources[1].sasl.mechanism', 'must be one of');
  });

  it('never quotes a password in a problem', () => {
    const list = problems(kafka({ sasl: { mechanism: 'plain', username: 'u', password: 'hunter2-secret', extra: 'hunter2-secret' } }));
    assert.ok(list.length > 0);
    assert.ok(list.every((p) => !p.message.includes('hunter2')), JSON.stringify(list));
  });
});

describe('SLUICE_KAFKA_* environment overrides', () => {
  it('SLUICE_KAFKA_BROKERS replaces the broker list (comma separated, spaces trimmed)', () => {
    const c = parse(kafka(), { SLUICE_KAFKA_BROKERS: 'a:1, b:2 ,' });
    assert.deepEqual(c.brokers, ['a:1', 'b:2']);
  });

  it('SLUICE_KAFKA_BROKERS may supply brokers the file omits', () => {
    const source = kafka();
    delete source.brokers;
    assert.deepEqual(parse(source, { SLUICE_KAFKA_BROKERS: 'k:9092' }).brokers, ['k:9092']);
  });

  it('a bad override is reported at the path it lands on', () => {
    assertProblem(problems(kafka(), { SLUICE_KAFKA_BROKERS: 'nohostport' }), '$.sources[1].brokers[0]', 'must be host:port');
  });

  it('an empty SLUICE_KAFKA_BROKERS is ignored', () => {
    assert.deepEqual(parse(kafka(), { SLUICE_KAFKA_BROKERS: ' ' }).brokers, ['127.0.0.1:39092']);
  });

  it('username and password override the file and keep its mechanism', () => {
    const c = parse(kafka({ sasl: { mechanism: 'scram-sha-256', username: 'file-user', password: 'file-pass' } }), { SLUICE_KAFKA_USERNAME: 'env-user', SLUICE_KAFKA_PASSWORD: 'env-pass' });
    assert.deepEqual(c.sasl, { mechanism: 'scram-sha-256', username: 'env-user', password: 'env-pass' });
  });

  it('credentials in the environment alone create a plain sasl block', () => {
    const c = parse(kafka(), { SLUICE_KAFKA_USERNAME: 'u', SLUICE_KAFKA_PASSWORD: 'p' });
    assert.deepEqual(c.sasl, { mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('a username without any password is reported at sasl.password', () => {
    assertProblem(problems(kafka(), { SLUICE_KAFKA_USERNAME: 'u' }), '$.sources[1].sasl.password', 'is required');
  });

  it('only touches kafka sources and does not modify its input', () => {
    const input = { sources: [{ type: 'generator' }, kafka()] };
    const snapshot = structuredClone(input);
    const out = applyKafkaEnv(input, { SLUICE_KAFKA_BROKERS: 'x:1', SLUICE_KAFKA_USERNAME: 'u' }) as typeof input;
    assert.deepEqual(input, snapshot);
    assert.deepEqual(out.sources[0], { type: 'generator' });
    assert.deepEqual((out.sources[1] as Record<string, unknown>).brokers, ['x:1']);
  });
});
