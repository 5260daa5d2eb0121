// The NDJSON source: one JSON event per line, from a file or stdin ('-').
//
// Lines are cut straight out of the read Buffers (indexOf 0x0A) and pushed as byte views — no
// decode to string and re-encode per line (readline would do both). A line that spans reads is
// kept as a list of pieces and concatenated once when its newline arrives, so multi-MB lines
// cost one copy. Backpressure: the chunks are consumed with `for await`, so while we wait for
// `onDrain` nothing more is read from the stream (it pauses at its highWaterMark).
//
// Offsets: the 0-based index of the line among the non-empty lines pushed (a line that is
// empty, or only "\r", takes no offset). Whitespace-only lines are pushed as they are and
// dropped downstream as invalid JSON (counted there).

import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DeliveryWatch } from './delivery-watch.ts';
import { SourceError } from './source-error.ts';
import type { PartitionHandle, PartitionRegistry, RecordSink, Source } from '../core/source.ts';
import { StopSignal } from './stop-signal.ts';

export interface NdjsonSourceOptions {
  /** File of NDJSON events, or '-' for standard input. */
  path: string;
  dataset: string;
  /** The zone or account id every event belongs to (the routing key). */
  tenant: string;
  /**
   * Read from this stream instead of opening `path` (stdin is `process.stdin` unless given).
   * A seam for tests and embedding.
   */
  input?: Readable | AsyncIterable<Uint8Array>;
  /**
   * Longest line kept, in bytes (default 64 MiB). A longer line is skipped and counted in
   * `oversizedLines` rather than buffered without bound (docs/architecture.md invariant 3).
   */
  maxLineBytes?: number;
}

export const NDJSON_PARTITION = 'ndjson/0';
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_BYTES = 256 * 1024;
const LF = 0x0a;
const CR = 0x0d;

export class NdjsonSource implements Source {
  readonly kind = 'ndjson';
  readonly #options: NdjsonSourceOptions;
  readonly #maxLineBytes: number;
  readonly #watch = new DeliveryWatch();
  readonly #stop = new StopSignal();
  #stream: { destroy(): void } | null = null;
  #pushed = 0;
  #oversized = 0;

  constructor(options: NdjsonSourceOptions) {
    this.#options = options;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Records pushed so far. */
  get pushed(): number {
    return this.#pushed;
  }

  /** Lines skipped because they exceeded maxLineBytes. */
  get oversizedLines(): number {
    return this.#oversized;
  }

  async run(sink: RecordSink, partitions: PartitionRegistry): Promise<void> {
    try {
      const input = await this.#openInput();
      const partition = partitions.open(NDJSON_PARTITION, this.#options.dataset, 0);
      this.#watch.track(partition);
      await this.#readLines(input, sink, partition);
    } catch (error) {
      // A read error after stop() is the destroyed stream's premature close: not a failure.
      if (this.#stop.stopped && isReadError(error)) return;
      const failure = isReadError(error) ? this.#asInputError(error) : error;
      this.#watch.fail(failure);
      throw failure;
    } finally {
      this.#watch.end();
    }
  }

  committable(partition: PartitionHandle, offset: number): void {
    this.#watch.committable(partition, offset);
  }

  /**
   * Resolves once the input has ended (or the source was stopped) and every pushed record has
   * been delivered, i.e. committable reached the number of records pushed. Rejects if reading failed.
   */
  whenDelivered(): Promise<void> {
    return this.#watch.whenDelivered();
  }

  stop(): void {
    this.#stop.stop();
    this.#stream?.destroy();
  }

  async #openInput(): Promise<AsyncIterable<Uint8Array>> {
    const { path, input } = this.#options;
    if (input) return this.#remember(input);
    if (path === '-') return this.#remember(process.stdin);
    let handle;
    try {
      handle = await open(path, 'r');
      if ((await handle.stat()).isDirectory()) {
        await handle.close();
        throw new SourceError('ERR_INPUT', `cannot read NDJSON input "${path}": it is a directory. Give the path of a file with one JSON event per line, or "-" to read standard input.`);
      }
    } catch (error) {
      throw this.#asInputError(error);
    }
    return this.#remember(handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }));
  }

  #remember<T extends AsyncIterable<Uint8Array>>(stream: T): T {
    const destroyable = stream as unknown as { destroy?: unknown };
    if (typeof destroyable.destroy === 'function') this.#stream = stream as unknown as { destroy(): void };
    return stream;
  }

  async #readLines(input: AsyncIterable<Uint8Array>, sink: RecordSink, partition: PartitionHandle): Promise<void> {
    const { tenant } = this.#options;
    // Pieces of a line that started in an earlier chunk. Read chunks are fresh Buffers (the
    // stream never reuses them), so keeping views into them is safe.
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let skippingOversized = false;
    let first = true;

    // Returns false when the caller must wait for drain.
    const pushLine = (line: Uint8Array): boolean => {
      let end = line.length;
      if (end > 0 && line[end - 1] === CR) end--;
      let start = 0;
      // A UTF-8 byte order mark at the very start of the input is not part of the event.
      if (first && end >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) start = 3;
      first = false;
      if (end <= start) return true;
      const more = sink.push(partition, this.#pushed, tenant, line.subarray(start, end));
      this.#pushed++;
      this.#watch.setPushed(this.#pushed);
      return more;
    };

    for await (const data of input) {
      if (this.#stop.stopped) break;
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      let pos = 0;
      while (!this.#stop.stopped) {
        const newline = chunk.indexOf(LF, pos);
        if (newline < 0) {
          if (pos < chunk.length && !skippingOversized) {
            pending.push(chunk.subarray(pos));
            pendingBytes += chunk.length - pos;
            if (pendingBytes > this.#maxLineBytes) {
              pending = [];
              pendingBytes = 0;
              skippingOversized = true;
            }
          }
          break;
        }
        let line: Uint8Array;
        if (skippingOversized) {
          skippingOversized = false;
          this.#oversized++;
          pos = newline + 1;
          continue;
        } else if (pending.length > 0) {
          pending.push(chunk.subarray(pos, newline));
          line = Buffer.concat(pending, pendingBytes + newline - pos);
          pending = [];
          pendingBytes = 0;
        } else {
          line = chunk.subarray(pos, newline);
        }
        pos = newline + 1;
        if (line.length > this.#maxLineBytes) {
          this.#oversized++;
          continue;
        }
        if (!pushLine(line)) await this.#stop.drain(sink);
      }
    }
    // The last line may have no newline.
    if (this.#stop.stopped) return;
    if (skippingOversized) this.#oversized++;
    else if (pending.length > 0) pushLine(Buffer.concat(pending, pendingBytes));
  }

  #asInputError(error: unknown): SourceError {
    if (error instanceof SourceError) return error;
    const path = this.#options.path === '-' ? 'standard input' : `"${this.#options.path}"`;
    const code = (error as { code?: unknown } | null)?.code;
    const reason =
      code === 'ENOENT' ? 'no such file. Check the path (relative paths are relative to the working directory), or use "-" to read standard input.'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied. Make the file readable by the user running sluice.'
      : code === 'EISDIR' ? 'it is a directory. Give the path of a file with one JSON event per line.'
      : `${code ?? (error instanceof Error ? error.message : String(error))}. Check that the input is a readable file or pipe.`;
    return new SourceError('ERR_INPUT', `cannot read NDJSON input ${path}: ${reason}`, { cause: error });
  }
}

/** Errors of the input itself (system errors, stream errors), as opposed to a bug downstream of push. */
function isReadError(error: unknown): boolean {
  if (error instanceof SourceError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^E[A-Z0-9]+$/.test(code) || code.startsWith('ERR_STREAM'));
}
