// Certificates made at test time with the openssl CLI (node:crypto cannot issue X.509): a
// private CA, server certificates it signs for 127.0.0.1 and localhost, and a stray key that
// belongs to none of them. Fast EC P-256 keys; nothing is checked in.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  /** The CA certificate (what a client trusts, e.g. NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** A key that matches no certificate here. */
  strayKeyFile: string;
  /** Issues a certificate for 127.0.0.1/localhost as `<name>.crt` + `<name>.key` in the directory. */
  issue(name: string): { certFile: string; keyFile: string };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the openssl command is not installed' : String((error as { stderr?: Buffer }).stderr ?? error);
    throw new Error(`these tests make certificates with openssl: ${detail}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A CA in `dir` (files ca.crt, ca.key, stray.key). */
export function createTestCa(dir: string): TestCa {
  openssl(['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=sluice test CA'], dir);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'stray.key'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  return {
    caFile: join(dir, 'ca.crt'),
    strayKeyFile: join(dir, 'stray.key'),
    issue(name) {
      openssl(['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', `${name}.crt`], dir);
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    },
  };
}
