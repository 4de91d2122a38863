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
import { ADAM_STEP, type AdamStepAttrs } from "./fast_optim.ts";
import type { ParamSet } from "./layers.ts";

type Tensor = tf.Tensor;

/** Adam's hyper-parameters. */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** Adam state and update for a list of parameter sets. */
export class Adam {
  readonly opts: AdamOptions;
  /** Number of steps taken (t). */
  step = 0;
  readonly #sets: ParamSet[];
  readonly #m = new Map<string, tf.Variable>();
  readonly #v = new Map<string, tf.Variable>();

  constructor(sets: ParamSet[], opts: AdamOptions) {
    this.opts = opts;
    this.#sets = sets;
    for (const [key, p] of this.#params()) {
      this.#m.set(key, tf.variable(tf.zerosLike(p), false));
      this.#v.set(key, tf.variable(tf.zerosLike(p), false));
    }
  }

  *#params(): Generator<[string, tf.Variable]> {
    for (const set of this.#sets) yield [set.scope, set.flat];
  }

  /** Applies `grads`, one flat gradient per parameter set (the order of `trainable()`). */
  apply(grads: Tensor[]): void {
    this.step++;
    const { lr, beta1: b1, beta2: b2, eps } = this.opts;
    const c1 = lr / (1 - Math.pow(b1, this.step));
    const c2 = 1 / (1 - Math.pow(b2, this.step));
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

  /**
   * Adds `extra` (if given) to `grads`, clips them to a global norm of
   * `clip`, applies the step and then the soft update of `targets` (one per
   * set) at rate `tau`: the fused wasm kernel of `fast_optim.ts`, with the
   * same float32 operations per value as `apply` and `ParamSet.softUpdate`.
   */
  applyFused(
    grads: Tensor[],
    extra: Tensor[] | undefined,
    o: { targets: ParamSet[]; clip: number; tau: number },
  ): void {
    this.step++;
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
      step: this.step,
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
    this.step = step;
  }

  dispose(): void {
    for (const v of [...this.#m.values(), ...this.#v.values()]) v.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}
