// Reuses the shared buffers that batches are packed into.
//
// A delivered batch's buffer would otherwise stay resident until the garbage collector gets
// to it, and at full speed the GC lags: bench and the backpressure test saw RSS reach
// 465-555 MiB with a 16 MiB budget, mostly delivered batches' pages. Handing buffers back
// here on acknowledgement bounds that memory by the pool's limit instead of by GC timing.
// Workers only read a batch's buffer while its task runs, so once the batch is acknowledged
// nothing else refers to it.
//
// Idle buffers are kept only while they are needed: trim() lets go of as many idle bytes as
// stayed idle since the previous trim (the low-water mark), so after a burst the pool does not
// keep up to the whole budget of touched pages resident for nothing.

const MIN_CLASS = 64 * 1024;

export class SharedBufferPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private freeBytes = 0;
  /** The fewest idle bytes since the last trim: that many were not needed in the meantime. */
  private lowWater = 0;
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
      if (this.freeBytes < this.lowWater) this.lowWater = this.freeBytes;
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

  /**
   * Lets go of idle buffers, largest first, worth at most the bytes that stayed idle since the
   * previous call; the garbage collector frees them. Returns the bytes let go.
   */
  trim(): number {
    let excess = this.lowWater;
    let released = 0;
    for (const size of [...this.free.keys()].sort((a, b) => b - a)) {
      const list = this.free.get(size)!;
      while (size <= excess && list.length > 0) {
        list.pop();
        excess -= size;
        released += size;
      }
    }
    this.freeBytes -= released;
    this.lowWater = this.freeBytes;
    return released;
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
