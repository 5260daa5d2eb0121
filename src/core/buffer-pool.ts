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
//
// Idle buffers are counted by what they hold resident (see below), not by their size. Counted
// by size, a 128 MiB budget kept two 64 MiB batch buffers, so nearly every batch got a fresh
// one, and a buffer a worker has seen stays resident until that worker's garbage collector
// drops its handle (long after the task, as the worker allocates little): at 10 jobs ~94
// buffers, 573 MB resident, were alive at once (commit 7e37ea2). Reused, a lingering handle
// pins a buffer the pool holds anyway, so batch memory follows the batches that exist.
//
// What is resident: a buffer of LAZILY_MAPPED_BYTES or more is a mapping of its own whose pages
// the OS fills with zeros when first written, so only the bytes written are memory; the rest is
// address space. A smaller one comes from malloc's heap once freed mappings have raised glibc's
// mmap threshold (it rises up to 32 MiB), and calloc zeroes all of it. Measured here, 200
// buffers with 4 KiB written in each, allocated after as many were freed: 1 MiB ones +201 MiB
// RSS, 8 MiB ones +1,601 MiB, 32 and 64 MiB ones +3 MiB. The pool remembers how far each buffer
// was ever written, since those pages stay resident when it is used again.

const MIN_CLASS = 64 * 1024;

/** Buffers at least this large are lazily mapped: resident only where written. */
export const LAZILY_MAPPED_BYTES = 32 * 1024 * 1024;

export interface PooledBuffer {
  readonly buffer: SharedArrayBuffer;
  /** Bytes of it that are resident before anything more is written (see above). */
  touched: number;
}

export class SharedBufferPool {
  private readonly free = new Map<number, PooledBuffer[]>();
  /** Resident bytes of the idle buffers (idleCost). */
  private freeBytes = 0;
  /** The fewest idle bytes since the last trim: that many were not needed in the meantime. */
  private lowWater = 0;
  private readonly maxFreeBytes: number;

  /** Keeps idle buffers holding at most `maxFreeBytes` resident; beyond that, returned buffers are left to the GC. */
  constructor(maxFreeBytes: number) {
    this.maxFreeBytes = maxFreeBytes;
  }

  /**
   * A buffer of at least `bytes` (rounded up to a power of two, so buffers are interchangeable).
   * Of the idle ones, the least written is taken, so a small batch does not hold pages a large
   * one wrote when a cleaner buffer is there.
   */
  take(bytes: number): PooledBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    if (list !== undefined && list.length > 0) {
      let best = list.length - 1;
      for (let i = best - 1; i >= 0 && list[best]!.touched > 0; i--) if (list[i]!.touched < list[best]!.touched) best = i;
      const reused = list[best]!;
      list[best] = list[list.length - 1]!;
      list.pop();
      this.freeBytes -= idleCost(reused);
      if (this.freeBytes < this.lowWater) this.lowWater = this.freeBytes;
      return reused;
    }
    return freshBuffer(size);
  }

  /** Takes `pooled` back; `written` is how far its last user wrote into it. */
  give(pooled: PooledBuffer, written: number): void {
    const size = pooled.buffer.byteLength;
    if (written > pooled.touched) pooled.touched = written;
    const cost = idleCost(pooled);
    if (size !== sizeClass(size) || this.freeBytes + cost > this.maxFreeBytes) return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(pooled);
    this.freeBytes += cost;
  }

  /**
   * Lets go of idle buffers, the most resident first, worth at most the bytes that stayed idle
   * since the previous call; the garbage collectors free them. Returns the bytes let go.
   */
  trim(): number {
    let excess = this.lowWater;
    let released = 0;
    const idle = [...this.free.values()].flat().sort((a, b) => idleCost(b) - idleCost(a));
    for (const pooled of idle) {
      const cost = idleCost(pooled);
      if (cost > excess) continue;
      const list = this.free.get(pooled.buffer.byteLength)!;
      list.splice(list.indexOf(pooled), 1);
      excess -= cost;
      released += cost;
    }
    this.freeBytes -= released;
    this.lowWater = this.freeBytes;
    return released;
  }

  /** Resident bytes held by idle buffers. */
  get idleBytes(): number {
    return this.freeBytes;
  }
}

/**
 * What an idle buffer holds resident, counted as at least MIN_CLASS so that buffers nothing
 * was written to still count: each is a mapping (vm.max_map_count, pipeline.ts MAX_BATCHES).
 */
function idleCost(pooled: PooledBuffer): number {
  return Math.max(MIN_CLASS, Math.min(pooled.touched, pooled.buffer.byteLength));
}

/** A new buffer of exactly `size` bytes, with what of it is resident from the start. */
export function freshBuffer(size: number): PooledBuffer {
  return { buffer: new SharedArrayBuffer(size), touched: size >= LAZILY_MAPPED_BYTES ? 0 : size };
}

function sizeClass(bytes: number): number {
  let size = MIN_CLASS;
  while (size < bytes) size *= 2;
  return size;
}
