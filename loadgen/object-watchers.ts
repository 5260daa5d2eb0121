// Watching a destination for newly delivered objects: a file:// directory tree or an S3 bucket
// prefix, polled. Each new object comes with the time it became visible:
//
// - file://: the file's ctime, capped by the time we saw it. sluice writes `.tmp-…`, fsyncs and
//   renames into place (src/destinations/file.ts); on Linux a rename updates the file's ctime,
//   so ctime is the moment the object appeared — on the same clock as the intended send times,
//   and free of the polling interval. (File systems that do not touch ctime on rename leave the
//   last write's time, just before the fsync: a little early, never late.) Kernel file times
//   are tick-granular (a few ms), far below the latencies measured here.
// - s3://: the time the listing that first showed the key came back. LastModified is not used:
//   S3 gives it in whole seconds and, for multipart uploads, as the time the upload *started*,
//   so it can be earlier than the object's visibility by the whole upload. The listing time is
//   late by at most one poll interval plus the listing's own duration (reported with the run).

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parseDestinationConf } from '../src/destinations/destination-conf.ts';
import { s3ConfigFrom } from '../src/destinations/s3/config.ts';

const TEMP_PREFIX = '.tmp-';

export interface ObservedObject {
  /** Path relative to the watched root, or the object key. */
  name: string;
  /** Epoch ms at which the object became visible (see the header). */
  visibleAtMs: number;
  read(): Promise<Uint8Array>;
}

export interface ObjectWatcher {
  /** Human-readable place being watched (no secrets). */
  readonly where: string;
  /** How visibility time is taken, for the report. */
  readonly timeSource: string;
  /** Marks every object present now as already seen (objects of earlier runs). */
  prime(): Promise<void>;
  /** Objects that appeared since the last poll. */
  poll(): Promise<ObservedObject[]>;
  close(): void;
}

/** The fixed part of a path template: everything before the first segment holding `{DATE}`. */
export function staticPrefix(template: string): string {
  const at = template.indexOf('{DATE}');
  if (at < 0) return template;
  const slash = template.lastIndexOf('/', at);
  return slash < 0 ? '' : template.slice(0, slash);
}

export function createObjectWatcher(destinationConf: string): ObjectWatcher {
  const parsed = parseDestinationConf(destinationConf);
  if (parsed.scheme === 'file') return new FileWatcher(staticPrefix(parsed.pathTemplate));
  if (parsed.scheme === 's3') return new S3Watcher(destinationConf);
  throw new Error(`loadgen can observe file:// and s3:// outputs, not ${parsed.scheme}://`);
}

class FileWatcher implements ObjectWatcher {
  readonly where: string;
  readonly timeSource = 'file ctime (set by the rename into place), capped by the time seen';
  readonly #root: string;
  readonly #seen = new Set<string>();

  constructor(root: string) {
    this.#root = root;
    this.where = `file://${root}`;
  }

  async #list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.#root, { withFileTypes: true, recursive: true });
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return []; // nothing delivered yet
      throw error;
    }
    const paths: string[] = [];
    for (const e of entries) if (e.isFile() && !e.name.startsWith(TEMP_PREFIX)) paths.push(join(e.parentPath, e.name));
    return paths;
  }

  async prime(): Promise<void> {
    for (const path of await this.#list()) this.#seen.add(path);
  }

  async poll(): Promise<ObservedObject[]> {
    const found: ObservedObject[] = [];
    for (const path of await this.#list()) {
      if (this.#seen.has(path)) continue;
      const seenAtMs = Date.now();
      let info;
      try {
        info = await stat(path);
      } catch {
        continue; // replaced between listing and stat: the next poll sees the new one
      }
      this.#seen.add(path);
      found.push({ name: relative(this.#root, path), visibleAtMs: Math.min(info.ctimeMs, seenAtMs), read: () => readFile(path) });
    }
    return found;
  }

  close(): void {}
}

class S3Watcher implements ObjectWatcher {
  readonly where: string;
  readonly timeSource = 'time the first listing showing the key returned (late by ≤ one poll interval)';
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #seen = new Set<string>();

  constructor(destinationConf: string) {
    const config = s3ConfigFrom(destinationConf);
    this.#bucket = config.bucket;
    const prefix = staticPrefix(config.pathTemplate);
    this.#prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.where = `s3://${config.bucket}/${this.#prefix} at ${config.endpointLabel}`;
    this.#client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
    });
  }

  async #list(): Promise<{ keys: string[]; listedAtMs: number }> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return { keys, listedAtMs: Date.now() };
  }

  async prime(): Promise<void> {
    for (const key of (await this.#list()).keys) this.#seen.add(key);
  }

  async poll(): Promise<ObservedObject[]> {
    const { keys, listedAtMs } = await this.#list();
    const found: ObservedObject[] = [];
    for (const key of keys) {
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      found.push({ name: key, visibleAtMs: listedAtMs, read: () => this.#get(key) });
    }
    return found;
  }

  async #get(key: string): Promise<Uint8Array> {
    const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
    if (response.Body === undefined) throw new Error(`GetObject ${this.#bucket}/${key} returned no body`);
    return response.Body.transformToByteArray();
  }

  close(): void {
    this.#client.destroy();
  }
}
