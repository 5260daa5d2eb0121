// The Ed25519 key that signs audit digests (src/audit/digest.ts). The private key is a PKCS#8
// PEM, mode 0600; its public key sits next to it as `<name>.pub.pem` (SPKI PEM, 0644) for
// whoever runs `sluice verify`. A missing key is created on first use, so digests work without
// setup; a file that is there but is not an Ed25519 private key is an error, never replaced:
// replacing it would silently start signing with a key no verifier trusts.

import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from '../jobs/store/atomic-file.ts';

/** A key file that cannot be used; the message says which file, what is wrong and what to do. */
export class SigningKeyError extends Error {
  readonly code = 'ERR_SIGNING_KEY';
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningKeyError';
    this.path = path;
  }
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** True when this call generated the key (and wrote both files). */
  created: boolean;
}

/** Where the public key of the private key at `path` goes: `key.pem` → `key.pub.pem`. */
export function publicKeyPath(path: string): string {
  return `${path.endsWith('.pem') ? path.slice(0, -'.pem'.length) : path}.pub.pem`;
}

/** Loads the signing key at `path`, creating it (and its .pub.pem) when the file does not exist. */
export async function loadOrCreateSigningKey(path: string): Promise<SigningKey> {
  const existing = await readKeyFile(path, 'signing key');
  if (existing !== null) return { ...privateKeyFrom(existing, path), created: false };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
    throw new SigningKeyError(path, `cannot create the directory of signing key ${path} (${(error as Error).message}); check the path`, { cause: error });
  });
  // Public key first: once the private key exists, the pair is complete on disk.
  const pubPath = publicKeyPath(path);
  await writeFileOnce(pubPath, publicKey.export({ type: 'spki', format: 'pem' }), 0o644, true);
  const won = await writeFileOnce(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600, false);
  if (!won) {
    // Another process created the key between our read and our write: use its key, and put its
    // public key back over the one we just wrote.
    const theirs = privateKeyFrom((await readKeyFile(path, 'signing key'))!, path);
    await writeFileOnce(pubPath, theirs.publicKey.export({ type: 'spki', format: 'pem' }), 0o644, true);
    return { ...theirs, created: false };
  }
  return { privateKey, publicKey, created: true };
}

/** The Ed25519 public key in `path`: an SPKI public key PEM, or a private key PEM (its public half). */
export async function loadPublicKey(path: string): Promise<KeyObject> {
  const pem = await readKeyFile(path, 'public key');
  if (pem === null) throw new SigningKeyError(path, `public key file ${path} does not exist; pass the .pub.pem written next to the signing key`);
  let key: KeyObject;
  try {
    // createPublicKey also accepts a private key and derives its public half.
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new SigningKeyError(path, `${path} is not a PEM public or private key; pass the .pub.pem written next to the signing key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(path, `${path} holds a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519; pass the .pub.pem written next to the signing key`);
  }
  return key;
}

/** The private key in the PEM text, or a SigningKeyError naming the path. */
function privateKeyFrom(pem: string, path: string): { privateKey: KeyObject; publicKey: KeyObject } {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const encrypted = (error as { code?: unknown }).code === 'ERR_MISSING_PASSPHRASE';
    const problem = encrypted ? 'is an encrypted key (sluice needs it unencrypted)' : 'is not a PEM private key';
    throw new SigningKeyError(path, `signing key ${path} ${problem}; use an Ed25519 PKCS#8 PEM (\`sluice keygen\` writes one)`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(path, `signing key ${path} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519; use an Ed25519 PKCS#8 PEM (\`sluice keygen\` writes one)`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The file's text, or null when it does not exist; other read failures name the path. */
async function readKeyFile(path: string, what: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SigningKeyError(path, `cannot read ${what} ${path} (${(error as Error).message}); check the path and its permissions`, { cause: error });
  }
}

/**
 * Writes a whole file durably under a temporary name, then moves it into place, so a reader never
 * sees half a key. With `replace` it is renamed over any existing file; without, it is hard-linked,
 * which fails if the file exists: of two processes creating the key at once exactly one wins
 * (false for the loser). The mode is set explicitly, so the umask cannot loosen or tighten it.
 */
async function writeFileOnce(path: string, text: string | Buffer, mode: number, replace: boolean): Promise<boolean> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (replace) await rename(temp, path);
    else {
      try {
        await link(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
    }
    await syncDirectory(dirname(path));
    return true;
  } catch (error) {
    if (error instanceof SigningKeyError) throw error;
    throw new SigningKeyError(path, `cannot write ${path} (${(error as Error).message}); check that its directory is writable`, { cause: error });
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}
