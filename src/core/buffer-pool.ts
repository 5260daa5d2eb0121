// Reuses the shared buffers that batches are packed into.
//
// A delivered batch's buffer would otherwise stay resident until the garbage collector gets
// to it, and at full speed the GC lags: bench and the backpressure test saw RSS reach
// 465-555 MiB with a 16 MiB budget, mostly delivered batches' pages. Handing buffers back
// here on acknowledgement bounds that memory by the pool's limit instead of by GC timing.
// Workers only read a batch's buffer while its task runs, so once the batch is acknowledged
// nothing else refers to it.

const MIN_CLASS = 64 * 1024;

export class SharedBufferPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private freeBytes = 0;
  private readonly maxFreeBytes: number;

  /** Keeps at most `maxFreeBytes` of idle buffers; beyond that, returned buffers are left to the GC. */
  constructor(maxFreeBytes: number) {
    this.maxFreeBytes = maxFreeBytes;
  }

  /** A buffer of at least `bytes` (rounded up to a power of two, so buffers are interchangeable). */
  take(bytes: number): SharedArrayBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.freeBytes -= size;
      return reused;
    }
    return new SharedArrayBuffer(size);
  }

  give(buffer: SharedArrayBuffer): void {
    const size = buffer.byteLength;
    if (size !== sizeClass(size) || this.freeBytes + size > this.maxFreeBytes) return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.freeBytes += size;
  }

  get idleBytes(): number {
    return this.freeBytes;
  }
}

function sizeClass(bytes: number): number {
  let size = MIN_CLASS;
  while (size < bytes) size *= 2;
  return size;
}
