// Test helper: reads every object a file:// job wrote and decompresses it by extension.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeObject as decodeBytes } from '../../loadgen/decode-object.ts';

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
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
