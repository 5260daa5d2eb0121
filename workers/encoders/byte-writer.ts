// Where encoders write: one growable byte buffer per worker, reused for every batch.
//
// Encoders write bytes, not strings. The alternative — each record as a JS string (a rope of ~20
// pieces) and one Buffer write per chunk — measured slower here (10.2 ms per 10,000 records of
// 10 fields against 5.2 ms for this writer), allocates ~30 strings per record, and measures
// chunks in UTF-16 units instead of bytes. Copying bytes keeps the hot loop allocation-free and
// chunkBytes exact.
//
// Copies move 4 bytes at a time through DataViews (getUint32/setUint32, which TurboFan compiles
// to plain unaligned loads and stores). On this class of machine a byte-at-a-time typed-array
// loop costs ~2.5 ns a byte; word copies cut the encoder's time by ~35% (bench/pipeline.bench.ts,
// 10 fields ≈ 325 output bytes a record). A word copy may write up to 3 bytes past the piece it
// copies (the buffer keeps that much slack; the next write overwrites them) and may read up to 3
// bytes past it (so sources are padded, or copied bytewise at their very end).
//
// Two writers, one per text mode (text-mode.ts), differ only in how a value gets in:
// - BytesModeWriter: record text is the latin1 view of the batch bytes, so a value's indices
//   are byte offsets and the value is copied from `source` unchanged;
// - Utf16ModeWriter: record text holds decoded characters, so a value is written as UTF-8.

/** Precomputed output bytes (a key, a delimiter), padded so they can be copied by words. */
export interface Fragment {
  readonly length: number;
  readonly bytes: Uint8Array;
  /** A view of `bytes` with at least 3 readable bytes after `length`. */
  readonly words: DataView;
}

/** Slack past any write, so word copies never run off the buffer. */
const SLACK = 4;

export abstract class ByteWriter {
  // A plain Uint8Array, not a Buffer: byte stores into Node's Buffer subclass measured ~1.8x
  // slower than into a Uint8Array in a copy microbenchmark here.
  buffer: Uint8Array;
  words: DataView;
  pos = 0;
  // The batch's bytes (BytesModeWriter copies values from here), also as a DataView for word
  // reads; set both through `source`.
  #source: Uint8Array = new Uint8Array(0);
  sourceWords: DataView = new DataView(new ArrayBuffer(0));
  sourceLength = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = new Uint8Array(initialBytes + SLACK);
    this.words = new DataView(this.buffer.buffer);
  }

  /** Writes the raw JSON value text[start, end) of the current record. */
  abstract value(text: string, start: number, end: number): void;
  /** Writes a value an encoder computed (a formatted timestamp, a CVE-rewritten value). */
  abstract text(text: string): void;

  /** Makes room for `extra` more bytes after `pos` (plus the word-copy slack). */
  ensure(extra: number): void {
    if (this.pos + extra + SLACK > this.buffer.length) this.grow(extra);
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

  get source(): Uint8Array {
    return this.#source;
  }

  set source(source: Uint8Array) {
    this.#source = source;
    this.sourceWords = new DataView(source.buffer, source.byteOffset, source.byteLength);
    this.sourceLength = source.length;
  }

  reset(source: Uint8Array): void {
    this.pos = 0;
    this.source = source;
  }

  /** Drops a buffer that grew past `maxBytes` for one huge batch, so a worker does not keep it. */
  shrink(maxBytes: number, initialBytes = 1 << 20): void {
    if (this.buffer.length > maxBytes) this.setBuffer(new Uint8Array(initialBytes + SLACK));
    this.source = new Uint8Array(0);
  }

  protected grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.pos + extra + SLACK));
    next.set(this.buffer.subarray(0, this.pos));
    this.setBuffer(next);
  }

  private setBuffer(buffer: Uint8Array): void {
    this.buffer = buffer;
    this.words = new DataView(buffer.buffer);
  }
}

/** Values are copied byte for byte from the batch (text index == byte offset). */
export class BytesModeWriter extends ByteWriter {
  value(_text: string, start: number, end: number): void {
    const n = end - start;
    let pos = this.pos;
    if (pos + n + SLACK > this.buffer.length) this.grow(n);
    if (end + 3 <= this.sourceLength) {
      const to = this.words;
      const from = this.sourceWords;
      for (let i = 0; i < n; i += 4) to.setUint32(pos + i, from.getUint32(start + i));
      pos += n;
    } else {
      // The last bytes of the batch: a word read would run past the source.
      const buffer = this.buffer;
      const source = this.source;
      for (let i = start; i < end; i++) buffer[pos++] = source[i]!;
    }
    this.pos = pos;
  }

  /** In bytes mode computed values are bytes-as-latin1 text too: one char is one byte. */
  text(text: string): void {
    const n = text.length;
    if (this.pos + n + SLACK > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buffer[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }
}

/** Values are characters; they are written as UTF-8. */
export class Utf16ModeWriter extends ByteWriter {
  value(text: string, start: number, end: number): void {
    this.text(text.slice(start, end));
  }

  text(text: string): void {
    const max = text.length * 3;
    if (this.pos + max + SLACK > this.buffer.length) this.grow(max);
    const buffer = this.buffer;
    this.pos += Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length).write(text, this.pos, 'utf8');
  }
}

/** `text` as a UTF-8 fragment. */
export function utf8(text: string): Fragment {
  const encoded = Buffer.from(text, 'utf8');
  const padded = new Uint8Array(encoded.length + SLACK);
  padded.set(encoded);
  return { length: encoded.length, bytes: padded.subarray(0, encoded.length), words: new DataView(padded.buffer) };
}
