// The admin API's certificate and key (config `api.tls`). Both files are read and checked
// together before anything starts — a missing file, a file that is not PEM, or a key of another
// certificate is one line naming the config field — and again on SIGHUP, where a bad pair keeps
// the one in use. X509Certificate.checkPrivateKey says which field is wrong, instead of
// OpenSSL's "key values mismatch" from createSecureContext.

import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureVersion } from 'node:tls';
import type { ApiTlsConfig } from '../config/schema.ts';

export const API_TLS_CERT_PATH = '$.api.tls.cert_file';
export const API_TLS_KEY_PATH = '$.api.tls.key_file';

/** Options for https.createServer and server.setSecureContext. */
export interface ApiTls {
  cert: Buffer;
  key: Buffer;
  minVersion: SecureVersion;
}

/** A certificate or key file that cannot be used; the message names the config field and what to do. */
export class ApiTlsError extends Error {
  readonly code = 'ERR_API_TLS';
  /** The config field at fault, e.g. $.api.tls.key_file. */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.name = 'ApiTlsError';
    this.path = path;
  }
}

/** Reads and checks the pair; throws ApiTlsError. */
export async function loadApiTls(config: ApiTlsConfig): Promise<ApiTls> {
  const [cert, key] = await Promise.all([
    readPem(config.cert_file, API_TLS_CERT_PATH, 'the PEM certificate the admin API presents'),
    readPem(config.key_file, API_TLS_KEY_PATH, 'the PEM private key of that certificate'),
  ]);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new ApiTlsError(API_TLS_CERT_PATH, `${config.cert_file} holds no PEM certificate; give the certificate file (-----BEGIN CERTIFICATE-----)`, { cause: error });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new ApiTlsError(API_TLS_KEY_PATH, (error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE'
      ? `${config.key_file} is encrypted; give an unencrypted key (openssl pkey -in <key> -out <new key>) and keep it mode 0600`
      : `${config.key_file} holds no PEM private key; give the key file (-----BEGIN PRIVATE KEY-----)`, { cause: error });
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ApiTlsError(API_TLS_KEY_PATH, `the key in ${config.key_file} does not belong to the certificate in ${config.cert_file} (${API_TLS_CERT_PATH}); give the private key the certificate was issued for`);
  }
  const tls: ApiTls = { cert, key, minVersion: config.min_version };
  try {
    createSecureContext(tls);
  } catch (error) {
    throw new ApiTlsError(API_TLS_CERT_PATH, `${config.cert_file} with ${config.key_file} cannot serve TLS (${(error as Error).message})`, { cause: error });
  }
  return tls;
}

async function readPem(file: string, path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new ApiTlsError(path, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the path of ${what}, readable by the user sluice runs as`, { cause: error });
  }
}
