// The admin API over HTTPS (api.tls): the same handler behind a certificate made at test time,
// no API answer for plain HTTP on the TLS port, and one clear error naming the config field for
// every unusable certificate or key. Certificate reload on SIGHUP: test/cli/api-tls.test.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, SecureVersion, TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ApiTlsError, loadApiTls } from '../../src/api/tls.ts';
import { startHarness, TOKENS, ZONE_A, zoneJobs, type Harness } from './helpers.ts';
import { createTestCa, type TestCa } from './tls-certs.ts';

interface HttpsReply {
  status: number;
  json: any;
  peer: PeerCertificate;
}

/** GET over a new TLS connection (no agent: a swapped certificate is seen at once). */
function httpsGet(url: string, options: { ca?: Buffer; token?: string; maxVersion?: SecureVersion }): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {
      agent: false,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text), peer }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A plain-HTTP GET: resolves with the error or whatever came back. */
function plainGet(url: string, token: string): Promise<{ error?: NodeJS.ErrnoException; status?: number; text?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false, headers: { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (error) => resolve({ error }));
    req.end();
  });
}

describe('admin API over HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-api-tls-'));
  let ca: TestCa;
  let caPem: Buffer;
  let first: { certFile: string; keyFile: string };
  let api: Harness;

  before(async () => {
    ca = createTestCa(dir);
    caPem = readFileSync(ca.caFile);
    first = ca.issue('first');
    const tls = await loadApiTls({ cert_file: first.certFile, key_file: first.keyFile, min_version: 'TLSv1.2' });
    api = await startHarness({ tls });
  });

  after(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a client that trusts the CA with the Logpush envelope; its URL says https', async () => {
    assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await httpsGet(api.url + zoneJobs(ZONE_A), { ca: caPem, token: TOKENS.aWrite });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { success: true, errors: [], messages: [], result: [] });
    assert.equal(ok.peer.subject.CN, 'first');
    const denied = await httpsGet(api.url + zoneJobs(ZONE_A), { ca: caPem });
    assert.equal(denied.status, 401);
    assert.equal(denied.json.errors[0].code, 1001);
  });

  it('is refused by a client that does not trust the CA (the certificate is really checked)', async () => {
    await assert.rejects(httpsGet(api.url + zoneJobs(ZONE_A), { token: TOKENS.aWrite }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('gives plain HTTP on the TLS port no API answer', async () => {
    const reply = await plainGet(api.url.replace(/^https:/, 'http:') + zoneJobs(ZONE_A), TOKENS.aWrite);
    assert.ok(reply.error !== undefined || !/"success"/.test(reply.text ?? ''), `plain HTTP got an API answer: ${JSON.stringify(reply)}`);
    // The server is still fine afterwards.
    assert.equal((await httpsGet(api.url + zoneJobs(ZONE_A), { ca: caPem, token: TOKENS.aWrite })).status, 200);
  });

  it('refuses TLS older than min_version TLSv1.3', async () => {
    const tls13 = await loadApiTls({ cert_file: first.certFile, key_file: first.keyFile, min_version: 'TLSv1.3' });
    const strict = await startHarness({ tls: tls13 });
    try {
      await assert.rejects(httpsGet(strict.url + zoneJobs(ZONE_A), { ca: caPem, token: TOKENS.aWrite, maxVersion: 'TLSv1.2' }), /version/i);
      assert.equal((await httpsGet(strict.url + zoneJobs(ZONE_A), { ca: caPem, token: TOKENS.aWrite })).status, 200);
    } finally {
      await strict.close();
    }
  });

  describe('loadApiTls: one line naming the config field for every unusable file', () => {
    const cases: Array<{ name: string; files: () => { cert_file: string; key_file: string }; path: string; says: RegExp }> = [
      { name: 'a missing certificate', files: () => ({ cert_file: join(dir, 'nope.crt'), key_file: first.keyFile }), path: '$.api.tls.cert_file', says: /cannot read .*nope\.crt \(ENOENT\); give the path of the PEM certificate/ },
      { name: 'a missing key', files: () => ({ cert_file: first.certFile, key_file: join(dir, 'nope.key') }), path: '$.api.tls.key_file', says: /cannot read .*nope\.key \(ENOENT\)/ },
      { name: 'a certificate file that is not PEM', files: () => ({ cert_file: writeJunk('junk.crt'), key_file: first.keyFile }), path: '$.api.tls.cert_file', says: /holds no PEM certificate/ },
      { name: 'the key given as the certificate', files: () => ({ cert_file: first.keyFile, key_file: first.keyFile }), path: '$.api.tls.cert_file', says: /holds no PEM certificate/ },
      { name: 'a key file that is not PEM', files: () => ({ cert_file: first.certFile, key_file: writeJunk('junk.key') }), path: '$.api.tls.key_file', says: /holds no PEM private key/ },
      { name: 'a key of another certificate', files: () => ({ cert_file: first.certFile, key_file: ca.strayKeyFile }), path: '$.api.tls.key_file', says: /does not belong to the certificate in .*first\.crt \(\$\.api\.tls\.cert_file\); give the private key the certificate was issued for/ },
    ];
    const writeJunk = (name: string): string => {
      writeFileSync(join(dir, name), 'not a pem file\n');
      return join(dir, name);
    };
    for (const { name, files, path, says } of cases) {
      it(name, async () => {
        const error = await loadApiTls({ ...files(), min_version: 'TLSv1.2' }).then(() => assert.fail('expected an ApiTlsError'), (e: unknown) => e);
        assert.ok(error instanceof ApiTlsError, String(error));
        assert.equal(error.code, 'ERR_API_TLS');
        assert.equal(error.path, path);
        assert.ok(error.message.startsWith(`${path}: `), error.message);
        assert.match(error.message, says);
        assert.doesNotMatch(error.message, /\n/);
      });
    }
  });
});

describe('admin API behind a TLS-terminating proxy', () => {
  let api: Harness;
  before(async () => {
    api = await startHarness({ limits: { rate_per_second: 1, rate_burst: 2 } });
  });
  after(() => api.close());

  it('does not trust X-Forwarded-For: failed attempts are limited by the connecting address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await api.call('GET', zoneJobs(ZONE_A), { token: `wrong-token-${i}-0123456789abcdef`, headers: { 'x-forwarded-for': `203.0.113.${i + 1}`, 'x-real-ip': `203.0.113.${i + 1}` } });
      statuses.push(reply.status);
    }
    assert.deepEqual(statuses, [401, 401, 429]);
  });
});
