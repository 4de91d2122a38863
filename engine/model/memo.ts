/**
 * A memo of exact results keyed by the bits of their inputs: the RSU
 * allocation (44)-(53) is a pure function of one RSU's capacity, backlogs,
 * offload counts and arrivals, and a search that scores thousands of joint
 * decisions in a slot (the genetic algorithm, local search) meets the same
 * few hundred of those inputs again and again. A hit returns the stored
 * output, bit for bit what the computation would give; a miss computes and
 * stores it. Keys are compared by their bits, so a memo can never return a
 * result for different inputs (NaN, -0 and 0 included).
 *
 * Memory is bounded: the table is an open-addressing hash of fixed size,
 * emptied whenever it is half full (entries of past slots are never met
 * again, since the backlogs change).
 *
 * @module
 */

/** A fixed-size memo from `keyWidth` doubles to `valueWidth` doubles. */
export class ExactMemo {
  readonly #keyWidth: number;
  readonly #valueWidth: number;
  readonly #mask: number;
  readonly #keys: Float64Array;
  readonly #keyBits: Int32Array;
  readonly #values: Float64Array;
  readonly #used: Uint8Array;
  #count = 0;
  /** The key being looked up, written by the caller through `key`. */
  readonly key: Float64Array;
  readonly #probeBits: Int32Array;
  /** Lookups that found their key, and those that did not (a figure for benches and tests). */
  hits = 0;
  misses = 0;

  /** @param capacity entries, rounded up to a power of two (the table empties at half). */
  constructor(keyWidth: number, valueWidth: number, capacity = 4096) {
    const size = 1 << Math.ceil(Math.log2(Math.max(2, capacity)));
    this.#keyWidth = keyWidth;
    this.#valueWidth = valueWidth;
    this.#mask = size - 1;
    this.#keys = new Float64Array(size * keyWidth);
    this.#keyBits = new Int32Array(this.#keys.buffer);
    this.#values = new Float64Array(size * valueWidth);
    this.#used = new Uint8Array(size);
    this.key = new Float64Array(keyWidth);
    this.#probeBits = new Int32Array(this.key.buffer);
  }

  /**
   * The slot of `key` if stored (its value starts at `slot * valueWidth` of
   * `values`), else the bitwise complement of the empty slot where it would
   * go (negative).
   */
  find(): number {
    const at = this.#probe();
    if (at >= 0) this.hits++;
    else this.misses++;
    return at;
  }

  #probe(): number {
    const bits = this.#probeBits;
    const words = bits.length;
    let h = 0x811c9dc5;
    for (let w = 0; w < words; w++) h = Math.imul(h ^ bits[w], 0x01000193);
    h ^= h >>> 15;
    let slot = h & this.#mask;
    const stored = this.#keyBits;
    for (;;) {
      if (!this.#used[slot]) return ~slot;
      const at = slot * words;
      let same = true;
      for (let w = 0; w < words && same; w++) same = stored[at + w] === bits[w];
      if (same) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** Forgets every entry. */
  clear(): void {
    this.#used.fill(0);
    this.#count = 0;
  }

  /** The stored values; entry `slot` starts at `slot * valueWidth`. */
  get values(): Float64Array {
    return this.#values;
  }

  /**
   * Stores `value` under the current key at the empty slot `~find()`
   * returned, emptying the table first when it is half full; returns the
   * slot it was stored at.
   */
  store(empty: number, value: ArrayLike<number>): number {
    let slot = ~empty;
    if (2 * (this.#count + 1) > this.#mask + 1) {
      this.clear();
      slot = ~this.#probe();
    }
    this.#used[slot] = 1;
    this.#count++;
    this.#keys.set(this.key, slot * this.#keyWidth);
    const v0 = slot * this.#valueWidth;
    for (let k = 0; k < this.#valueWidth; k++) this.#values[v0 + k] = value[k];
    return slot;
  }
}
