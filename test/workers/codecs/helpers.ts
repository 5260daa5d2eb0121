// Shared inputs and system-tool decoders for codec tests.

import { spawnSync } from 'node:child_process';
import { generateRecords } from '../../../bench/fixtures.ts';

/** Realistic NDJSON text (~1.4 KB records) of about `bytes` bytes. */
export function ndjsonSample(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (const record of generateRecords(Math.ceil(bytes / 1000) + 1, 3)) {
    lines.push(`${record}\n`);
    size += Buffer.byteLength(record) + 1;
    if (size >= bytes) break;
  }
  return Buffer.from(lines.join(''), 'utf8');
}

/** Runs a system decompressor (`gzip -dc`, `zstd -dc`) on `input` and returns its stdout; fails on a non-zero exit. */
export function systemDecode(command: 'gzip' | 'zstd', input: Uint8Array): Buffer {
  const result = spawnSync(command, ['-dc'], { input, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} -dc exited ${result.status}: ${result.stderr.toString()}`);
  return result.stdout;
}

export function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}
