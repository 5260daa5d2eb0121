import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, RateLimiter } from '../../src/shared/log.ts';

describe('logs', () => {
  it('never write credentials, even when an object carrying them is logged whole', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(line) });
    const secrets = ['hunter2-sasl', 'Bearer abc123', 'AKIAsecretvalue', 'api-token-xyz', 'pw-nested'];
    log.info({ sasl: { mechanism: 'plain', username: 'u', password: secrets[0] }, headers: { authorization: secrets[1] } }, 'connect');
    log.warn({ conf: { 'secret-access-key': secrets[2] }, token: secrets[3], source: { kafka: { password: secrets[4] } } }, 'config');
    const text = lines.join('');
    assert.equal(lines.length, 2);
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.match(text, /"msg":"connect"/);
    assert.match(text, /REDACTED/);
  });

  it('let one line per key through per interval and count the rest', () => {
    const limiter = new RateLimiter(10_000);
    assert.equal(limiter.take('k', 0), 0);
    assert.equal(limiter.take('k', 1), -1);
    assert.equal(limiter.take('k', 2), -1);
    assert.equal(limiter.take('other', 3), 0);
    assert.equal(limiter.take('k', 10_000), 2, 'reports the two suppressed lines');
  });
});
