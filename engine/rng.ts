/**
 * Seeded random streams.
 *
 * One scenario seed is split into named, independent streams (mobility,
 * hardware, fading, policy) by hashing `(seed, stream name, indices...)`.
 * Sequential draws use the sfc32 generator (a small chaotic counter
 * generator that passes PractRand/BigCrush); per-link fading uses a
 * counter-based hash so that the fading of link (i, j) in slot t does not
 * depend on which other links were looked at, or in which order.
 *
 * @module
 */

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a sequence of 32-bit words into one 32-bit word. */
export function hashWords(words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = fmix32((h ^ fmix32(w >>> 0)) + 0x7f4a7c15);
  }
  return h;
}

/** Hashes a string (UTF-16 code units) into one 32-bit word. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return fmix32(h);
}

/** Splits a safe integer seed into two 32-bit words. */
function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot use seed as it is not a safe integer: current value is ${seed}`);
  }
  const hi = Math.floor(seed / 0x1_0000_0000);
  return [seed >>> 0, hi >>> 0];
}

/** The 32-bit key of stream `name` of `seed`, further split by `indices`. */
export function streamKey(seed: number, name: string, ...indices: number[]): number {
  return hashWords([...seedWords(seed), hashString(name), ...indices]);
}

/** Serialisable generator state (four 32-bit words). */
export type RngState = [number, number, number, number];

/** A sequential sfc32 generator. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** Creates the generator of stream `name` of `seed`, split by `indices`. */
  static stream(seed: number, name: string, ...indices: number[]): Rng {
    const k = streamKey(seed, name, ...indices);
    return new Rng([k, fmix32(k ^ 0x2545f491), fmix32(k + 0x6c8e9cf5), 1]);
  }

  constructor(state: RngState) {
    [this.#a, this.#b, this.#c, this.#d] = state.map((w) => w >>> 0);
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** The current state; `Rng.fromState(s)` continues the same sequence. */
  get state(): RngState {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  /** Restores a generator from `state` without re-warming it. */
  static fromState(state: RngState): Rng {
    const r = new Rng([0, 0, 0, 1]);
    [r.#a, r.#b, r.#c, r.#d] = state.map((w) => w >>> 0);
    return r;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in (0, 1): never exactly 0 or 1. */
  next(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** A uniform double in (lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Box-Muller, one value per call). */
  normal(): number {
    const u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * A counter-based uniform in (0, 1): a pure function of a stream key and
 * four counters (e.g. episode, slot, client vehicle, node).
 */
export function counterUniform(key: number, a: number, b: number, c: number, d: number): number {
  let h = fmix32(key ^ Math.imul(a + 1, 0x9e3779b1));
  h = fmix32(h ^ Math.imul(b + 1, 0x85ebca77));
  h = fmix32(h ^ Math.imul(c + 1, 0xc2b2ae3d));
  h = fmix32(h ^ Math.imul(d + 1, 0x27d4eb2f));
  return (h + 0.5) / 4294967296;
}
