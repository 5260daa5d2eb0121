import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretParam, parseDestinationConf, redactDestinationConf } from '../../src/destinations/destination-conf.ts';

const SECRET = 'Sup3rS3cretValue';

// Every conf holds SECRET (or a piece of it) somewhere a credential goes.
const SECRET_CONFS = [
  `s3://bucket/logs/{DATE}?region=us-east-1&access-key-id=AKIA${SECRET}&secret-access-key=${SECRET}`,
  `s3://bucket/p?secret-access-key=${SECRET}&region=eu-west-1`,
  `s3://bucket/p?Secret-Access-Key=${SECRET}`,
  `s3://bucket/p?secret%2Daccess%2Dkey=${SECRET}`,
  `r2://bucket/p?account-id=abc&access-key-id=${SECRET}&secret-access-key=${SECRET}`,
  `https://logs.example.com/ingest?header_Authorization=Bearer%20${SECRET}&tags=a`,
  `https://logs.example.com/ingest?header_X-Api-Key=${SECRET}`,
  `splunk://splunk.example.com:8088/services/collector/raw?channel=c1&insecure-skip-verify=false&header_Authorization=Splunk%20${SECRET}`,
  `datadog://http-intake.logs.datadoghq.com/api/v2/logs?header_DD-API-KEY=${SECRET}&ddsource=cloudflare`,
  `https://http-intake.logs.datadoghq.com/v1/input/${SECRET}${SECRET}${SECRET}`,
  `https://user:${SECRET}@logs.example.com/path`,
  `https://${SECRET}@logs.example.com/path`,
  `https://user:pa/ss${SECRET}@logs.example.com/path`,
  `https://logs.example.com/p?sig=${SECRET}&se=2030`,
  `https://logs.example.com/p?token=${SECRET}`,
  `https://logs.example.com/p?password=${SECRET}`,
  `https://logs.example.com/p?api_key=${SECRET}`,
  `https://logs.example.com/p?header_Authorization=abc&${SECRET}&x=1`,
  `https://logs.example.com/p#${SECRET}`,
  `gs://bucket/p?credentials=${SECRET}`,
  `s3://bucket/p?endpoint=u:${SECRET}@minio.example.com:9000`,
  `s3://bucket/p?endpoint=u%3A${SECRET}%40minio.example.com%3A9000`,
  `not a url ?secret=${SECRET}`,
];

describe('redactDestinationConf', () => {
  it('never leaks a secret', () => {
    for (const conf of SECRET_CONFS) {
      const redacted = redactDestinationConf(conf);
      assert.ok(!redacted.includes(SECRET.slice(2)), `${conf} → ${redacted}`);
      assert.ok(redacted.includes('REDACTED'), redacted);
    }
  });

  it('keeps what is not secret, so the line stays useful', () => {
    assert.equal(
      redactDestinationConf(`s3://bucket/logs/{DATE}?region=us-east-1&access-key-id=AK&secret-access-key=${SECRET}&sse=AES256`),
      's3://bucket/logs/{DATE}?region=us-east-1&access-key-id=REDACTED&secret-access-key=REDACTED&sse=AES256',
    );
    assert.equal(redactDestinationConf(`https://u:${SECRET}@h.example.com:8443/x?a=1`), 'https://REDACTED@h.example.com:8443/x?a=1');
    assert.equal(redactDestinationConf('file:///var/log/sluice/{DATE}'), 'file:///var/log/sluice/{DATE}');
    assert.equal(redactDestinationConf('s3://b/p?endpoint=minio.example.com:9000&region=x'), 's3://b/p?endpoint=minio.example.com:9000&region=x');
    assert.equal(redactDestinationConf(`s3://b/p?endpoint=u:${SECRET}@minio.example.com:9000`), 's3://b/p?endpoint=REDACTED@minio.example.com:9000');
    assert.equal(redactDestinationConf('splunk://h:8088/services/collector/raw?channel=abc'), 'splunk://h:8088/services/collector/raw?channel=abc');
  });

  it('classifies parameter names broadly', () => {
    for (const name of ['secret-access-key', 'access-key-id', 'header_Authorization', 'HEADER_x', 'sig', 'token', 'password', 'api-key', 'session-token']) {
      assert.ok(isSecretParam(name), name);
    }
    for (const name of ['region', 'endpoint', 'account-id', 'sse', 'channel', 'ddsource', 'tags']) assert.ok(!isSecretParam(name), name);
  });
});

describe('parseDestinationConf', () => {
  it('parses file: URLs into an absolute decoded path template', () => {
    assert.deepEqual(parseDestinationConf('file:///var/log/sluice/{DATE}'), { scheme: 'file', pathTemplate: '/var/log/sluice/{DATE}' });
    assert.deepEqual(parseDestinationConf('file:///tmp/my%20logs/{DATE}'), { scheme: 'file', pathTemplate: '/tmp/my logs/{DATE}' });
    assert.deepEqual(parseDestinationConf('file://localhost/tmp/x'), { scheme: 'file', pathTemplate: '/tmp/x' });
  });

  it('rejects file: URLs that are not absolute or carry a query', () => {
    for (const conf of ['file://relative/dir', 'file:relative', 'file:///tmp/x?secret=1']) {
      assert.throws(() => parseDestinationConf(conf), { code: 'ERR_DESTINATION_CONF', retryable: false }, conf);
    }
  });

  it('parses object storage and HTTP destinations minimally', () => {
    assert.deepEqual(parseDestinationConf('s3://my-bucket/logs/{DATE}?region=us-east-1&secret-access-key=a%2Bb'), {
      scheme: 's3', bucket: 'my-bucket', pathTemplate: 'logs/{DATE}', params: { region: 'us-east-1', 'secret-access-key': 'a+b' },
    });
    assert.deepEqual(parseDestinationConf('https://u:p@logs.example.com:8443/in?header_Authorization=Bearer%20x'), {
      scheme: 'https', host: 'logs.example.com:8443', path: '/in', params: { header_Authorization: 'Bearer x' }, userinfo: 'u:p',
    });
    assert.equal(parseDestinationConf('splunk://h:8088/services/collector/raw').scheme, 'splunk');
    assert.equal(parseDestinationConf('datadog://http-intake.logs.datadoghq.com/api/v2/logs').scheme, 'datadog');
    assert.equal(parseDestinationConf('gs://b/p').scheme, 'gs');
    assert.equal(parseDestinationConf('r2://b/p?account-id=1').scheme, 'r2');
  });

  it('rejects unknown schemes and malformed confs without leaking secrets', () => {
    const confs = [`ftp://u:${SECRET}@h/p`, `s3://?secret-access-key=${SECRET}`, `https://h/p?token=%zz${SECRET}`, `nonsense ${SECRET}`];
    for (const conf of confs) {
      assert.throws(() => parseDestinationConf(conf), (error: Error & { code?: string; retryable?: boolean }) => {
        assert.equal(error.code, 'ERR_DESTINATION_CONF');
        assert.equal(error.retryable, false);
        return true;
      }, conf);
    }
    for (const conf of confs.slice(0, 3)) {
      try {
        parseDestinationConf(conf);
      } catch (error) {
        assert.ok(!(error as Error).message.includes(SECRET), (error as Error).message);
      }
    }
  });
});

describe('parseDestinationConf leniency', () => {
  it('keeps a stray % in a file path as written', () => {
    assert.deepEqual(parseDestinationConf('file:///tmp/100%/x'), { scheme: 'file', pathTemplate: '/tmp/100%/x' });
  });
});
