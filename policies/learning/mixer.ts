/**
 * The QMIX mixing network (MODEL.md eq. (59) in the monotonic form of A19):
 *
 *   W1 = |hyperW1(S)| in R^{I x E},  b1 = hyperB1(S),  W2 = |hyperW2(S)| in R^E,
 *   h = ELU(Q W1 + b1),  Q_tot = h . W2 + V(S),
 *
 * where each of the four hypernetworks has two hidden layers of `hidden`
 * (64) units. The four first hidden layers read the same joint state, so
 * they are stored side by side and computed as one product (the same
 * numbers as four separate layers).
 *
 * @module
 */
import type { Rng } from "../../engine/rng.ts";
import { tf } from "./backend.ts";
import { dense, ParamSet } from "./layers.ts";

type Tensor = tf.Tensor;

/** Mixer shapes. */
export interface MixerDims {
  agents: number;
  stateDim: number;
  embed: number;
  hidden: number;
}

const HEADS = ["w1", "b1", "w2", "v"] as const;

/** A QMIX mixer with its parameters. */
export class Mixer {
  readonly params: ParamSet;
  readonly dims: MixerDims;

  constructor(dims: MixerDims, rng: Rng, scope: string) {
    this.dims = dims;
    const p = new ParamSet(scope);
    const { agents: I, stateDim: D, embed: E, hidden: H } = dims;
    p.uniform("h1w", [D, 4 * H], D, rng);
    p.uniform("h1b", [4 * H], D, rng);
    const out = { w1: I * E, b1: E, w2: E, v: 1 };
    for (const head of HEADS) {
      p.uniform(`${head}.h2w`, [H, H], H, rng);
      p.uniform(`${head}.h2b`, [H], H, rng);
      p.uniform(`${head}.ow`, [H, out[head]], H, rng);
      p.uniform(`${head}.ob`, [out[head]], H, rng);
    }
    this.params = p;
  }

  /** Q_tot [B, 1] from chosen agent values `q` [B, I] and joint states [B, stateDim]. */
  mix(q: Tensor, state: Tensor): Tensor {
    const p = this.params;
    const { agents: I, embed: E } = this.dims;
    const B = q.shape[0];
    const first = dense(state, p.get("h1w"), p.get("h1b"), true);
    const parts = tf.split(first, 4, 1);
    const heads: Record<string, Tensor> = {};
    HEADS.forEach((head, k) => {
      const h = dense(parts[k], p.get(`${head}.h2w`), p.get(`${head}.h2b`), true);
      heads[head] = dense(h, p.get(`${head}.ow`), p.get(`${head}.ob`), false);
    });
    const w1 = tf.reshape(tf.abs(heads.w1), [B, I, E]);
    const hidden = tf.elu(tf.add(tf.sum(tf.mul(tf.reshape(q, [B, I, 1]), w1), 1), heads.b1));
    const w2 = tf.abs(heads.w2);
    return tf.add(tf.sum(tf.mul(hidden, w2), 1, true), heads.v);
  }

  dispose(): void {
    this.params.dispose();
  }
}
