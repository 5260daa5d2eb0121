// Aborts multipart uploads a crash left behind (a process killed mid-upload never sends its
// abort; the store keeps the parts, and bills for them, until someone does).
//
// Only uploads whose key this job's path template can produce (keys.ts keyMatcher), that are
// older than `olderThanMs`, and that this process is not uploading right now are aborted. Two
// jobs writing the same bucket *and* path share keys of the same shape; a long enough age
// (longer than any real upload, which the request timeouts bound) keeps one job's sweep away
// from the other's live uploads.

import type { ObjectStore } from './store.ts';

export interface SweepResult {
  /** Uploads under the prefix that were looked at. */
  examined: number;
  /** Keys whose uploads were aborted. */
  aborted: string[];
  /** Aborts that failed (they are tried again at the next sweep). */
  failed: number;
}

export interface SweepTarget {
  bucket: string;
  prefix: string;
  matcher: RegExp;
  /** Upload ids in progress in this process. */
  live: ReadonlySet<string>;
}

/** Lists every page of uploads under the prefix; listing failures propagate (the caller maps them). */
export async function sweepUploads(store: ObjectStore, target: SweepTarget, olderThanMs: number, now = Date.now()): Promise<SweepResult> {
  const result: SweepResult = { examined: 0, aborted: [], failed: 0 };
  const cutoff = now - olderThanMs;
  let after: Parameters<ObjectStore['listMultipartUploads']>[2] = null;
  do {
    const page = await store.listMultipartUploads(target.bucket, target.prefix, after);
    for (const upload of page.uploads) {
      result.examined++;
      if (!target.matcher.test(upload.key) || target.live.has(upload.uploadId)) continue;
      // An upload without a start time is left alone: its age is unknown.
      if (upload.initiated === null || upload.initiated.getTime() > cutoff) continue;
      try {
        await store.abortMultipartUpload({ bucket: target.bucket, key: upload.key, uploadId: upload.uploadId });
        result.aborted.push(upload.key);
      } catch {
        result.failed++;
      }
    }
    after = page.next;
  } while (after !== null);
  return result;
}
