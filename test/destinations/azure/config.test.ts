import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { azureConfigFrom, azureServiceHost, DEFAULT_BLOCK_SIZE } from '../../../src/destinations/azure/config.ts';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { redactDestinationConf } from '../../../src/destinations/destination-conf.ts';

const SIG = 'abcDEF123%2B%2Fxyz%3D';
const SAS = `sv=2022-11-02&ss=b&srt=o&sp=w&se=2031-01-01T00%3A00%3A00Z&spr=https&sig=${SIG}`;

function refused(conf: string, pattern: RegExp): void {
  assert.throws(() => azureConfigFrom(conf), (error: unknown) => {
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.code, 'ERR_DESTINATION_CONF');
    assert.equal(error.retryable, false);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /abcDEF123/);
    return true;
  });
}

describe('azureConfigFrom', () => {
  it('reads Logpush\'s form: the SAS URL with https replaced by azure, a directory before the query', () => {
    const config = azureConfigFrom(`azure://myaccount.blob.core.windows.net/logs/cf/{DATE}?${SAS}`);
    assert.equal(config.serviceUrl, 'https://myaccount.blob.core.windows.net');
    assert.equal(config.container, 'logs');
    assert.equal(config.pathTemplate, 'cf/{DATE}');
    assert.equal(config.blockSize, DEFAULT_BLOCK_SIZE);
    // The SAS goes out as written (re-encoded), the signature decoded once and encoded again.
    assert.equal(config.sas, 'sv=2022-11-02&ss=b&srt=o&sp=w&se=2031-01-01T00%3A00%3A00Z&spr=https&sig=abcDEF123%2B%2Fxyz%3D');
    assert.ok(config.secrets.includes('abcDEF123+/xyz='));
  });

  it('keeps a sovereign cloud\'s host', () => {
    assert.equal(azureConfigFrom(`azure://acct.blob.core.usgovcloudapi.net/c01?${SAS}`).serviceUrl, 'https://acct.blob.core.usgovcloudapi.net');
  });

  it('takes a container with endpoint= (Azurite, proxies): plain http only on loopback', () => {
    const config = azureConfigFrom(`azure://logs/a/b?${SAS}&endpoint=http://127.0.0.1:10000/devstoreaccount1/&block-size=65536&blocks-in-flight=2`);
    assert.equal(config.serviceUrl, 'http://127.0.0.1:10000/devstoreaccount1');
    assert.equal(config.container, 'logs');
    assert.equal(config.pathTemplate, 'a/b');
    assert.equal(config.blockSize, 65536);
    assert.equal(config.blocksInFlight, 2);
    assert.ok(!config.sas.includes('endpoint'));
    refused(`azure://logs/a?${SAS}&endpoint=http://blob.example.com`, /plain http:\/\/ only for a loopback host/);
    refused(`azure://logs/a?${SAS}`, /give endpoint=/);
    refused(`azure://acct.blob.core.windows.net/logs?${SAS}&endpoint=https://x.example.com`, /endpoint is for azure:\/\/<container>/);
  });

  it('restores a "+" written unescaped in the signature', () => {
    const config = azureConfigFrom('azure://acct.blob.core.windows.net/logs?sv=2022-11-02&sp=w&sig=ab+cd/ef=');
    assert.match(config.sas, /sig=ab%2Bcd%2Fef%3D$/);
  });

  it('refuses what cannot work, naming it and never the signature', () => {
    refused(`azure://acct.blob.core.windows.net?${SAS}`, /container is missing/);
    refused(`azure://acct.blob.core.windows.net/Bad_Name?${SAS}`, /not a valid container name/);
    refused('azure://acct.blob.core.windows.net/logs?sv=2022-11-02&sp=w', /SAS token is missing/);
    refused(`azure://acct.blob.core.windows.net/logs?${SAS}&region=x`, /unknown query parameter "region"/);
    refused(`azure://acct.blob.core.windows.net/logs?${SAS}&apikey=x`, /name not shown/);
    refused(`azure://acct.blob.core.windows.net/logs?${SAS.replace('srt=o', 'srt=sco')}`, /signedResourceTypes must be Object only \(srt=o\)/);
    refused(`azure://acct.blob.core.windows.net/logs?${SAS.replace('ss=b', 'ss=bf')}`, /signedServices must be Blob only \(ss=b\)/);
    refused(`azure://acct.blob.core.windows.net/logs?${SAS}&block-size=10`, /block-size must be a whole number/);
    refused(`azure://user@acct.blob.core.windows.net/logs?${SAS}`, /not before "@"/);
    refused(`azure://some.other.host/logs?${SAS}`, /SAS URL's host/);
  });

  it('is redacted: the signature never appears in a logged conf', () => {
    const conf = `azure://acct.blob.core.windows.net/logs/${'a'.repeat(40)}?${SAS}`;
    const redacted = redactDestinationConf(conf);
    assert.doesNotMatch(redacted, /abcDEF/);
    assert.match(redacted, /sig=REDACTED/);
    // Path segments are blob names, not keys: kept.
    assert.match(redacted, /\/logs\/a{40}\?/);
  });

  it('names the host the network check must look at', () => {
    assert.equal(azureServiceHost(`azure://acct.blob.core.windows.net/logs?${SAS}`), 'acct.blob.core.windows.net');
    assert.equal(azureServiceHost(`azure://logs?${SAS}&endpoint=http://127.0.0.1:10000/devstoreaccount1`), '127.0.0.1');
    assert.equal(azureServiceHost(`azure://logs?${SAS}&endpoint=http://[::1]:10000/devstoreaccount1`), '::1');
    assert.equal(azureServiceHost('azure://logs'), null);
  });
});
