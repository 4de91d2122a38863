/**
 * Adam (Kingma and Ba, 2015) over a {@linkcode ParamSet}, in PyTorch's form:
 * m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2,
 * p <- p - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps).
 *
 * tfjs's own AdamOptimizer rebuilds its bias-correction accumulators with
 * `pow` on `setWeights`, so a resumed run would drift from an uninterrupted
 * one in the last bits; here the step count t is an integer and the bias
 * corrections are computed in double precision from it, so a checkpoint
 * restores the optimiser exactly. State is saved by parameter name.
 *
 * @module
 */
import { tf } from "./backend.ts";
import { ADAM_STEP, type AdamStepAttrs, hasAdamKernel } from "../kernels/adam_step.ts";
import type { ParamSet } from "./params.ts";

type Tensor = tf.Tensor;

/** Adam's hyper-parameters. */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** Adam's constants besides the learning rate: PyTorch's defaults (the paper gives only the rate). */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** What one {@linkcode Adam.step} does besides the Adam update itself. */
export interface StepOptions {
  /** Gradients to add to `grads` first (the other half batch of a two-thread update). */
  extra?: Tensor[];
  /** Global gradient-norm clip (pymarl's): gradients are scaled to a norm of at most this. */
  clip: number;
  /** Target sets, one per parameter set, soft-updated at rate `tau` after the step (62)-(63). */
  targets: ParamSet[];
  tau: number;
}

/** Adam state and update for a list of parameter sets. */
export class Adam {
  readonly opts: AdamOptions;
  /** Number of steps taken (t). */
  steps = 0;
  readonly #sets: ParamSet[];
  readonly #m = new Map<string, tf.Variable>();
  readonly #v = new Map<string, tf.Variable>();

  constructor(sets: ParamSet[], opts: AdamOptions) {
    this.opts = opts;
    this.#sets = sets;
    // tidy frees the zeros the variables are made from (a variable is never tidied).
    const zeros = (p: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    for (const [key, p] of this.#params()) {
      this.#m.set(key, zeros(p));
      this.#v.set(key, zeros(p));
    }
  }

  *#params(): Generator<[string, tf.Variable]> {
    for (const set of this.#sets) yield [set.scope, set.flat];
  }

  /**
   * One optimiser step on `grads` (one flat gradient per parameter set):
   * add `extra`, clip to the global norm, Adam, then the soft target update.
   * On the wasm backend this is the fused kernel of `../kernels/adam_step.ts`
   * (two passes over the parameters); elsewhere the same float32 operations
   * per value as tfjs ops.
   */
  step(grads: Tensor[], o: StepOptions): void {
    if (hasAdamKernel()) {
      this.#fused(grads, o);
      return;
    }
    const extra = o.extra;
    const clipped = tf.tidy(() =>
      clipByGlobalNorm(extra ? grads.map((g, k) => tf.add(g, extra[k])) : grads, o.clip)
    );
    this.#apply(clipped);
    tf.dispose(clipped);
    o.targets.forEach((t, k) => t.softUpdate(this.#sets[k], o.tau));
  }

  /** The Adam update of `grads` with tfjs ops. */
  #apply(grads: Tensor[]): void {
    this.steps++;
    const { lr, beta1: b1, beta2: b2, eps } = this.opts;
    const c1 = lr / (1 - Math.pow(b1, this.steps));
    const c2 = 1 / (1 - Math.pow(b2, this.steps));
    let k = 0;
    tf.tidy(() => {
      for (const [key, p] of this.#params()) {
        const g = grads[k++];
        const m = this.#m.get(key)!;
        const v = this.#v.get(key)!;
        const m1 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(m1);
        v.assign(v1);
        const denom = tf.add(tf.sqrt(tf.mul(v1, c2)), eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m1, denom), c1)));
      }
    });
  }

  /** The whole step as one kernel (same float32 operations as `#apply` and `softUpdate`). */
  #fused(grads: Tensor[], o: StepOptions): void {
    this.steps++;
    const extra = o.extra;
    const inputs: Record<string, Tensor> = {};
    this.#sets.forEach((p, k) => {
      inputs[`p${k}`] = p.flat;
      inputs[`m${k}`] = this.#m.get(p.scope)!;
      inputs[`v${k}`] = this.#v.get(p.scope)!;
      inputs[`t${k}`] = o.targets[k].flat;
      inputs[`g${k}`] = grads[k];
      if (extra) inputs[`h${k}`] = extra[k];
    });
    const attrs: AdamStepAttrs = {
      sets: this.#sets.length,
      extra: extra !== undefined,
      ...this.opts,
      step: this.steps,
      clip: o.clip,
      tau: o.tau,
    };
    const outs = tf.engine().runKernel(ADAM_STEP, inputs, { ...attrs }) as Tensor[];
    this.#sets.forEach((p, k) => {
      p.flat.assign(outs[4 * k]);
      this.#m.get(p.scope)!.assign(outs[4 * k + 1]);
      this.#v.get(p.scope)!.assign(outs[4 * k + 2]);
      o.targets[k].flat.assign(outs[4 * k + 3]);
    });
    tf.dispose(outs);
  }

  /** The moment variables (all m, then all v) in parameter order. */
  moments(): tf.Variable[] {
    return [...this.#m.values(), ...this.#v.values()];
  }

  /** Moments per weight (`m:<scope>/<name>`, `v:...`); the caller disposes them. */
  snapshot(): { name: string; tensor: Tensor }[] {
    const out: { name: string; tensor: Tensor }[] = [];
    for (const prefix of ["m", "v"] as const) {
      const map = prefix === "m" ? this.#m : this.#v;
      for (const set of this.#sets) {
        for (const t of set.split(map.get(set.scope)!)) {
          out.push({ name: `${prefix}:${set.scope}/${t.name}`, tensor: t.tensor });
        }
      }
    }
    return out;
  }

  /** Restores moments and the step count. */
  restore(values: Map<string, Tensor>, step: number): void {
    for (const prefix of ["m", "v"] as const) {
      const map = prefix === "m" ? this.#m : this.#v;
      for (const set of this.#sets) {
        const head = `${prefix}:${set.scope}/`;
        const mine = new Map<string, Tensor>();
        for (const [name, t] of values) {
          if (name.startsWith(head)) mine.set(name.slice(head.length), t);
        }
        const flat = set.join(mine, `the optimiser (${prefix}:${set.scope})`);
        map.get(set.scope)!.assign(flat);
        flat.dispose();
      }
    }
    this.steps = step;
  }

  dispose(): void {
    for (const v of [...this.#m.values(), ...this.#v.values()]) v.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}

/** Scales gradients to a global norm of at most `clip` (pymarl's clip). */
function clipByGlobalNorm(grads: Tensor[], clip: number): Tensor[] {
  const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const scale = tf.div(clip, tf.maximum(norm, clip));
  return grads.map((g) => tf.mul(g, scale));
}
