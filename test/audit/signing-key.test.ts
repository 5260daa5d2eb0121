import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { publicKeyFingerprint } from '../../src/audit/digest.ts';
import { SigningKeyError, loadOrCreateSigningKey, loadPublicKey, publicKeyPath } from '../../src/audit/signing-key.ts';

const root = mkdtempSync(join(tmpdir(), 'sluice-signing-key-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${n++}`);

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

async function rejectsNaming(promise: Promise<unknown>, path: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SigningKeyError, String(error));
    assert.equal(error.code, 'ERR_SIGNING_KEY');
    assert.equal(error.path, path);
    assert.ok(error.message.includes(path), error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('publicKeyPath', () => {
  it('replaces .pem with .pub.pem, or appends .pub.pem', () => {
    assert.equal(publicKeyPath('/d/digest-signing-key.pem'), '/d/digest-signing-key.pub.pem');
    assert.equal(publicKeyPath('/d/key'), '/d/key.pub.pem');
  });
});

describe('loadOrCreateSigningKey', () => {
  it('creates an Ed25519 pair once (0600 private, 0644 public) and loads the same key after', async () => {
    const dir = fresh();
    const path = join(dir, 'nested', 'digest-signing-key.pem');
    const first = await loadOrCreateSigningKey(path);
    assert.equal(first.created, true);
    assert.equal(first.privateKey.asymmetricKeyType, 'ed25519');
    assert.equal(first.privateKey.type, 'private');
    assert.equal(first.publicKey.type, 'public');
    assert.equal(mode(path), 0o600);
    const pubPath = join(dir, 'nested', 'digest-signing-key.pub.pem');
    assert.equal(mode(pubPath), 0o644);
    assert.match(readFileSync(path, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(readFileSync(pubPath, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    assert.deepEqual(readdirSync(join(dir, 'nested')).sort(), ['digest-signing-key.pem', 'digest-signing-key.pub.pem']); // no temp files left

    const privateText = readFileSync(path, 'utf8');
    const second = await loadOrCreateSigningKey(path);
    assert.equal(second.created, false);
    assert.equal(readFileSync(path, 'utf8'), privateText);
    assert.equal(publicKeyFingerprint(second.publicKey), publicKeyFingerprint(first.publicKey));
    const signature = sign(null, Buffer.from('x'), second.privateKey);
    assert.equal(verify(null, Buffer.from('x'), first.publicKey, signature), true);
    assert.equal(publicKeyFingerprint(await loadPublicKey(pubPath)), publicKeyFingerprint(first.publicKey));
  });

  it('sets the modes whatever the umask', async () => {
    const previous = process.umask(0o077);
    try {
      const path = join(fresh(), 'k.pem');
      await loadOrCreateSigningKey(path);
      assert.equal(mode(path), 0o600);
      assert.equal(mode(publicKeyPath(path)), 0o644);
    } finally {
      process.umask(previous);
    }
  });

  it('creates exactly one key when called concurrently', async () => {
    const path = join(fresh(), 'k.pem');
    const results = await Promise.all([loadOrCreateSigningKey(path), loadOrCreateSigningKey(path), loadOrCreateSigningKey(path)]);
    assert.equal(results.filter((r) => r.created).length, 1);
    const fingerprints = new Set(results.map((r) => publicKeyFingerprint(r.publicKey)));
    assert.equal(fingerprints.size, 1);
    assert.equal(publicKeyFingerprint(await loadPublicKey(publicKeyPath(path))), [...fingerprints][0]);
  });

  it('loads an existing Ed25519 PKCS#8 key without writing anything', async () => {
    const dir = fresh();
    const path = join(dir, 'k.pem');
    const pair = generateKeyPairSync('ed25519');
    await loadOrCreateSigningKey(join(dir, 'unused.pem')); // makes the directory
    writeFileSync(path, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const loaded = await loadOrCreateSigningKey(path);
    assert.equal(loaded.created, false);
    assert.equal(publicKeyFingerprint(loaded.publicKey), publicKeyFingerprint(pair.publicKey));
    assert.equal(readdirSync(dir).includes('k.pub.pem'), false);
  });

  it('refuses an RSA key, a public key, garbage and an encrypted key, naming the path, and leaves the file alone', async () => {
    const dir = fresh();
    await loadOrCreateSigningKey(join(dir, 'unused.pem'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ed = generateKeyPairSync('ed25519');
    const files: Array<[string, string, RegExp]> = [
      ['rsa.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /is a rsa key, not Ed25519/],
      ['public.pem', ed.publicKey.export({ type: 'spki', format: 'pem' }) as string, /is not a PEM private key/],
      ['garbage.pem', 'hello\n', /is not a PEM private key/],
      ['empty.pem', '', /is not a PEM private key/],
      ['encrypted.pem', ed.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string, /encrypted/],
    ];
    for (const [name, text, message] of files) {
      const path = join(dir, name);
      writeFileSync(path, text);
      await rejectsNaming(loadOrCreateSigningKey(path), path, message);
      assert.equal(readFileSync(path, 'utf8'), text, name);
    }
  });

  it('reports an unreadable key file with its path', async () => {
    // A directory where the key should be: unreadable as a file even for root (chmod is not).
    const path = join(fresh(), 'k.pem');
    mkdirSync(path, { recursive: true });
    await rejectsNaming(loadOrCreateSigningKey(path), path, /cannot read signing key/);
  });

  it('reports a path under a file with the path', async () => {
    const blocker = fresh();
    writeFileSync(blocker, 'a file, not a directory');
    const path = join(blocker, 'k.pem');
    await rejectsNaming(loadOrCreateSigningKey(path), path, /ENOTDIR/);
  });
});

describe('loadPublicKey', () => {
  it('accepts an SPKI public PEM and a private PEM (its public half)', async () => {
    const dir = fresh();
    const path = join(dir, 'k.pem');
    const { publicKey } = await loadOrCreateSigningKey(path);
    const expected = publicKeyFingerprint(publicKey);
    const fromPublic = await loadPublicKey(publicKeyPath(path));
    const fromPrivate = await loadPublicKey(path);
    assert.equal(fromPublic.type, 'public');
    assert.equal(fromPrivate.type, 'public');
    assert.equal(publicKeyFingerprint(fromPublic), expected);
    assert.equal(publicKeyFingerprint(fromPrivate), expected);
  });

  it('refuses a missing file, garbage and non-Ed25519 keys, naming the path', async () => {
    const dir = fresh();
    await loadOrCreateSigningKey(join(dir, 'unused.pem'));
    const missing = join(dir, 'missing.pub.pem');
    await rejectsNaming(loadPublicKey(missing), missing, /does not exist/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const files: Array<[string, string, RegExp]> = [
      ['garbage.pem', 'not a key', /is not a PEM public or private key/],
      ['rsa.pub.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string, /holds a rsa key, not Ed25519/],
      ['rsa.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /holds a rsa key, not Ed25519/],
    ];
    for (const [name, text, message] of files) {
      const path = join(dir, name);
      writeFileSync(path, text);
      await rejectsNaming(loadPublicKey(path), path, message);
    }
  });
});
