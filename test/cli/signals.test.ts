// Shutdown by signal, as an operator or an orchestrator does it: the first SIGTERM/SIGINT stops
// intake, flushes open batches and exits 0 with a summary; a second signal exits at once.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { outputLines } from '../e2e/output-reader.ts';
import { waitUntil } from '../integration/support/wait.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sluice-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function start(name: string, blocked = false): { child: ChildProcess; output: () => string; exit: Promise<{ code: number | null }> } {
  const config = join(dir, `${name}.yaml`);
  let out = join(dir, name);
  if (blocked) {
    // A regular file where the destination needs a directory: every delivery fails, so a
    // graceful shutdown keeps waiting for it (up to its deadline).
    writeFileSync(out, 'not a directory');
    out = join(out, 'sub');
  }
  writeFileSync(config, [
    'limits: { min_upload_interval_seconds: 1, min_upload_records: 1, min_upload_bytes: 1 }',
    'pipeline: { workers: 1 }',
    'sources: [{ type: generator, rate: 2000 }]',
    'jobs:',
    // One long interval: only the flush at shutdown can write the records out.
    `  - { id: 1, zone_id: "${'023e105f4ecef8ad9ca31a8372d0c353'}", dataset: http_requests, destination_conf: "${pathToFileURL(out).href}/{DATE}", compression: none, max_upload_interval_seconds: 300, output_options: { field_names: [RayID] } }`,
  ].join('\n'));
  const child = spawn(process.execPath, [MAIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' } });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d));
  child.stderr!.on('data', (d: Buffer) => (text += d));
  const exit = new Promise<{ code: number | null }>((resolve) => child.on('exit', (code) => resolve({ code })));
  return { child, output: () => text, exit };
}

const waitFor = (condition: () => boolean, what: string) => waitUntil(condition, what, { intervalMs: 50 });

describe('signals', () => {
  it('SIGTERM flushes the open batch and exits 0 with a summary', async () => {
    const run = start('graceful');
    // The progress line appears after ~3 s of running: records are flowing by then.
    await waitFor(() => run.output().includes('in '), 'the first progress line');
    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    assert.equal(code, 0, run.output());
    const delivered = outputLines(join(dir, 'graceful')).lines.length;
    assert.ok(delivered > 0, 'the open batch was flushed at shutdown');
    assert.match(run.output(), new RegExp(`delivered:\\s+${delivered} in 1 batches`));
  });

  it('a second signal exits at once with status 130 while deliveries are still pending', async () => {
    const run = start('twice', true);
    await waitFor(() => run.output().includes('in '), 'the first progress line');
    run.child.kill('SIGINT');
    // The flush cannot complete (the destination is broken), so the service is still stopping.
    await waitFor(() => run.output().includes('delivery failed'), 'the failing delivery');
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    assert.equal(code, 130, run.output());
    assert.match(run.output(), /SIGINT again: exiting now/);
  });
});
