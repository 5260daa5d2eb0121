// Cloudflare's Python SDK (PyPI `cloudflare`, pinned with its dependencies) in a virtualenv under
// .cache/, installed on first use like schemathesis (scripts/schemathesis.sh): only the install
// needs the network. Needs python3 with the venv module (Debian: python3-venv).

import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const PYTHON_SDK_VERSION = '5.9.0';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VENV = join(ROOT, '.cache', 'cloudflare-python', `venv-${PYTHON_SDK_VERSION}`);
const CONSTRAINTS = fileURLToPath(new URL('cloudflare-python-constraints.txt', import.meta.url));
const exec = promisify(execFile);

/** The venv's python, with the SDK installed; `.installed` is written last, so a half-built venv is built again. */
export async function pythonWithSdk(timeoutMs: number): Promise<string> {
  const python = join(VENV, 'bin', 'python');
  const installed = join(VENV, '.installed');
  if (existsSync(installed)) return python;
  rmSync(VENV, { recursive: true, force: true });
  // pip writes the venv's absolute path into its scripts, so it is built where it stays.
  await exec('python3', ['-m', 'venv', VENV], { timeout: timeoutMs });
  await exec(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-c', CONSTRAINTS, `cloudflare==${PYTHON_SDK_VERSION}`], { timeout: timeoutMs, maxBuffer: 16 << 20 });
  const { stdout } = await exec(python, ['-c', 'import cloudflare; print(cloudflare.__version__)']);
  if (stdout.trim() !== PYTHON_SDK_VERSION) throw new Error(`the venv's cloudflare is ${stdout.trim()}, not ${PYTHON_SDK_VERSION}`);
  writeFileSync(installed, '');
  return python;
}
