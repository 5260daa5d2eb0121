// Reads what file:// jobs delivered, the way a downstream reader would: every object except the
// `.tmp-` files a writer (possibly killed mid-write) leaves behind, decompressed by extension.
// The index caches each object's RayIDs by path, so tests can poll large outputs cheaply:
// objects are immutable once renamed into place (a re-delivered batch overwrites its name with
// the same records).

import { basename } from 'node:path';
import { TEMP_PREFIX } from '../../../src/destinations/file.ts';
import { decodeObject, listFiles } from '../../e2e/output-reader.ts';

const RAY_ID = /"RayID":"([0-9a-f]+)"/;

function rayIdsOf(path: string): string[] {
  const out: string[] = [];
  for (const line of decodeObject(path).split('\n')) {
    if (line === '') continue;
    const rayId = RAY_ID.exec(line)?.[1];
    if (rayId === undefined) throw new Error(`${path}: a line without RayID: ${line.slice(0, 80)}`);
    out.push(rayId);
  }
  return out;
}

export interface OutputScan {
  /** Delivered objects (temp files excluded). */
  objects: number;
  /** `.tmp-` files present (left by a killed writer; readers skip them). */
  tempFiles: number;
  /** How many times each RayID appears across all objects. */
  counts: Map<string, number>;
}

export class OutputIndex {
  readonly #dirs: readonly string[];
  readonly #cache = new Map<string, string[]>();

  constructor(...dirs: string[]) {
    this.#dirs = dirs;
  }

  /** Re-lists the directories, decoding only objects not seen before. */
  scan(): OutputScan {
    let tempFiles = 0;
    let objects = 0;
    const counts = new Map<string, number>();
    for (const dir of this.#dirs) {
      for (const path of listFiles(dir)) {
        if (basename(path).startsWith(TEMP_PREFIX)) {
          tempFiles++;
          continue;
        }
        let ids = this.#cache.get(path);
        if (ids === undefined) this.#cache.set(path, (ids = rayIdsOf(path)));
        objects++;
        for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    return { objects, tempFiles, counts };
  }

  /** Objects delivered so far (cheap: listing only, no decoding). */
  objectCount(): number {
    let n = 0;
    for (const dir of this.#dirs) for (const path of listFiles(dir)) if (!basename(path).startsWith(TEMP_PREFIX)) n++;
    return n;
  }
}

/** A fresh, uncached read of everything: every object must decompress fully (throws otherwise). */
export function readOutput(...dirs: string[]): OutputScan {
  return new OutputIndex(...dirs).scan();
}

export interface DeliveryCheck {
  expected: number;
  missing: string[];
  /** Extra copies beyond the first, summed over expected RayIDs. */
  duplicates: number;
  /** Largest number of copies of one RayID. */
  maxCopies: number;
  /** RayIDs in the output that were never expected (another tenant's records, garbage). */
  unexpected: number;
}

export function checkDelivery(counts: ReadonlyMap<string, number>, expected: Iterable<string>): DeliveryCheck {
  const want = new Set(expected);
  const missing: string[] = [];
  let duplicates = 0;
  let maxCopies = 0;
  for (const id of want) {
    const n = counts.get(id) ?? 0;
    if (n === 0) missing.push(id);
    else duplicates += n - 1;
    if (n > maxCopies) maxCopies = n;
  }
  let unexpected = 0;
  for (const id of counts.keys()) if (!want.has(id)) unexpected++;
  return { expected: want.size, missing, duplicates, maxCopies, unexpected };
}
