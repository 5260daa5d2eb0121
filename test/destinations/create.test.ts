import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDestination } from '../../src/destinations/create.ts';

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';

describe('createDestination', () => {
  it('builds a file destination for file: confs', () => {
    assert.equal(createDestination('file:///tmp/sluice-test/{DATE}').kind, 'file');
  });

  it('builds an HTTP destination for https, splunk and datadog confs', async () => {
    for (const conf of [
      `https://h.example.com/in?header_Authorization=Bearer%20${SECRET}`,
      `splunk://splunk.example.com:8088/services/collector/raw?channel=FE0ECFAD-13D5-401B-847D-77833BD77131&header_Authorization=Splunk%20${SECRET}`,
      `datadog://http-intake.logs.datadoghq.com/api/v2/logs?header_DD-API-KEY=${SECRET}`,
    ]) {
      const destination = createDestination(conf);
      assert.equal(destination.kind, 'http');
      await destination.close();
    }
  });

  it('reports malformed confs as ERR_DESTINATION_CONF', () => {
    assert.throws(() => createDestination('file://relative/dir'), { code: 'ERR_DESTINATION_CONF' });
    assert.throws(() => createDestination(`ftp://u:${SECRET}@h/`), (error: Error) => !error.message.includes(SECRET));
  });
});
