// Test helper: reads every object a file:// job wrote and decompresses it by extension.
import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeObject as decodeBytes } from '../../loadgen/decode-object.ts';

/**
 * Every file under `dir`, sorted. Reads entry types from the directory listing itself (no
 * stat), so a temporary file renamed away by a running sluice between listing and stat
 * cannot fail the scan.
 */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out.sort();
}

export function decodeObject(path: string): string {
  return decodeBytes(path, readFileSync(path));
}

/** Every line of every object under `dir` (temporary files excluded). */
export function outputLines(dir: string): { files: string[]; lines: string[] } {
  const files = listFiles(dir);
  const lines: string[] = [];
  for (const file of files) {
    for (const line of decodeObject(file).split('\n')) if (line !== '') lines.push(line);
  }
  return { files, lines };
}
