// An in-memory ObjectStore for unit tests of the uploader, keeping S3's rules that matter here:
// parts are whole and numbered, every part but the last is at least minPartSize, completion
// lists the parts in order with their ETags, and an object becomes visible only on completion.

import { createHash } from 'node:crypto';
import type { ObjectHeaders, ObjectRef, ObjectStore, PendingUpload, UploadedPart, UploadListing, UploadRef } from '../../../src/destinations/s3/store.ts';

export interface StoredObject {
  body: Buffer;
  headers: ObjectHeaders;
}

interface Upload {
  key: string;
  headers: ObjectHeaders;
  parts: Map<number, { body: Buffer; etag: string }>;
  initiated: Date;
}

export type Operation = 'putObject' | 'createMultipartUpload' | 'uploadPart' | 'completeMultipartUpload' | 'abortMultipartUpload' | 'listMultipartUploads' | 'deleteObject';

export class FakeStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, Upload>();
  readonly calls: Array<{ op: Operation; key?: string; partNumber?: number }> = [];
  /** Bodies as sent, per part number of the last upload (to check part assembly). */
  readonly partSizes: number[] = [];
  minPartSize: number;
  inFlightParts = 0;
  maxInFlightParts = 0;
  /** Return an error to throw it from that call instead of doing it. */
  failWith: Partial<Record<Operation, (detail: { partNumber?: number; attempt: number }) => unknown>> = {};
  /** Awaited inside uploadPart before it completes (to hold parts in flight). */
  partGate: ((partNumber: number) => Promise<void>) | null = null;
  listPageSize = 1000;
  #nextId = 1;
  readonly #attempts = new Map<string, number>();
  destroyed = false;

  constructor(minPartSize = 5 * 1024 * 1024) {
    this.minPartSize = minPartSize;
  }

  count(op: Operation): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  #maybeFail(op: Operation, key: string, partNumber?: number): void {
    const attemptKey = `${op}:${key}:${partNumber ?? ''}`;
    const attempt = (this.#attempts.get(attemptKey) ?? 0) + 1;
    this.#attempts.set(attemptKey, attempt);
    const error = this.failWith[op]?.({ ...(partNumber !== undefined ? { partNumber } : {}), attempt });
    if (error !== undefined && error !== null) throw error;
  }

  async putObject(ref: ObjectRef, body: Uint8Array, headers: ObjectHeaders): Promise<void> {
    this.calls.push({ op: 'putObject', key: ref.key });
    await Promise.resolve();
    this.#maybeFail('putObject', ref.key);
    this.objects.set(ref.key, { body: Buffer.from(body), headers });
  }

  async createMultipartUpload(ref: ObjectRef, headers: ObjectHeaders): Promise<string> {
    this.calls.push({ op: 'createMultipartUpload', key: ref.key });
    await Promise.resolve();
    this.#maybeFail('createMultipartUpload', ref.key);
    const id = `upload-${this.#nextId++}`;
    this.uploads.set(id, { key: ref.key, headers, parts: new Map(), initiated: new Date() });
    return id;
  }

  async uploadPart(ref: UploadRef, partNumber: number, body: Uint8Array): Promise<UploadedPart> {
    this.calls.push({ op: 'uploadPart', key: ref.key, partNumber });
    this.inFlightParts++;
    this.maxInFlightParts = Math.max(this.maxInFlightParts, this.inFlightParts);
    try {
      if (this.partGate) await this.partGate(partNumber);
      await Promise.resolve();
      this.#maybeFail('uploadPart', ref.key, partNumber);
      const upload = this.uploads.get(ref.uploadId);
      if (!upload) throw Object.assign(new Error('The specified upload does not exist.'), { name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      upload.parts.set(partNumber, { body: Buffer.from(body), etag });
      this.partSizes[partNumber - 1] = body.length;
      return { partNumber, etag };
    } finally {
      this.inFlightParts--;
    }
  }

  async completeMultipartUpload(ref: UploadRef, parts: readonly UploadedPart[]): Promise<void> {
    this.calls.push({ op: 'completeMultipartUpload', key: ref.key });
    await Promise.resolve();
    this.#maybeFail('completeMultipartUpload', ref.key);
    const upload = this.uploads.get(ref.uploadId);
    if (!upload) throw Object.assign(new Error('no such upload'), { name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
    const bodies: Buffer[] = [];
    parts.forEach((part, i) => {
      if (part.partNumber !== i + 1) throw Object.assign(new Error('parts out of order'), { name: 'InvalidPartOrder', $metadata: { httpStatusCode: 400 } });
      const stored = upload.parts.get(part.partNumber);
      if (!stored || stored.etag !== part.etag) throw Object.assign(new Error('bad part'), { name: 'InvalidPart', $metadata: { httpStatusCode: 400 } });
      if (i < parts.length - 1 && stored.body.length < this.minPartSize) {
        throw Object.assign(new Error('part too small'), { name: 'EntityTooSmall', $metadata: { httpStatusCode: 400 } });
      }
      bodies.push(stored.body);
    });
    this.objects.set(upload.key, { body: Buffer.concat(bodies), headers: upload.headers });
    this.uploads.delete(ref.uploadId);
  }

  async abortMultipartUpload(ref: UploadRef): Promise<void> {
    this.calls.push({ op: 'abortMultipartUpload', key: ref.key });
    await Promise.resolve();
    this.#maybeFail('abortMultipartUpload', ref.key);
    this.uploads.delete(ref.uploadId);
  }

  async listMultipartUploads(_bucket: string, prefix: string, after: UploadListing['next']): Promise<UploadListing> {
    this.calls.push({ op: 'listMultipartUploads', key: prefix });
    await Promise.resolve();
    this.#maybeFail('listMultipartUploads', prefix);
    const all: PendingUpload[] = [...this.uploads.entries()]
      .filter(([, u]) => u.key.startsWith(prefix))
      .map(([uploadId, u]) => ({ key: u.key, uploadId, initiated: u.initiated }))
      .sort((a, b) => (a.key === b.key ? (a.uploadId < b.uploadId ? -1 : 1) : a.key < b.key ? -1 : 1));
    const start = after === null ? 0 : all.findIndex((u) => u.key > after.keyMarker || (u.key === after.keyMarker && u.uploadId > after.uploadIdMarker));
    const page = start < 0 ? [] : all.slice(start, start + this.listPageSize);
    const last = page[page.length - 1];
    const more = start >= 0 && start + this.listPageSize < all.length;
    return { uploads: page, next: more && last ? { keyMarker: last.key, uploadIdMarker: last.uploadId } : null };
  }

  async deleteObject(ref: ObjectRef): Promise<void> {
    this.calls.push({ op: 'deleteObject', key: ref.key });
    await Promise.resolve();
    this.#maybeFail('deleteObject', ref.key);
    this.objects.delete(ref.key);
  }

  destroy(): void {
    this.destroyed = true;
  }
}

/** An error shaped like the SDK's service exceptions. */
export function sdkError(name: string, status: number, message = `${name} happened`, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, $response: { statusCode: status, headers } });
}

/** A Node network error (what the SDK throws when the connection fails). */
export function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code, $metadata: {} });
}

/** Waits until `check()` is true, failing after `ms`. */
export async function waitUntil(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
