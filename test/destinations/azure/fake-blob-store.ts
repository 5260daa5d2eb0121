// A BlobStore in memory that keeps Azure's block rules: staged blocks are uncommitted until a
// commit names them; a commit discards every uncommitted block it does not name, and fails
// (InvalidBlockList) when it names a block that was never staged; block ids of one blob must
// have equal length. Failures are injected per call.

import type { BlobStore } from '../../../src/destinations/azure/blob-store.ts';
import type { ObjectHeaders } from '../../../src/destinations/s3/store.ts';

export type BlobCall = { op: 'upload' | 'stageBlock' | 'commitBlockList' | 'deleteBlob'; blob: string; blockId?: string; blockIds?: readonly string[] };

export class FakeBlobStore implements BlobStore {
  readonly calls: BlobCall[] = [];
  readonly blobs = new Map<string, { body: Buffer; headers: ObjectHeaders }>();
  /** blob → block id → bytes, not yet committed. */
  readonly uncommitted = new Map<string, Map<string, Buffer>>();
  /** Called before each call is carried out; throw to make it fail, await to hold it. */
  before: (call: BlobCall) => void | Promise<void> = () => {};
  stagesInFlight = 0;
  maxStagesInFlight = 0;
  destroyed = false;

  async upload(blob: string, body: Uint8Array, headers: ObjectHeaders): Promise<void> {
    await this.#enter({ op: 'upload', blob });
    this.blobs.set(blob, { body: Buffer.from(body), headers });
    this.uncommitted.delete(blob);
  }

  async stageBlock(blob: string, blockId: string, body: Uint8Array): Promise<void> {
    this.stagesInFlight++;
    this.maxStagesInFlight = Math.max(this.maxStagesInFlight, this.stagesInFlight);
    try {
      await this.#enter({ op: 'stageBlock', blob, blockId });
      const blocks = this.uncommitted.get(blob) ?? new Map<string, Buffer>();
      const length = [...blocks.keys()][0]?.length;
      if (length !== undefined && length !== blockId.length) throw restError(400, 'InvalidBlobOrBlock');
      blocks.set(blockId, Buffer.from(body));
      this.uncommitted.set(blob, blocks);
    } finally {
      this.stagesInFlight--;
    }
  }

  async commitBlockList(blob: string, blockIds: readonly string[], headers: ObjectHeaders): Promise<void> {
    await this.#enter({ op: 'commitBlockList', blob, blockIds });
    const blocks = this.uncommitted.get(blob) ?? new Map<string, Buffer>();
    const parts = blockIds.map((id) => blocks.get(id));
    if (parts.some((part) => part === undefined)) throw restError(400, 'InvalidBlockList');
    this.blobs.set(blob, { body: Buffer.concat(parts as Buffer[]), headers });
    this.uncommitted.delete(blob);
  }

  async deleteBlob(blob: string): Promise<void> {
    await this.#enter({ op: 'deleteBlob', blob });
    if (!this.blobs.delete(blob)) throw restError(404, 'BlobNotFound');
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** Uncommitted blocks left anywhere. */
  get uncommittedBlocks(): number {
    let count = 0;
    for (const blocks of this.uncommitted.values()) count += blocks.size;
    return count;
  }

  async #enter(call: BlobCall): Promise<void> {
    this.calls.push(call);
    await this.before(call);
  }
}

/** An error shaped like the SDK's RestError. */
export function restError(statusCode: number, code: string, message = `${code} happened`, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), {
    name: 'RestError',
    statusCode,
    code,
    response: { headers: { get: (name: string) => headers[name.toLowerCase()] } },
  });
}

/** An error shaped like the SDK's for a request that got no answer. */
export function sendError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { name: 'RestError', code });
}
