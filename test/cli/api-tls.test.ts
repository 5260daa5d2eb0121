// `sluice run` with `api.tls`, as an operator runs it: the admin API on https://, `sluice jobs`
// against it with the private CA in NODE_EXTRA_CA_CERTS, a renewed certificate picked up on
// SIGHUP (a broken one keeps the old), and an unusable certificate or key as one line, exit 2.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type PeerCertificate } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { killAllSluice, SluiceProcess } from '../integration/support/sluice-process.ts';
import { waitUntil } from '../integration/support/wait.ts';
import { createTestCa, type TestCa } from '../api/tls-certs.ts';
import { assertNoStackTrace, runSluice } from './run-sluice.ts';

const ZONE = 'zone-tls';
const TOKEN = 'sluice-tls-token-0123456789abcdef';

/** The certificate a new TLS connection to `url` is shown (trusting `ca`). */
function servedCertificate(url: string, ca: Buffer): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('sluice run with api.tls', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-tls-'));
  const certFile = join(dir, 'api.crt');
  const keyFile = join(dir, 'api.key');
  const tokensFile = join(dir, 'tokens.json');
  let ca: TestCa;
  let caPem: Buffer;
  let sluice: SluiceProcess;
  let api = '';

  /** A config file with api.tls pointing at `tls` (default: the served pair). */
  const writeConfig = (name: string, tls: { cert_file: string; key_file: string } = { cert_file: certFile, key_file: keyFile }): string => {
    const path = join(dir, name);
    writeFileSync(path, stringify({
      data_dir: join(dir, `data-${name}`),
      limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 },
      pipeline: { workers: 1 },
      sources: [{ type: 'generator', rate: 50, tenants: [ZONE] }],
      api: { listen: '127.0.0.1:0', tokens_file: tokensFile, tls },
      destinations: { file_roots: [dir] },
    }));
    return path;
  };
  const jobs = (args: string[], env: Record<string, string>, stdin = '') =>
    runSluice(['jobs', ...args, '--api', api, '--zone', ZONE], { stdin, env: { SLUICE_API_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: '', ...env } });

  before(async () => {
    ca = createTestCa(dir);
    caPem = readFileSync(ca.caFile);
    const first = ca.issue('first');
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    writeFileSync(tokensFile, JSON.stringify([{ id: 'tls', hash: createHash('sha256').update(TOKEN).digest('hex'), scopes: [{ zone_id: ZONE, access: 'write' }] }]));
    sluice = new SluiceProcess('api-tls', writeConfig('config.yaml'));
    await waitUntil(() => /admin API on \S+/.test(sluice.stdout) || sluice.exit !== null, 'the admin API', { timeoutMs: 30_000, detail: () => sluice.tail() });
    api = /admin API on (\S+)/.exec(sluice.stdout)?.[1] ?? '';
    assert.match(api, /^https:\/\/127\.0\.0\.1:\d+$/, sluice.tail());
  });

  after(async () => {
    await killAllSluice();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sluice jobs works over https with the private CA in NODE_EXTRA_CA_CERTS', async () => {
    const job = JSON.stringify({ dataset: 'http_requests', destination_conf: pathToFileURL(join(dir, ZONE, 'out')).href, max_upload_interval_seconds: 1 });
    const created = await jobs(['create'], { NODE_EXTRA_CA_CERTS: ca.caFile }, job);
    assert.equal(created.code, 0, created.stderr);
    const listed = await jobs(['list'], { NODE_EXTRA_CA_CERTS: ca.caFile });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((j: { id: number }) => j.id), [JSON.parse(created.stdout).id]);
  });

  it('without the CA, sluice jobs says what failed and how to trust a private CA (exit 1)', async () => {
    const untrusted = await jobs(['list'], {});
    assert.equal(untrusted.code, 1);
    assert.equal(untrusted.stderr, `sluice: cannot reach the admin API at ${api} (UNABLE_TO_VERIFY_LEAF_SIGNATURE); if its certificate comes from a private CA, set NODE_EXTRA_CA_CERTS=<CA PEM file>\n`);
    const plain = await runSluice(['jobs', 'list', '--api', api.replace(/^https:/, 'http:'), '--zone', ZONE], { env: { SLUICE_API_TOKEN: TOKEN } });
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /^sluice: cannot reach the admin API at http:\/\/\S+ \(\w+\); if the API serves HTTPS \(api\.tls\), use --api https:\/\/…\n$/);
  });

  it('SIGHUP serves a renewed certificate without a restart; a broken one keeps the one in use', async () => {
    assert.equal((await servedCertificate(api, caPem)).subject.CN, 'first');
    const second = ca.issue('second');
    copyFileSync(second.certFile, certFile);
    copyFileSync(second.keyFile, keyFile);
    const reloaded = () => sluice.logs.filter((line) => line.msg === 'admin API certificate reloaded').length;
    sluice.kill('SIGHUP');
    await waitUntil(() => reloaded() === 1, 'the certificate reload', { timeoutMs: 10_000, detail: () => sluice.tail() });
    assert.equal((await servedCertificate(api, caPem)).subject.CN, 'second');

    copyFileSync(ca.strayKeyFile, keyFile);
    sluice.kill('SIGHUP');
    const refused = () => sluice.logs.find((line) => line.msg === 'admin API certificate not reloaded; the previous one stays in use');
    await waitUntil(() => refused() !== undefined, 'the refused reload', { timeoutMs: 10_000, detail: () => sluice.tail() });
    assert.match(String(refused()!['err']), /^\$\.api\.tls\.key_file: the key in .* does not belong to the certificate/);
    assert.equal((await servedCertificate(api, caPem)).subject.CN, 'second');
    assert.equal(sluice.exit, null, 'sluice keeps running');
    const listed = await jobs(['list'], { NODE_EXTRA_CA_CERTS: ca.caFile });
    assert.equal(listed.code, 0, listed.stderr);
  });

  for (const { name, tls, says } of [
    { name: 'a missing key file', tls: () => ({ cert_file: certFile, key_file: join(dir, 'missing.key') }), says: /^sluice: \$\.api\.tls\.key_file: cannot read \S+missing\.key \(ENOENT\); give the path of the PEM private key of that certificate, readable by the user sluice runs as\n$/ },
    { name: 'a key of another certificate', tls: () => ({ cert_file: join(dir, 'first.crt'), key_file: ca.strayKeyFile }), says: /^sluice: \$\.api\.tls\.key_file: the key in \S+stray\.key does not belong to the certificate in \S+first\.crt \(\$\.api\.tls\.cert_file\); give the private key the certificate was issued for\n$/ },
    { name: 'a missing certificate file', tls: () => ({ cert_file: join(dir, 'missing.crt'), key_file: keyFile }), says: /^sluice: \$\.api\.tls\.cert_file: cannot read \S+missing\.crt \(ENOENT\)/ },
  ]) {
    it(`${name} stops sluice run at startup: one line naming the config field, exit 2`, async () => {
      // --seconds bounds a run that wrongly starts anyway (it would then exit 0).
      const run = await runSluice(['run', '--config', writeConfig(`bad-${name.replace(/\W+/g, '-')}.yaml`, tls()), '--seconds', '5']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, says);
      assertNoStackTrace(run.stderr);
      assert.doesNotMatch(run.stdout, /admin API on/);
    });
  }
});
