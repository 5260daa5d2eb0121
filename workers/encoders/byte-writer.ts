// Where encoders write: one growable byte buffer per worker, reused for every batch.
//
// Encoders write bytes, not strings. The alternative — each record as a JS string (a rope of ~20
// pieces) and one Buffer write per chunk — measured slower here (10.2 ms per 10,000 records of
// 10 fields against 5.2 ms for this writer), allocates ~30 strings per record, and measures
// chunks in UTF-16 units instead of bytes. Copying bytes keeps the hot loop allocation-free and
// chunkBytes exact.
//
// A record's values are copied from the batch's UTF-8 bytes unchanged (`value`), so non-ASCII
// text, escapes and 19-digit integers come out exactly as they came in. A value an encoder
// computed (`text`: a formatted timestamp, a CVE-rewritten value) is a latin1 string, one char
// per byte: ASCII output, or a latin1Of slice of the batch edited as text, so writing one byte
// per char reproduces its UTF-8 bytes exactly.
//
// Copies move 4 bytes at a time through DataViews (getUint32/setUint32, which TurboFan compiles
// to plain unaligned loads and stores). On this class of machine a byte-at-a-time typed-array
// loop costs ~2.5 ns a byte; word copies cut the encoder's time by ~35% (bench/pipeline.bench.ts,
// 10 fields ≈ 325 output bytes a record). A word copy may write up to 3 bytes past the piece it
// copies (the buffer keeps that much slack; the next write overwrites them) and may read up to 3
// bytes past it (so fragments are padded, and a value at the very end of its source is copied
// bytewise).

/** Precomputed output bytes (a key, a delimiter), padded so they can be copied by words. */
export interface Fragment {
  readonly length: number;
  readonly bytes: Uint8Array;
  /** A view of `bytes` with at least 3 readable bytes after `length`. */
  readonly words: DataView;
}

/** Slack past any write, so word copies never run off the buffer. */
const SLACK = 4;
const NO_BYTES = new Uint8Array(0);

export class ByteWriter {
  // A plain Uint8Array, not a Buffer: byte stores into Node's Buffer subclass measured ~1.8x
  // slower than into a Uint8Array in a copy microbenchmark here.
  buffer: Uint8Array;
  words: DataView;
  pos = 0;
  // The bytes values were last copied from (normally the batch), with a DataView for word reads.
  // `value` takes its source per call and re-makes the view only when the source changes (once
  // per batch), so callers need not tell the writer about the batch first.
  #source: Uint8Array = NO_BYTES;
  #sourceWords: DataView = new DataView(NO_BYTES.buffer);
  #sourceLength = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = new Uint8Array(initialBytes + SLACK);
    this.words = new DataView(this.buffer.buffer);
  }

  /** Copies bytes[start, end): a record's raw JSON value, unchanged. */
  value(bytes: Uint8Array, start: number, end: number): void {
    if (bytes !== this.#source) this.#setSource(bytes);
    const n = end - start;
    let pos = this.pos;
    if (pos + n + SLACK > this.buffer.length) this.grow(n);
    if (end + 3 <= this.#sourceLength) {
      const to = this.words;
      const from = this.#sourceWords;
      for (let i = 0; i < n; i += 4) to.setUint32(pos + i, from.getUint32(start + i));
      pos += n;
    } else {
      // The last bytes of the source: a word read would run past it.
      const buffer = this.buffer;
      for (let i = start; i < end; i++) buffer[pos++] = bytes[i]!;
    }
    this.pos = pos;
  }

  /** Writes a computed latin1 string, one byte per char (see the header: exact for what encoders compute). */
  text(text: string): void {
    const n = text.length;
    if (this.pos + n + SLACK > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buffer[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Copies a precomputed fragment. */
  fragment(fragment: Fragment): void {
    const n = fragment.length;
    let pos = this.pos;
    if (pos + n + SLACK > this.buffer.length) this.grow(n);
    const to = this.words;
    const from = fragment.words;
    for (let i = 0; i < n; i += 4) to.setUint32(pos + i, from.getUint32(i));
    this.pos = pos + n;
  }


  /** The bytes written so far (a view; valid until the next write or reset). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.pos);
  }

  /** Starts a new batch: empties the buffer (keeping its memory). */
  reset(): void {
    this.pos = 0;
  }

  /**
   * Drops a buffer that grew past `maxBytes` for one huge batch, so a worker does not keep it,
   * and lets go of the last batch's bytes.
   */
  shrink(maxBytes: number, initialBytes = 1 << 20): void {
    if (this.buffer.length > maxBytes) this.#setBuffer(new Uint8Array(initialBytes + SLACK));
    this.#setSource(NO_BYTES);
  }

  protected grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.pos + extra + SLACK));
    next.set(this.buffer.subarray(0, this.pos));
    this.#setBuffer(next);
  }

  #setBuffer(buffer: Uint8Array): void {
    this.buffer = buffer;
    this.words = new DataView(buffer.buffer);
  }

  #setSource(source: Uint8Array): void {
    this.#source = source;
    this.#sourceWords = new DataView(source.buffer, source.byteOffset, source.byteLength);
    this.#sourceLength = source.length;
  }
}

/** `text` as a UTF-8 fragment. */
export function utf8(text: string): Fragment {
  const encoded = Buffer.from(text, 'utf8');
  const padded = new Uint8Array(encoded.length + SLACK);
  padded.set(encoded);
  return { length: encoded.length, bytes: padded.subarray(0, encoded.length), words: new DataView(padded.buffer) };
}
