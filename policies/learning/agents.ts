/**
 * Agent networks of QMIX: the MLP of P-QMIX and the diffusion model of
 * MAD2RL (MODEL.md eqs. (35)-(43)).
 *
 * One network is shared by all agents (parameter sharing, as in pymarl's
 * QMIX): its input is the agent's normalised local state (54) followed by a
 * one-hot DNN type and a one-hot agent index, and its output has
 * `maxActions` = max_k (L_k + 1) J entries. Agents whose type has fewer
 * actions use the first (L_k + 1) J entries; the others are masked out
 * together with infeasible SVs (see `maskedSoftmax`). All agents of a slot
 * (or of a whole batch) go through the network in one forward pass.
 *
 * @module
 */
import type { Rng } from "../../engine/rng.ts";
import { tf } from "./backend.ts";
import { dense, ParamSet } from "./layers.ts";
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
  /**
   * Logits [N, maxActions] for inputs [N, inputDim]. `noise` holds
   * `noiseSteps` tensors [N, maxActions]: x^M first, then the reverse-step
   * draws for m = M..2.
   */
  logits(input: Tensor, noise: Tensor[]): Tensor;
  /** Frees the network's variables and constants. */
  dispose(): void;
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
): AgentNet & { schedule: DiffusionSchedule } {
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
  return {
    kind: "diffusion",
    params,
    dims,
    schedule,
    noiseSteps: M,
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
        const bias = tf.add(statePart, tf.slice(stepPart, [m - 1, 0], [1, -1]));
        let h = dense(x, params.get("w1x"), bias, true);
        for (let l = 2; l <= layers; l++) {
          h = dense(h, params.get(`w${l}`), params.get(`b${l}`), l < layers);
        }
        // MODEL.md eq. (41): mu = (x - (1 - alpha)/sqrt(1 - alphaBar) eps) / sqrt(alpha)
        x = tf.mul(tf.sub(x, tf.mul(h, schedule.noiseScale[m - 1])), schedule.meanScale[m - 1]);
        if (m > 1) {
          // MODEL.md eq. (42): x^{m-1} = mu + sqrt(beta-hat_m) eps_m
          x = tf.add(x, tf.mul(noise[M - m + 1], Math.sqrt(schedule.posteriorVariance[m - 1])));
        }
      }
      return x;
    },
    dispose(): void {
      params.dispose();
      embTable.dispose();
    },
  };
}

/**
 * Masked softmax (43) over the feasible actions: entries with mask 0
 * (infeasible SVs, padding) get probability 0.
 */
export function maskedSoftmax(logits: Tensor, mask: Tensor): Tensor {
  return tf.softmax(maskedLogits(logits, mask));
}

/** Logits with masked entries pushed to -1e9 (so max and softmax ignore them). */
export function maskedLogits(logits: Tensor, mask: Tensor): Tensor {
  return tf.add(logits, tf.mul(tf.sub(mask, 1), 1e9));
}
