/**
 * The parameters of one network as one flat variable with a named layout
 * ({@linkcode ParamSet}), and {@linkcode withViews} to read them through
 * slices taken once.
 *
 * @module
 */
import type { Rng } from "../../../engine/rng.ts";
import { tf } from "./backend.ts";

type Tensor = tf.Tensor;

interface Entry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/**
 * The parameters of one network, stored as ONE flat variable with a named
 * layout. Optimiser steps, soft updates and replica copies then cost a few
 * kernels per network instead of a few per weight matrix (the per-kernel
 * overhead of tfjs dominates those small element-wise ops). The forward pass
 * reads weights through `get(name)`: a slice of the flat vector, or the
 * tensors bound with `bind` (the gradient computation binds slices it
 * differentiates against, see `Learner.gradients`).
 */
export class ParamSet {
  static #instances = 0;
  readonly #prefix: string;
  /** The network's name in checkpoints (e.g. `agent`, `target-mixer`). */
  readonly scope: string;
  readonly #entries: Entry[] = [];
  readonly #index = new Map<string, number>();
  #pending: Float32Array[] = [];
  #size = 0;
  #flat: tf.Variable | undefined;
  #bound: Tensor[] | undefined;
  #cache: { dataId: object; views: Tensor[] } | undefined;

  constructor(scope: string) {
    this.scope = scope;
    this.#prefix = `vecscene${ParamSet.#instances++}/${scope}`;
  }

  /** Registers a weight with PyTorch's default Linear init U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  uniform(name: string, shape: number[], fanIn: number, rng: Rng): void {
    if (this.#flat) throw new RangeError(`Cannot add parameter ${name} after the set is in use`);
    if (this.#index.has(name)) {
      throw new RangeError(`Cannot add parameter as the name is taken: current value is ${name}`);
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < n; i++) values[i] = rng.uniform(-bound, bound);
    this.#index.set(name, this.#entries.length);
    this.#entries.push({ name, shape, offset: this.#size, size: n });
    this.#pending.push(values);
    this.#size += n;
  }

  /** The flat variable (created on first use). */
  get flat(): tf.Variable {
    if (!this.#flat) {
      const all = new Float32Array(this.#size);
      let off = 0;
      for (const p of this.#pending) {
        all.set(p, off);
        off += p.length;
      }
      this.#pending = [];
      const init = tf.tensor1d(all);
      this.#flat = tf.variable(init, true, this.#prefix);
      init.dispose();
    }
    return this.#flat;
  }

  /** Weight `name`: the bound tensor, else a slice of the flat vector. */
  get(name: string): Tensor {
    const k = this.#index.get(name);
    if (k === undefined) throw new RangeError(`Cannot find parameter: current value is ${name}`);
    if (this.#bound) return this.#bound[k];
    const e = this.#entries[k];
    return tf.reshape(tf.slice(this.flat, e.offset, e.size), e.shape);
  }

  /** Slices of every weight in layout order (inside a tidy, or disposed by the caller). */
  views(): Tensor[] {
    const flat = this.flat;
    return tf.tidy(() =>
      this.#entries.map((e) => tf.reshape(tf.slice(flat, e.offset, e.size), e.shape))
    );
  }

  /**
   * Slices kept across calls while the weights do not change (for repeated
   * inference, e.g. one decision per slot during evaluation).
   */
  cachedViews(): Tensor[] {
    const dataId = this.flat.dataId;
    if (this.#cache?.dataId !== dataId) {
      if (this.#cache) tf.dispose(this.#cache.views);
      this.#cache = { dataId, views: this.views().map((t) => tf.keep(t)) };
    }
    return this.#cache.views;
  }

  /** Makes `get` return `views` (one per weight, layout order) until `unbind`. */
  bind(views: Tensor[]): void {
    this.#bound = views;
  }

  unbind(): void {
    this.#bound = undefined;
  }

  /** The variables (one flat vector). */
  list(): tf.Variable[] {
    return [this.flat];
  }

  /** Names, shapes and offsets in layout order. */
  layout(): readonly { name: string; shape: number[]; offset: number; size: number }[] {
    return this.#entries;
  }

  /** Number of scalar weights. */
  get size(): number {
    return this.#size;
  }

  /** Copies every value of `other` (same layout) into this set. */
  copyFrom(other: ParamSet): void {
    this.flat.assign(other.flat);
  }

  /** Soft update (MODEL.md eqs. (62)-(63)): this <- rate * other + (1 - rate) * this. */
  softUpdate(other: ParamSet, rate: number): void {
    tf.tidy(() => {
      this.flat.assign(tf.add(tf.mul(this.flat, 1 - rate), tf.mul(other.flat, rate)));
    });
  }

  /** Named copies of the weights (the caller disposes them). */
  snapshot(): { name: string; tensor: Tensor }[] {
    return this.split(this.flat);
  }

  /** `flat` (laid out like this set) cut into named weights (the caller disposes them). */
  split(flat: Tensor): { name: string; tensor: Tensor }[] {
    return this.#entries.map((e) => ({
      name: e.name,
      tensor: tf.tidy(() => tf.reshape(tf.slice(flat, e.offset, e.size), e.shape)),
    }));
  }

  /** A flat vector from named weights; every weight must be present with its shape. */
  join(values: Map<string, Tensor>, what = this.scope): Tensor {
    const parts = this.#entries.map((e) => {
      const t = values.get(e.name);
      if (!t) throw new RangeError(`Cannot restore ${what} as a weight is missing: ${e.name}`);
      if (t.shape.join("x") !== e.shape.join("x")) {
        throw new RangeError(
          `Cannot restore ${what}/${e.name} as its shape differs: current value is ${
            t.shape.join("x")
          }, expected ${e.shape.join("x")}`,
        );
      }
      return t;
    });
    return tf.tidy(() => tf.concat(parts.map((t) => tf.reshape(t, [-1]))));
  }

  /** Assigns weights by name. */
  restore(values: Map<string, Tensor>): void {
    const flat = this.join(values);
    this.flat.assign(flat);
    flat.dispose();
  }

  dispose(): void {
    if (this.#cache) tf.dispose(this.#cache.views);
    this.#cache = undefined;
    this.#flat?.dispose();
  }
}

/** Runs `fn` with every set's `get` bound to slices taken once (disposed after). */
export function withViews<T>(sets: ParamSet[], fn: () => T): T {
  const views = sets.map((p) => p.views());
  sets.forEach((p, k) => p.bind(views[k]));
  try {
    return fn();
  } finally {
    for (const p of sets) p.unbind();
    tf.dispose(views);
  }
}
