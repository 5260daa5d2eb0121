// Where encoders write: one growable byte buffer per worker, reused for every batch.
//
// Encoders write bytes, not strings. The alternative — each record as a JS string (a rope of ~20
// pieces) and one Buffer write per chunk — measured about the same CPU for the encoding itself
// (~15-20 ms per 10,000 records here, --cpu-prof), but it allocates ~30 strings per record (GC
// took ~4 ms per batch against ~1.6 ms for this writer), needs a second pass to flatten a rope
// of ~250,000 pieces, and measures chunks in UTF-16 units instead of bytes. Copying bytes keeps
// the hot loop allocation-free and chunkBytes exact.
//
// Two writers, one per text mode (text-mode.ts), differ only in how a value gets in:
// - BytesModeWriter: record text is the latin1 view of the batch bytes, so a value's indices
//   are byte offsets and the value is copied from `source` unchanged;
// - Utf16ModeWriter: record text holds decoded characters, so a value is written as UTF-8.

export abstract class ByteWriter {
  buffer: Buffer;
  pos = 0;
  /** The batch's bytes (BytesModeWriter copies values from here). */
  source: Uint8Array = new Uint8Array(0);

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Writes the raw JSON value text[start, end) of the current record. */
  abstract value(text: string, start: number, end: number): void;
  /** Writes a value an encoder computed (a formatted timestamp, a CVE-rewritten value). */
  abstract text(text: string): void;

  /** Makes room for `extra` more bytes after `pos`. */
  ensure(extra: number): void {
    if (this.pos + extra > this.buffer.length) this.grow(extra);
  }

  /** Copies a precomputed fragment (UTF-8 bytes). */
  fragment(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.pos + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let pos = this.pos;
    // Fragments are short (`"ClientIP":`, `,`): a loop beats set() and its call overhead.
    for (let i = 0; i < n; i++) buffer[pos++] = bytes[i]!;
    this.pos = pos;
  }

  /** The bytes written so far (a view; valid until the next write or reset). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.pos);
  }

  reset(source: Uint8Array): void {
    this.pos = 0;
    this.source = source;
  }

  /** Drops a buffer that grew past `maxBytes` for one huge batch, so a worker does not keep it. */
  shrink(maxBytes: number, initialBytes = 1 << 20): void {
    if (this.buffer.length > maxBytes) this.buffer = Buffer.allocUnsafeSlow(initialBytes);
    this.source = new Uint8Array(0);
  }

  protected grow(extra: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.pos + extra));
    this.buffer.copy(next, 0, 0, this.pos);
    this.buffer = next;
  }
}

/** Values are copied byte for byte from the batch (text index == byte offset). */
export class BytesModeWriter extends ByteWriter {
  value(_text: string, start: number, end: number): void {
    const n = end - start;
    if (this.pos + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    const source = this.source;
    let pos = this.pos;
    if (n > 32) {
      buffer.set(source.subarray(start, end), pos);
      pos += n;
    } else {
      for (let i = start; i < end; i++) buffer[pos++] = source[i]!;
    }
    this.pos = pos;
  }

  /** In bytes mode computed values are bytes-as-latin1 text too: one char is one byte. */
  text(text: string): void {
    const n = text.length;
    if (this.pos + n > this.buffer.length) this.grow(n);
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
    if (this.pos + max > this.buffer.length) this.grow(max);
    this.pos += this.buffer.write(text, this.pos, 'utf8');
  }
}

export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
