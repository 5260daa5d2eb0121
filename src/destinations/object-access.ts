// Reading and writing individual objects of a destination by key, for the audit digests: the
// digest writer puts its digest objects next to the delivered ones, and `sluice verify` lists,
// reads and hashes what a destination holds. Destination itself only delivers batches, so this
// is a separate, smaller interface over the same destination_conf.
//
// Keys are relative to the destination's ROOT and '/'-separated. The root is the fixed part of
// the path before `{DATE}`: for object storage the string listingPrefix (s3/keys.ts) gives —
// the same prefix the multipart sweep lists —, for file:// the directory before the first path
// segment that holds `{DATE}` (or the whole path). So `file:///var/log/sluice/{DATE}` has root
// `/var/log/sluice/` and a delivered file's key is `20261127/<object name>`.

import { parseDestinationConf } from './destination-conf.ts';
import { FileObjectAccess } from './file-object-access.ts';
import type { NetworkPolicy } from './net/network-policy.ts';
import { S3ObjectAccess } from './s3/object-access.ts';
import { AzureObjectAccess } from './azure/object-access.ts';

/** An object of a listing, with what verify needs without reading it. */
export interface ObjectInfo {
  /** Relative to the root, as list gives it. */
  key: string;
  /** The stored size in bytes. */
  bytes: number;
  /** When the object was last written: a file's mtime, S3 LastModified, Azure lastModified (servers give whole seconds). */
  modified: Date;
}

export interface ObjectAccess {
  /**
   * Where the keys live, for messages (secrets redacted): `root + key` names an object, e.g.
   * `/var/log/sluice/` or `s3://bucket/logs/`.
   */
  readonly root: string;
  /** Writes the object; resolves once it is durable. Files are replaced atomically (temp + fsync + rename + directory fsync). */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The object's bytes, or null when there is no object under that key. */
  get(key: string): Promise<Uint8Array | null>;
  /**
   * Every object key (relative to the root) that starts with `prefix`, at any depth, sorted by
   * UTF-16 code units (plain `<`). A file destination's temporary `.tmp-` files are not objects.
   */
  list(prefix: string): Promise<string[]>;
  /** What list gives (same keys, same order), with each object's size and modification time. */
  listInfo(prefix: string): Promise<ObjectInfo[]>;
  /**
   * The object's bytes as a stream of chunks, or null when there is no object under that key
   * (as for get), so that a large object can be hashed in bounded memory. An error while
   * streaming is thrown by the iteration as a DeliveryError (same codes and redaction as get).
   * Consume the chunks to the end or break out of the loop: breaking releases the file or the
   * connection (object-chunks.ts); an iterable that is never iterated holds them open. A chunk
   * is valid only until the next one is asked for (files reuse one buffer): copy what you keep.
   */
  read(key: string): Promise<AsyncIterable<Uint8Array> | null>;
  /** The key of a DeliveryReceipt.location this destination produced; null when the location is not under the root. */
  keyOfLocation(location: string): string | null;
  /** Releases pooled connections; the instance is not used afterwards. */
  close(): void;
}

/**
 * The object access for a destination_conf: file:// and object storage (s3://, r2://, gs://, azure://);
 * null for destinations that have no objects to read back (HTTP endpoints). A malformed conf
 * throws the same non-retryable ERR_DESTINATION_CONF DeliveryError as createDestination.
 * put/get/list/listInfo/read reject with DeliveryErrors (same codes and redaction as the destinations').
 */
export function objectAccessFor(destinationConf: string, options: { network: NetworkPolicy }): ObjectAccess | null {
  const parsed = parseDestinationConf(destinationConf);
  switch (parsed.scheme) {
    case 'file':
      return new FileObjectAccess(destinationConf);
    case 's3':
    case 'r2':
    case 'gs':
      return new S3ObjectAccess(destinationConf, { network: options.network });
    case 'azure':
      return new AzureObjectAccess(destinationConf, { network: options.network });
    default:
      return null;
  }
}
