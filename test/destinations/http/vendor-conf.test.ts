// destination_conf forms of the HTTP-based vendors as Cloudflare's Logpush documentation writes
// them: what each becomes (kind, origin, path, headers), what is refused and why, and that the
// credential never shows in the redacted conf or a message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactDestinationConf } from '../../../src/destinations/destination-conf.ts';
import { DeliveryError } from '../../../src/destinations/destination.ts';
import { resolveHttpTarget } from '../../../src/destinations/http/http-conf.ts';
import { destinationConfProblem } from '../../../src/jobs/validation/destination-conf.ts';

// Sumo source codes are base64 with '=' padding; the URL is the only credential.
const SUMO_CODE = 'ZaVnC4dhaV3ZkfnJlWiwO2WB3MqVgOSdv7GbmTz6ojjMd_7yl7TNkQBIf8wXy8FPqWgcYQ==';
const NR_KEY = 'eu01xx0123456789abcdef0123456789NRAL';
const S1_TOKEN = '0e6d94e8c-5792-4ad1-be3c-29bcaee0197d';
const ELASTIC_SECRET = 'elastic-shared-secret-0123456789';
const IBM_KEY = 'ibm-api-key-0123456789abcdefABCDEF';

function confError(conf: string, part: RegExp, secret: string): void {
  assert.throws(() => resolveHttpTarget(conf), (error: unknown) => {
    assert.ok(error instanceof DeliveryError);
    assert.deepEqual([error.code, error.retryable], ['ERR_DESTINATION_CONF', false]);
    assert.match(error.message, part);
    assert.ok(!error.message.includes(secret), error.message);
    return true;
  });
  const problem = destinationConfProblem(conf);
  assert.ok(problem !== null && !problem.includes(secret), String(problem));
}

describe('Sumo Logic destination_conf', () => {
  const conf = `sumo://endpoint1.collection.sumologic.com/receiver/v1/http/${SUMO_CODE}`;

  it('is the HTTP source address with https replaced by sumo', () => {
    const target = resolveHttpTarget(conf);
    assert.equal(target.kind, 'sumo');
    assert.equal(target.origin, 'https://endpoint1.collection.sumologic.com');
    assert.equal(target.path, `/receiver/v1/http/${SUMO_CODE}`);
    assert.ok(target.secrets.includes(SUMO_CODE));
    assert.equal(destinationConfProblem(conf), null);
  });

  it('redacts the source code, padding included', () => {
    assert.equal(redactDestinationConf(conf), 'sumo://endpoint1.collection.sumologic.com/receiver/v1/http/REDACTED');
    assert.equal(resolveHttpTarget(conf).redacted, 'sumo://endpoint1.collection.sumologic.com/receiver/v1/http/REDACTED');
  });

  it('passes header_X-Sumo-* parameters on as headers', () => {
    const target = resolveHttpTarget(`${conf}?header_X-Sumo-Category=cloudflare/http&header_X-Sumo-Name=edge`);
    assert.deepEqual(target.headers, { 'X-Sumo-Category': 'cloudflare/http', 'X-Sumo-Name': 'edge' });
  });

  it('refuses a path that is not an HTTP source, saying what to paste', () => {
    confError('sumo://endpoint1.collection.sumologic.com/', /replace https:\/\/ with sumo:\/\//, SUMO_CODE);
    confError('sumo://endpoint1.collection.sumologic.com/receiver/v1/http/', /\/receiver\/v1\/http\/<code>/, SUMO_CODE);
    confError(`sumo://endpoint1.collection.sumologic.com/receiver/v1/http/${SUMO_CODE}/extra`, /no further \//, SUMO_CODE);
  });
});

describe('New Relic destination_conf', () => {
  for (const host of ['log-api.newrelic.com', 'log-api.eu.newrelic.com']) {
    it(`takes the documented https://${host}/log/v1?Api-Key=…&format=cloudflare and sends the key as a header`, () => {
      const conf = `https://${host}/log/v1?Api-Key=${NR_KEY}&format=cloudflare`;
      const target = resolveHttpTarget(conf);
      assert.equal(target.kind, 'newrelic');
      assert.equal(target.origin, `https://${host}`);
      assert.equal(target.path, '/log/v1?format=cloudflare', 'the key is not left in the request line');
      assert.deepEqual(target.headers, { 'Api-Key': NR_KEY });
      assert.ok(!target.redacted.includes(NR_KEY));
      assert.equal(destinationConfProblem(conf), null);
    });
  }

  it('also reads License-Key (as X-License-Key) and header_Api-Key', () => {
    assert.deepEqual(resolveHttpTarget(`https://log-api.newrelic.com/log/v1?License-Key=${NR_KEY}`).headers, { 'X-License-Key': NR_KEY });
    assert.deepEqual(resolveHttpTarget(`https://log-api.newrelic.com/log/v1?header_Api-Key=${NR_KEY}&format=cloudflare`).headers, { 'Api-Key': NR_KEY });
  });

  it('is recognised on another host only when shaped like the documented conf', () => {
    assert.equal(resolveHttpTarget(`https://nr-proxy.example.com/log/v1?Api-Key=${NR_KEY}&format=cloudflare`).kind, 'newrelic');
    assert.equal(resolveHttpTarget(`https://logs.example.com/log/v1?Api-Key=${NR_KEY}`).kind, 'generic');
  });

  it('refuses a missing key, another path or another format', () => {
    confError('https://log-api.newrelic.com/log/v1?format=cloudflare', /need Api-Key=<license key>/, NR_KEY);
    confError(`https://log-api.newrelic.com/v1?Api-Key=${NR_KEY}`, /log endpoint is \/log\/v1/, NR_KEY);
    confError(`https://log-api.newrelic.com/log/v1?Api-Key=${NR_KEY}&format=json`, /format must be cloudflare/, NR_KEY);
  });
});

describe('SentinelOne destination_conf', () => {
  const conf = `sentinelone://ingest.us1.sentinelone.net/services/collector/raw?sourcetype=marketplace-cloudflare-latest&header_Authorization=Bearer%20${S1_TOKEN}`;

  it('is a HEC raw endpoint with the sourcetype on the URL and the token as a header', () => {
    const target = resolveHttpTarget(conf);
    assert.equal(target.kind, 'sentinelone');
    assert.equal(target.origin, 'https://ingest.us1.sentinelone.net');
    assert.equal(target.path, '/services/collector/raw?sourcetype=marketplace-cloudflare-latest');
    assert.equal(target.headers.Authorization, `Bearer ${S1_TOKEN}`);
    assert.ok(!target.redacted.includes(S1_TOKEN));
    assert.equal(resolveHttpTarget(`sentinelone://ingest.us1.sentinelone.net?header_Authorization=Bearer%20${S1_TOKEN}`).path, '/services/collector/raw');
  });

  it('refuses another path or a missing token', () => {
    confError(`sentinelone://ingest.us1.sentinelone.net/services/collector/event?header_Authorization=Bearer%20${S1_TOKEN}`, /HEC raw endpoint/, S1_TOKEN);
    confError('sentinelone://ingest.us1.sentinelone.net/services/collector/raw?sourcetype=x', /need header_Authorization/, S1_TOKEN);
  });
});

describe('Elastic and IBM QRadar destination_conf (documented as https:// destinations)', () => {
  it('Elastic: https://<domain>:<port>?header_<secret header>=<value>, no path', () => {
    const target = resolveHttpTarget(`https://elastic.example.com:9443?header_X-Elastic-Secret=${ELASTIC_SECRET}`);
    assert.deepEqual([target.kind, target.origin, target.path], ['generic', 'https://elastic.example.com:9443', '/']);
    assert.deepEqual(target.headers, { 'X-Elastic-Secret': ELASTIC_SECRET });
    assert.ok(!target.redacted.includes(ELASTIC_SECRET));
  });

  it('QRadar: <QRadar URL>:<log source port>', () => {
    const target = resolveHttpTarget('https://qradar.example.com:12469');
    assert.deepEqual([target.kind, target.origin, target.path], ['generic', 'https://qradar.example.com:12469', '/']);
    assert.equal(destinationConfProblem('https://qradar.example.com:12469'), null);
  });
});

describe('IBM Cloud Logs destination_conf', () => {
  const host = '0f5b7c1e-instance.ingress.eu-de.logs.cloud.ibm.com';

  it('is ibmcl://<instance>.ingress.<region>.logs.cloud.ibm.com/logs/v1/singles?ibm_api_key=…, the key kept for IAM', () => {
    const conf = `ibmcl://${host}/logs/v1/singles?ibm_api_key=${IBM_KEY}`;
    const target = resolveHttpTarget(conf);
    assert.deepEqual([target.kind, target.origin, target.path], ['ibmcl', `https://${host}`, '/logs/v1/singles'], 'the key is not sent to the ingress');
    assert.equal(target.ibmApiKey, IBM_KEY);
    assert.ok(target.secrets.includes(IBM_KEY));
    assert.ok(!target.redacted.includes(IBM_KEY));
    assert.equal(destinationConfProblem(conf), null);
  });

  it('refuses a missing key or another path', () => {
    confError(`ibmcl://${host}/logs/v1/singles`, /need ibm_api_key=/, IBM_KEY);
    confError(`ibmcl://${host}/logs/v1/batch?ibm_api_key=${IBM_KEY}`, /\/logs\/v1\/singles/, IBM_KEY);
  });
});
