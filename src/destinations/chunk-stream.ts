// The compressed chunks of one batch, in order, as they are produced. A destination iterates
// it while later chunks may still be compressing (a multipart upload sends part 1 while part 3
// is being compressed). Each iteration starts again from the first chunk, so a destination
// retrying a failed upload simply iterates again. Chunks are held until the batch is done;
// the pipeline's memory budget already counts the batch.

export class ChunkStream implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private waiters: Array<() => void> = [];
  /** Bytes pushed so far. */
  byteLength = 0;

  static of(chunks: readonly Uint8Array[]): ChunkStream {
    const stream = new ChunkStream();
    for (const chunk of chunks) stream.push(chunk);
    stream.end();
    return stream;
  }

  push(chunk: Uint8Array): void {
    if (this.ended || this.failure) throw new Error('ChunkStream: push after end');
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.byteLength += chunk.length;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Iterations waiting for more chunks reject with `error` (the destination aborts its upload). */
  fail(error: unknown): void {
    this.failure = { error };
    this.wake();
  }

  get complete(): boolean {
    return this.ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    let next = 0;
    for (;;) {
      if (next < this.chunks.length) {
        yield this.chunks[next++]!;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
