// Key-order prediction for the field scanner: records of a dataset write their keys in the same
// order almost every time, so the key that followed key K in the last record is a very good
// guess for the key after K in this one. V8's JSON.parse uses the same trick (it follows the
// hidden-class transition of the previous object and compares the expected key).
//
// Why: keys are most of an http_requests record's bytes (861 of 1,418), and finding where each
// ends costs a byte loop. Checking a predicted key costs a few 4-byte comparisons instead.
//
// Exactness: a key is learned only when it was scanned without escapes, so its bytes contain no
// quote and no backslash. A prediction is accepted only if the record holds exactly those bytes
// followed by `":` — then the key string is exactly the learned name (nothing else could be
// written with those bytes and no escape), and the scanner skips straight to the value. Any
// other case (first record, another order, an escape, whitespace before the colon) falls back
// to the full scan, which then teaches the new order. Learning stops at `capacity` distinct
// keys, so records with arbitrary keys cost a failed guess each, never unbounded memory.

import { latin1Of } from './byte-text.ts';

const QUOTE = 34, COLON = 58;
const NONE = -1;
/** prev after a key the predictor does not know: no guess for the next key. */
const UNKNOWN = -2;

export class KeyOrder {
  /** Slot (scanner) of the key predict() last accepted. */
  slot = -1;
  readonly #capacity: number;
  /** Per learned key: `name":` as little-endian 32-bit words (the last one zero-padded) and its length. */
  readonly #words: Int32Array[] = [];
  readonly #lengths: number[] = [];
  readonly #slots: number[] = [];
  /** next[id]: the key that followed key id last time, or NONE. */
  #next = new Int32Array(16).fill(NONE);
  /** Learned key ids by their bytes (read as latin1), for learning only (the slow path). */
  readonly #ids = new Map<string, number>();
  #first = NONE;
  #prev = NONE;

  constructor(capacity = 1024) {
    this.#capacity = capacity;
  }

  /** Keys learned. */
  get size(): number {
    return this.#lengths.length;
  }

  /** A record starts. */
  reset(): void {
    this.#prev = NONE;
  }

  /**
   * If the key starting at bytes[keyStart] (just after its opening quote) is the predicted one,
   * followed by `":`, returns the index just after the colon (and sets `slot`); else -1.
   * `view` is a DataView of exactly `bytes`.
   */
  predict(bytes: Uint8Array, view: DataView, keyStart: number, end: number): number {
    const prev = this.#prev;
    const id = prev === NONE ? this.#first : prev === UNKNOWN ? NONE : this.#next[prev]!;
    if (id < 0) return -1;
    const length = this.#lengths[id]!;
    if (keyStart + length > end) return -1;
    const words = this.#words[id]!;
    const full = length >> 2;
    for (let w = 0; w < full; w++) {
      if (view.getInt32(keyStart + (w << 2), true) !== words[w]) return -1;
    }
    const tail = length & 3;
    if (tail !== 0) {
      const last = words[full]!;
      const base = keyStart + (full << 2);
      for (let k = 0; k < tail; k++) {
        if (bytes[base + k] !== ((last >>> (k << 3)) & 0xff)) return -1;
      }
    }
    this.#prev = id;
    this.slot = this.#slots[id]!;
    return keyStart + length;
  }

  /** A key was scanned in full: bytes[keyStart, keyEnd) without escapes, with its slot. */
  learn(bytes: Uint8Array, keyStart: number, keyEnd: number, slot: number): void {
    const name = latin1Of(bytes, keyStart, keyEnd);
    let id = this.#ids.get(name);
    if (id === undefined) {
      if (this.#ids.size >= this.#capacity) {
        this.#prev = UNKNOWN;
        return;
      }
      id = this.#add(bytes, keyStart, keyEnd, slot);
      this.#ids.set(name, id);
    }
    const prev = this.#prev;
    if (prev === NONE) this.#first = id;
    else if (prev !== UNKNOWN) this.#next[prev] = id;
    this.#prev = id;
  }

  /** A key the predictor cannot learn (written with escapes): no guess for the next one. */
  forget(): void {
    this.#prev = UNKNOWN;
  }

  #add(bytes: Uint8Array, keyStart: number, keyEnd: number, slot: number): number {
    const id = this.#lengths.length;
    const length = keyEnd - keyStart + 2; // name + `":`
    const pattern = new Uint8Array((length + 3) & ~3);
    pattern.set(bytes.subarray(keyStart, keyEnd));
    pattern[length - 2] = QUOTE;
    pattern[length - 1] = COLON;
    const view = new DataView(pattern.buffer);
    const words = new Int32Array(pattern.length >> 2);
    for (let w = 0; w < words.length; w++) words[w] = view.getInt32(w << 2, true);
    this.#words.push(words);
    this.#lengths.push(length);
    this.#slots.push(slot);
    if (id >= this.#next.length) {
      const grown = new Int32Array(this.#next.length * 2).fill(NONE);
      grown.set(this.#next);
      this.#next = grown;
    }
    return id;
  }
}
