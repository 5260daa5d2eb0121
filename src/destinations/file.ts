// The file:// destination: each batch becomes one file under the (date-expanded) directory.
//
// Writes are atomic: the bytes go to `.tmp-…` in the same directory, are fsynced, and the file is
// renamed to its final name; then the directory is fsynced so the rename itself survives a
// crash. A reader never sees half an object, a crash leaves at most a `.tmp-` file (skip them
// when globbing), and re-delivering a batch overwrites the same name (invariant 2).

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DeliveryError, type Destination, type DeliveryObject, type DeliveryReceipt } from './destination.ts';
import { parseDestinationConf, redactDestinationConf } from './destination-conf.ts';
import { expandDate, objectName } from './object-name.ts';

export const TEMP_PREFIX = '.tmp-';

export class FileDestination implements Destination {
  readonly kind = 'file';
  readonly #pathTemplate: string;
  readonly #redactedConf: string;

  constructor(conf: string) {
    const parsed = parseDestinationConf(conf);
    if (parsed.scheme !== 'file') throw new TypeError(`FileDestination needs a file: destination_conf, got ${parsed.scheme}:`);
    this.#pathTemplate = parsed.pathTemplate;
    this.#redactedConf = redactDestinationConf(conf);
  }

  async deliver(object: DeliveryObject): Promise<DeliveryReceipt> {
    const finalPath = join(expandDate(this.#pathTemplate, object.startNs), objectName(object));
    await writeFileAtomically(finalPath, (handle) => writeAll(handle, object.chunks), this.#redactedConf);
    return { location: finalPath };
  }

  async close(): Promise<void> {}
}

/**
 * Writes `finalPath` atomically and durably (see the header): `write` fills a temporary file in
 * the same directory, which is fsynced and renamed into place, then the directory is fsynced.
 * Failures are DeliveryErrors naming the stage; the temporary file never outlives a failure.
 */
export async function writeFileAtomically(finalPath: string, write: (handle: FileHandle) => Promise<void>, redactedConf: string): Promise<void> {
  const dir = dirname(finalPath);
  // Unique per attempt, so two concurrent writes of the same name cannot share a temp file.
  const tempPath = join(dir, `${TEMP_PREFIX}${basename(finalPath)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  let stage = 'create directory';
  let handle: FileHandle | null = null;
  try {
    await mkdir(dir, { recursive: true });
    stage = 'create temporary file';
    handle = await open(tempPath, 'wx');
    stage = 'write';
    await write(handle);
    stage = 'fsync';
    await handle.sync();
    await handle.close();
    handle = null;
    stage = 'rename into place';
    await rename(tempPath, finalPath);
    stage = 'fsync directory';
    await syncDirectory(dir);
  } catch (error) {
    if (handle) await handle.close().catch(() => {});
    // The temp file must not outlive a failed attempt (a retry writes a new one).
    if (stage !== 'fsync directory') await rm(tempPath, { force: true }).catch(() => {});
    throw fileDeliveryError(error, stage, stage === 'create directory' ? dir : finalPath, redactedConf);
  }
}

async function writeAll(handle: FileHandle, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  let position = 0;
  for await (const chunk of chunks) {
    let rest = [chunk];
    while (rest.length > 0) {
      const { bytesWritten } = await handle.writev(rest, position);
      position += bytesWritten;
      rest = dropWritten(rest, bytesWritten);
    }
  }
}

/** What is left of `group` after its first `written` bytes (short writes are legal, if rare). */
function dropWritten(group: Uint8Array[], written: number): Uint8Array[] {
  let rest = written;
  let i = 0;
  while (i < group.length && rest >= group[i]!.length) rest -= group[i++]!.length;
  if (i === group.length) return [];
  const remaining = group.slice(i);
  remaining[0] = remaining[0]!.subarray(rest);
  return remaining;
}

/** fsyncs a directory, so that a rename or create inside it survives a crash. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename is then as durable as they allow.
    const code = (error as { code?: string }).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

interface ErrorClass {
  code: string;
  retryable: boolean;
  advice: string;
}

const FILE_ERRORS: Readonly<Record<string, ErrorClass>> = {
  ENOSPC: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'the disk is full; free space or move the destination to another volume (will retry)' },
  EDQUOT: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'the disk quota is exhausted; free space or raise the quota (will retry)' },
  EIO: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'the file system reported an I/O error (will retry)' },
  EMFILE: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'too many open files; raise the open-file limit (ulimit -n) (will retry)' },
  ENFILE: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'the system is out of file handles (will retry)' },
  EAGAIN: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'the file system is busy (will retry)' },
  EBUSY: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'the file system is busy (will retry)' },
  ETIMEDOUT: { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'the (network) file system timed out (will retry)' },
  EACCES: { code: 'ERR_DESTINATION_PERMISSION', retryable: false, advice: 'permission denied; make the directory writable by the user running sluice, or change destination_conf' },
  EPERM: { code: 'ERR_DESTINATION_PERMISSION', retryable: false, advice: 'operation not permitted; make the directory writable by the user running sluice, or change destination_conf' },
  EROFS: { code: 'ERR_DESTINATION_PERMISSION', retryable: false, advice: 'the file system is read-only; point destination_conf at a writable directory' },
  ENOTDIR: { code: 'ERR_DESTINATION_PATH', retryable: false, advice: 'part of the path is a file, not a directory; fix destination_conf or move that file' },
  EEXIST: { code: 'ERR_DESTINATION_PATH', retryable: false, advice: 'a file exists where a directory is needed; fix destination_conf or move that file' },
  EISDIR: { code: 'ERR_DESTINATION_PATH', retryable: false, advice: 'a directory exists where the object should go; remove it or change destination_conf' },
  ENAMETOOLONG: { code: 'ERR_DESTINATION_PATH', retryable: false, advice: 'the path is too long; shorten the directory in destination_conf' },
  ELOOP: { code: 'ERR_DESTINATION_PATH', retryable: false, advice: 'the path has a symbolic link loop; fix destination_conf' },
};

/**
 * Maps a file system error to a DeliveryError. Unknown errors are retryable: retrying a
 * transient fault is harmless (the write is idempotent), giving up on one loses the batch.
 */
export function fileDeliveryError(error: unknown, stage: string, path: string, redactedConf: string): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const sysCode = (error as { code?: unknown } | null)?.code;
  const known = typeof sysCode === 'string' ? FILE_ERRORS[sysCode] : undefined;
  const cls = known ?? { code: 'ERR_DESTINATION_IO', retryable: true, advice: 'unexpected file system error (will retry)' };
  const detail = typeof sysCode === 'string' ? sysCode : error instanceof Error ? error.message : String(error);
  return new DeliveryError(cls.code, `file destination ${redactedConf}: cannot ${stage} ${path}: ${cls.advice} (${detail})`, cls.retryable, { cause: error });
}
