// `sluice keygen --out FILE.pem`: makes the Ed25519 key that signs audit digests. The private key
// stays with sluice (the config's audit_digests.signing_key_file); the public key goes to whoever
// runs `sluice verify`. An existing key is never overwritten: replacing it would leave every
// digest signed so far unverifiable with the new public key.

import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { publicKeyFingerprint } from '../audit/digest.ts';
import { loadOrCreateSigningKey, publicKeyPath, SigningKeyError } from '../audit/signing-key.ts';
import { UsageError } from './user-error.ts';

export const KEYGEN_USAGE = `usage: sluice keygen --out FILE.pem

  creates an Ed25519 key that signs audit digests: the private key in FILE.pem (mode 0600) and
  its public key next to it in FILE.pub.pem; never overwrites an existing key`;

export interface KeygenCommandIo {
  stdout(text: string): void;
}

/** Runs `sluice keygen`; returns the exit code. Throws UsageError for bad arguments or an existing file. */
export async function runKeygenCommand(argv: string[], io: KeygenCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(`${KEYGEN_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n${KEYGEN_USAGE}`);
  if (!values.out) throw new UsageError(`sluice keygen needs --out FILE.pem\n${KEYGEN_USAGE}`);
  const privatePath = resolve(values.out);
  const publicPath = publicKeyPath(privatePath);
  for (const path of [privatePath, publicPath]) {
    if (await exists(path)) throw new UsageError(`${path} already exists; sluice keygen never overwrites a key (digests signed with it would no longer verify): choose another --out or move the file away`);
  }

  let created: boolean;
  let fingerprint: string;
  try {
    const key = await loadOrCreateSigningKey(privatePath);
    created = key.created;
    fingerprint = publicKeyFingerprint(key.publicKey);
  } catch (error) {
    if (error instanceof SigningKeyError) throw new UsageError(error.message);
    // A file system error loadOrCreateSigningKey let through (creating the directory): still the user's to fix.
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string' && (error as NodeJS.ErrnoException).syscall !== undefined) throw new UsageError(`cannot create ${privatePath} (${code}); check that its directory can be created and written`);
    throw error;
  }
  // Someone else created it between the check and now: it is theirs, not ours to report as new.
  if (!created) throw new UsageError(`${privatePath} already exists; sluice keygen never overwrites a key: choose another --out or move the file away`);

  io.stdout(
    [
      'sluice: created an Ed25519 digest signing key',
      `  private key: ${privatePath}  (keep it secret; only sluice reads it: set audit_digests.signing_key_file: ${privatePath} in the config)`,
      `  public key:  ${publicPath}  (give it to whoever runs: sluice verify --destination CONF --job ID --public-key ${publicPath})`,
      `  fingerprint: ${fingerprint}  (the public_key_sha256 of every digest it signs)`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new UsageError(`cannot check ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
