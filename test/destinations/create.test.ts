import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDestination } from '../../src/destinations/create.ts';
import { LOOPBACK_ALLOWED } from '../helpers/network.ts';

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';

describe('createDestination', () => {
  it('builds a file destination for file: confs', () => {
    assert.equal(createDestination('file:///tmp/sluice-test/{DATE}', { network: LOOPBACK_ALLOWED }).kind, 'file');
  });

  it('builds an HTTP destination for https, splunk and datadog confs', async () => {
    for (const conf of [
      `https://h.example.com/in?header_Authorization=Bearer%20${SECRET}`,
      `splunk://splunk.example.com:8088/services/collector/raw?channel=FE0ECFAD-13D5-401B-847D-77833BD77131&header_Authorization=Splunk%20${SECRET}`,
      `datadog://http-intake.logs.datadoghq.com/api/v2/logs?header_DD-API-KEY=${SECRET}`,
    ]) {
      const destination = createDestination(conf, { network: LOOPBACK_ALLOWED });
      assert.equal(destination.kind, 'http');
      await destination.close();
    }
  });

  it('reports malformed confs as ERR_DESTINATION_CONF', () => {
    assert.throws(() => createDestination('file://relative/dir', { network: LOOPBACK_ALLOWED }), { code: 'ERR_DESTINATION_CONF' });
    assert.throws(() => createDestination(`ftp://u:${SECRET}@h/`, { network: LOOPBACK_ALLOWED }), (error: Error) => !error.message.includes(SECRET));
  });
});
