import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDestination } from '../../src/destinations/create.ts';
import { DeliveryError } from '../../src/destinations/destination.ts';

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';

describe('createDestination', () => {
  it('builds a file destination for file: confs', () => {
    assert.equal(createDestination('file:///tmp/sluice-test/{DATE}').kind, 'file');
  });

  it('reports schemes this build does not have as ERR_DESTINATION_UNSUPPORTED, redacted', () => {
    for (const conf of [
      `s3://bucket/logs/{DATE}?region=us-east-1&access-key-id=AKIA1&secret-access-key=${SECRET}`,
      `https://h.example.com/in?header_Authorization=Bearer%20${SECRET}`,
      `datadog://http-intake.logs.datadoghq.com/api/v2/logs?header_DD-API-KEY=${SECRET}`,
    ]) {
      assert.throws(() => createDestination(conf), (error: DeliveryError) => {
        assert.ok(error instanceof DeliveryError);
        assert.equal(error.code, 'ERR_DESTINATION_UNSUPPORTED');
        assert.equal(error.retryable, false);
        assert.match(error.message, /not available in this build/);
        assert.ok(!error.message.includes(SECRET), error.message);
        return true;
      });
    }
  });

  it('reports malformed confs as ERR_DESTINATION_CONF', () => {
    assert.throws(() => createDestination('file://relative/dir'), { code: 'ERR_DESTINATION_CONF' });
    assert.throws(() => createDestination(`ftp://u:${SECRET}@h/`), (error: Error) => !error.message.includes(SECRET));
  });
});
