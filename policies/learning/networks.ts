/**
 * The networks of QMIX: the agent networks (the MLP of P-QMIX and the
 * diffusion model of MAD2RL, MODEL.md eqs. (35)-(43)) and the mixing
 * network (59).
 *
 * One network is shared by all agents (parameter sharing, as in pymarl's
 * QMIX): its input is the agent's normalised local state (54) followed by a
 * one-hot DNN type and a one-hot agent index, and its output has
 * `maxActions` = max_k (L_k + 1) J entries. Agents whose type has fewer
 * actions use the first (L_k + 1) J entries; the others are masked out
 * together with infeasible SVs (see `maskedLogits`). All agents of a slot
 * (or of a whole batch) go through the network in one forward pass.
 *
 * @module
 */
import type { Rng } from "../../engine/rng.ts";
import { tf } from "./tensor/backend.ts";
import { dense } from "./tensor/dense.ts";
import { HeapRun } from "./kernels/heap_run.ts";
import { ParamSet } from "./tensor/params.ts";
import { type DiffusionSchedule, stepEmbedding, vpSchedule } from "./schedule.ts";

type Tensor = tf.Tensor;

/** Shapes shared by every agent network of a scenario. */
export interface AgentDims {
  /** Network input width: local state + type one-hot + agent one-hot. */
  inputDim: number;
  /** Padded action count max_k (L_k + 1) J. */
  maxActions: number;
  /** Hidden layer widths (3 x 256 in the paper). */
  hidden: number[];
}

/** Diffusion settings (MODEL.md section 3, A13, A15). */
export interface DiffusionOptions {
  steps: number;
  betaMin: number;
  betaMax: number;
  embedDim: number;
}

/** A network mapping agent inputs to the pre-softmax action vector x^0. */
export interface AgentNet {
  readonly kind: "mlp" | "diffusion";
  readonly params: ParamSet;
  readonly dims: AgentDims;
  /** Number of noise draws per row (M for diffusion, 0 for the MLP). */
  readonly noiseSteps: number;
  /** The diffusion agent's noise schedule (35)-(41) (absent for the MLP). */
  readonly schedule?: DiffusionSchedule;
  /**
   * Logits [N, maxActions] for inputs [N, inputDim]. `noise` holds
   * `noiseSteps` tensors [N, maxActions]: x^M first, then the reverse-step
   * draws for m = M..2.
   */
  logits(input: Tensor, noise: Tensor[]): Tensor;
  /**
   * The diffusion agent's noise estimate eps(x^m, m, s) (41) for rows
   * [N, maxActions] at steps `steps` (1..M, one per row): what the
   * denoising loss of pre-training trains. Absent for the MLP.
   */
  predictNoise?(input: Tensor, xm: Tensor, steps: Int32Array): Tensor;
  /**
   * `logits` for a few rows (one slot's decisions) without tensors, on the
   * wasm heap (`kernels/heap_run.ts`): the same bits; `undefined` where the
   * dense kernels do not run (the CPU backend). `noise` as in `logits`.
   */
  inferLogits(input: Float32Array, rows: number, noise: Float32Array[]): Float32Array | undefined;
  /** Frees the network's variables and constants. */
  dispose(): void;
}

/** Byte offsets on the heap of `params`' weights, by name. */
function weights(run: HeapRun, params: ParamSet): (name: string) => number {
  const base = run.pointer(params.flat);
  const offsets = new Map(params.layout().map((e) => [e.name, e.offset]));
  return (name) => base + 4 * offsets.get(name)!;
}

function addMlpParams(p: ParamSet, sizes: number[], rng: Rng, first = 0): void {
  for (let l = first; l < sizes.length - 1; l++) {
    p.uniform(`w${l + 1}`, [sizes[l], sizes[l + 1]], sizes[l], rng);
    p.uniform(`b${l + 1}`, [sizes[l + 1]], sizes[l], rng);
  }
}

/** The P-QMIX agent: an MLP with ReLU hidden layers. */
export function createMlpAgent(dims: AgentDims, rng: Rng, scope: string): AgentNet {
  const params = new ParamSet(scope);
  const sizes = [dims.inputDim, ...dims.hidden, dims.maxActions];
  addMlpParams(params, sizes, rng);
  const layers = sizes.length - 1;
  return {
    kind: "mlp",
    params,
    dims,
    noiseSteps: 0,
    logits(input: Tensor): Tensor {
      let h = input;
      for (let l = 1; l <= layers; l++) {
        h = dense(h, params.get(`w${l}`), params.get(`b${l}`), l < layers);
      }
      return h;
    },
    inferLogits(input: Float32Array, rows: number): Float32Array | undefined {
      const run = HeapRun.begin();
      if (!run) return undefined;
      try {
        const at = weights(run, params);
        let h = run.put(input);
        for (let l = 1; l <= layers; l++) {
          const out = run.alloc(rows * sizes[l]);
          const [k, cols, relu] = [sizes[l - 1], sizes[l], l < layers];
          run.dense({ x: h, rows, k, w: at(`w${l}`), cols, bias: at(`b${l}`), relu, out });
          h = out;
        }
        return run.view(h, rows * dims.maxActions).slice();
      } finally {
        run.end();
      }
    },
    dispose: () => params.dispose(),
  };
}

/**
 * The MAD2RL agent: the reverse diffusion chain (42) driven by a noise
 * network eps(x^m, m, s) (41). The first layer of the noise network acts on
 * the concatenation [x^m, emb(m), s]; it is stored split in three blocks so
 * that the state block is computed once per chain rather than once per step
 * (the result is the same product).
 */
export function createDiffusionAgent(
  dims: AgentDims,
  opts: DiffusionOptions,
  rng: Rng,
  scope: string,
): AgentNet {
  const params = new ParamSet(scope);
  const A = dims.maxActions;
  const H = dims.hidden;
  const fanIn = A + opts.embedDim + dims.inputDim;
  params.uniform("w1x", [A, H[0]], fanIn, rng);
  params.uniform("w1e", [opts.embedDim, H[0]], fanIn, rng);
  params.uniform("w1s", [dims.inputDim, H[0]], fanIn, rng);
  params.uniform("b1", [H[0]], fanIn, rng);
  const sizes = [A, ...H, A];
  addMlpParams(params, sizes, rng, 1);
  const layers = sizes.length - 1;
  const schedule = vpSchedule(opts.steps, opts.betaMin, opts.betaMax);
  const M = opts.steps;
  const emb = new Float32Array(M * opts.embedDim);
  for (let m = 1; m <= M; m++) emb.set(stepEmbedding(m, opts.embedDim), (m - 1) * opts.embedDim);
  const embTable = tf.tensor2d(emb, [M, opts.embedDim]);
  /** emb(m) w1e for every step, as `logits` computes it, kept while the weights do not change. */
  let steps: { dataId: object; values: Float32Array } | undefined;
  const stepProducts = (): Float32Array => {
    const dataId = params.flat.dataId;
    if (steps?.dataId !== dataId) {
      const values = tf.tidy(() => tf.matMul(embTable, params.get("w1e")).dataSync());
      steps = { dataId, values: values as Float32Array };
    }
    return steps.values;
  };
  /** eps(x^m, m, s) (41) given x^m and the first layer's state-and-step bias. */
  const noiseNet = (x: Tensor, bias: Tensor): Tensor => {
    let h = dense(x, params.get("w1x"), bias, true);
    for (let l = 2; l <= layers; l++) {
      h = dense(h, params.get(`w${l}`), params.get(`b${l}`), l < layers);
    }
    return h;
  };
  return {
    kind: "diffusion",
    params,
    dims,
    schedule,
    noiseSteps: M,
    predictNoise(input: Tensor, xm: Tensor, steps: Int32Array): Tensor {
      const statePart = dense(input, params.get("w1s"), params.get("b1"), false);
      const idx = tf.tensor1d(Int32Array.from(steps, (m) => m - 1), "int32");
      const stepPart = tf.matMul(tf.gather(embTable, idx), params.get("w1e"));
      return noiseNet(xm, tf.add(statePart, stepPart));
    },
    logits(input: Tensor, noise: Tensor[]): Tensor {
      if (noise.length !== M) {
        throw new RangeError(
          `Cannot run the reverse chain as it needs ${M} noise tensors: current value is ${noise.length}`,
        );
      }
      const statePart = dense(input, params.get("w1s"), params.get("b1"), false);
      const stepPart = tf.matMul(embTable, params.get("w1e"));
      let x = noise[0]; // x^M ~ N(0, I), eq. (42)
      for (let m = M; m >= 1; m--) {
        const h = noiseNet(x, tf.add(statePart, tf.slice(stepPart, [m - 1, 0], [1, -1])));
        // MODEL.md eq. (41): mu = (x - (1 - alpha)/sqrt(1 - alphaBar) eps) / sqrt(alpha)
        x = tf.mul(tf.sub(x, tf.mul(h, schedule.noiseScale[m - 1])), schedule.meanScale[m - 1]);
        if (m > 1) {
          // MODEL.md eq. (42): x^{m-1} = mu + sqrt(beta-hat_m) eps_m
          x = tf.add(x, tf.mul(noise[M - m + 1], Math.sqrt(schedule.posteriorVariance[m - 1])));
        }
      }
      return x;
    },
    inferLogits(input: Float32Array, rows: number, noise: Float32Array[]) {
      const run = HeapRun.begin();
      if (!run) return undefined;
      try {
        const at = weights(run, params);
        const [W, E] = [dims.inputDim, H[0]];
        // The chain of `logits` step by step: the same products, float32 between them.
        const statePart = run.alloc(rows * E);
        const [w, bias1, input0] = [at("w1s"), at("b1"), run.put(input)];
        run.dense({ x: input0, rows, k: W, w, cols: E, bias: bias1, relu: false, out: statePart });
        const stepPart = stepProducts();
        const bias = run.alloc(rows * E);
        const hidden = sizes.slice(1).map((n) => run.alloc(rows * n));
        const [x, w1x] = [run.put(noise[0]), at("w1x")]; // x^M ~ N(0, I), eq. (42)
        const f = Math.fround;
        for (let m = M; m >= 1; m--) {
          const [s, b, e] = [run.view(statePart, rows * E), run.view(bias, rows * E), m - 1];
          for (let r = 0; r < rows; r++) {
            for (let j = 0; j < E; j++) b[r * E + j] = f(s[r * E + j] + stepPart[e * E + j]);
          }
          run.dense({
            x,
            rows,
            k: A,
            w: w1x,
            cols: E,
            bias,
            rowBias: true,
            relu: true,
            out: hidden[0],
          });
          for (let l = 2; l <= layers; l++) {
            const [from, k, cols, relu] = [hidden[l - 2], sizes[l - 1], sizes[l], l < layers];
            const [w, b] = [at(`w${l}`), at(`b${l}`)];
            run.dense({ x: from, rows, k, w, cols, bias: b, relu, out: hidden[l - 1] });
          }
          const [xv, h] = [run.view(x, rows * A), run.view(hidden[layers - 1], rows * A)];
          const [ns, ms] = [f(schedule.noiseScale[e]), f(schedule.meanScale[e])];
          // MODEL.md eqs. (41)-(42), as `logits` computes them
          for (let i = 0; i < rows * A; i++) xv[i] = f(f(xv[i] - f(h[i] * ns)) * ms);
          if (m > 1) {
            const [z, sd] = [noise[M - m + 1], f(Math.sqrt(schedule.posteriorVariance[e]))];
            for (let i = 0; i < rows * A; i++) xv[i] = f(xv[i] + f(z[i] * sd));
          }
        }
        return run.view(x, rows * A).slice();
      } finally {
        run.end();
      }
    },
    dispose(): void {
      params.dispose();
      embTable.dispose();
    },
  };
}

/** Logits with masked entries pushed to -1e9 (so max and softmax ignore them). */
export function maskedLogits(logits: Tensor, mask: Tensor): Tensor {
  return tf.add(logits, tf.mul(tf.sub(mask, 1), 1e9));
}

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
 */
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
