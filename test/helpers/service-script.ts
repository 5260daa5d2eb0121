// Runs one of the repo's service scripts (scripts/s3.sh, scripts/toxiproxy.sh) for the test
// helpers, with a deadline, and turns a failure into an error carrying the script's output
// (which ends with the server's log when a start failed).

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// A first start builds the server with `go install` (~3 min cold on 2 cores for versitygw).
const SCRIPT_TIMEOUT_MS = 600_000;

export function runServiceScript(script: 's3.sh' | 'toxiproxy.sh', command: string): Promise<string> {
  const path = fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile('bash', [path, command], { timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/${script} ${command} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}
