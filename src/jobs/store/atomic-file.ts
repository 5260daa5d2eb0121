// Atomic replacement of a small file: write a temporary file next to it, fsync it, rename it
// over the target, fsync the directory. A reader (or a restart after a crash) sees the old
// content or the new, never half of either. Mode 0600: job files hold destination secrets.

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  // The rename is durable only once the directory entry is on disk.
  await syncDirectory(dirname(path));
}

/** fsyncs a directory so a new or renamed entry in it survives a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync().catch(() => {}); // some filesystems refuse fsync on directories
  } finally {
    await handle.close();
  }
}
