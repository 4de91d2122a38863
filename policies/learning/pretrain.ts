/**
 * Pre-training a QMIX learner on an expert dataset (the paper's future
 * work, Sec. IX; engine/output/expert.ts). Read top to bottom:
 *
 * 1. encode: the dataset's raw local states normalised as the policy
 *    normalises them (A13), the action masks (A10) and the expert actions;
 * 2. behaviour cloning of the shared agent network on (slot, agent) rows:
 *    - the MLP (P-QMIX): cross-entropy of the masked softmax against the
 *      expert's action;
 *    - the diffusion agent (MAD2RL): the forward process (36)-(37) run on
 *      the expert's action x^0 (+1 at the action, -1 elsewhere), and the
 *      denoising loss ||eps - eps_theta(x^m, m, s)||^2 with m uniform in
 *      1..M, as in Diffusion-QL [5];
 *    then, for the diffusion agent, `chainSteps` steps of cross-entropy on
 *    the output of the whole reverse chain (42) as the policy acts (its Q
 *    estimate, `qNoise`), with gradients through all M steps (A12);
 *    Adam of its own (the fine-tuning optimiser starts fresh), then the
 *    target agent set to the cloned one;
 *    with a graded dataset (`expert --graded`, issue 19) the agent learns
 *    the cost of every action instead: its Q-values regress (mean squared
 *    error over the feasible actions) on the graded targets, -cost x
 *    rewardScale, the objective (34) of each action with the others at the
 *    expert's decision, less the expert's own; the MLP in the cloning phase,
 *    the diffusion agent (after cloning its denoiser on the expert's action)
 *    through its whole reverse chain in the chain phase;
 * 3. the expert's transitions (S, A, r, S') into the replay buffer;
 * 4. mixer warm-up: `mixerWarmup` QMIX updates on them with the agent
 *    network frozen, so that fine-tuning starts from a mixer that fits the
 *    cloned agent instead of destroying it; then the target mixer is set
 *    to the warmed-up one.
 *
 * @module
 */
import type { ExpertData } from "../../engine/output/expert.ts";
import type { Rng } from "../../engine/rng.ts";
import { argmaxFeasible, normaliseLocalStates } from "../../engine/sim/encoding.ts";
import type { ScenarioInfo } from "../../engine/world.ts";
import { type AgentNet, maskedLogits } from "./networks.ts";
import type { Batch, ReplayBuffer } from "./replay.ts";
import { Adam, ADAM_DEFAULTS } from "./tensor/adam.ts";
import { tf } from "./tensor/backend.ts";
import { fillNormal } from "./tensor/normal.ts";
import type { ParamSet } from "./tensor/params.ts";

type Tensor = tf.Tensor;

/** What pre-training needs of a learner (`QmixLearner` in `qmix.ts`). */
export interface CloneLearner {
  readonly agent: AgentNet;
  readonly targetAgent: AgentNet;
  readonly mixer: { params: AgentNet["params"] };
  readonly targetMixer: { params: AgentNet["params"] };
  readonly inputDim: number;
  readonly maxActions: number;
  readonly opts: { gradClip: number };
  inputs(states: Float32Array, types: Int32Array, rows: number): Float32Array;
  masks(feasible: Uint8Array, types: Int32Array, rows: number): Float32Array;
  act(input: Float32Array, mask: Float32Array, rows: number, rng: Rng): Float32Array;
  noise(rows: number, rng: Rng): Tensor[];
  agentLogits(net: AgentNet, x: Tensor, noise: Tensor[]): Tensor;
  /** With `agentFrozen`, the agent's gradient is zeros and its backward pass is skipped. */
  gradients(
    b: Batch,
    rng: Rng,
    totalBatch?: number,
    agentFrozen?: boolean,
  ): { loss: number; grads: Tensor[] };
  step(grads: Tensor[]): void;
}

/** Options of {@linkcode pretrain} (the policy's params of the same names). */
export interface PretrainOptions {
  steps: number;
  batch: number;
  lr: number;
  mixerWarmup: number;
  /** Diffusion agent: weight of the cross-entropy of the x^0 implied by (38) beside the denoising loss. */
  ceWeight: number;
  /** Diffusion agent: steps of cross-entropy through the whole reverse chain, after cloning. */
  chainSteps: number;
  /** Replay mini-batch of the warm-up. */
  replayBatch: number;
  rewardScale: number;
  /** Called every 50 steps and at the end: phase, step, steps, mean loss since the last call. */
  onProgress?: (
    phase: "clone" | "chain" | "mixer",
    step: number,
    steps: number,
    loss: number,
  ) => void;
}

/** What pre-training did. */
export interface PretrainReport {
  /** Mean cloning loss over the first and the last 50 steps. */
  firstLoss: number;
  lastLoss: number;
  /** Fraction of the dataset's rows whose greedy action equals the expert's. */
  accuracy: number;
  /** Mean TD loss of the last 50 mixer warm-up updates (NaN without warm-up). */
  mixerLoss: number;
  rows: number;
}

/** The normalised dataset: (slot, agent) rows for cloning, slots for the replay. */
export interface EncodedExpert {
  /** [rows, inputDim] agent network inputs. */
  inputs: Float32Array;
  /** [rows, maxActions] action masks. */
  masks: Float32Array;
  actions: Int32Array;
  /** [slots * agents * stateDim] normalised local states. */
  states: Float32Array;
  rows: number;
  /**
   * A graded dataset's targets: [rows, maxActions] -cost x rewardScale, and
   * their weights (1 where the action is feasible, else 0).
   */
  graded?: { targets: Float32Array; weights: Float32Array };
}

// ---------------------------------------------------------------------------
// 1. Encode.

/** Encodes `data` for `learner` (shapes checked by the caller). */
export function encodeExpert(
  learner: CloneLearner,
  data: ExpertData,
  info: ScenarioInfo,
  queueScaleGflop: number,
  rewardScale = 1,
): EncodedExpert {
  const a = data.arrays;
  const rows = a.actions.length;
  const states = normaliseLocalStates(
    a.state,
    new Float32Array(a.state.length),
    data.header.nodes,
    info,
    queueScaleGflop,
    info.rsuCount,
  );
  const masks = learner.masks(a.feasible, a.types, rows);
  return {
    inputs: learner.inputs(states, a.types, rows),
    masks,
    actions: a.actions,
    states,
    rows,
    ...(a.cost
      ? {
        graded: gradedTargets(
          a.cost,
          data.header.graded!.width,
          masks,
          learner.maxActions,
          rewardScale,
        ),
      }
      : {}),
  };
}

/** The graded targets -cost x rewardScale over each row's feasible actions. */
function gradedTargets(
  cost: Float32Array,
  width: number,
  masks: Float32Array,
  A: number,
  rewardScale: number,
): { targets: Float32Array; weights: Float32Array } {
  if (width !== A) {
    throw new RangeError(
      `Cannot use the graded targets as their rows have ${width} actions: the learner has ${A}`,
    );
  }
  const targets = new Float32Array(masks.length);
  const weights = new Float32Array(masks.length);
  for (let k = 0; k < masks.length; k++) {
    if (masks[k] > 0 && Number.isFinite(cost[k])) {
      targets[k] = -cost[k] * rewardScale;
      weights[k] = 1;
    }
  }
  return { targets, weights };
}

// ---------------------------------------------------------------------------
// 2.-4. Clone, fill the replay, warm up the mixer.

/** Pre-trains `learner` on `enc` (and `data`'s transitions into `buffer`). */
export function pretrain(
  learner: CloneLearner,
  enc: EncodedExpert,
  data: ExpertData,
  buffer: ReplayBuffer,
  rng: Rng,
  o: PretrainOptions,
): PretrainReport {
  const adam = new Adam([learner.agent.params], { lr: o.lr, ...ADAM_DEFAULTS });
  /** `steps` Adam steps of `gradient` on random rows; returns the losses. */
  const phase = (
    name: "clone" | "chain",
    steps: number,
    batch: number,
    gradient: (idx: Int32Array) => { loss: number; grad: Tensor },
  ): number[] => {
    const losses: number[] = [];
    let window = 0;
    for (let step = 1; step <= steps; step++) {
      const idx = new Int32Array(Math.min(batch, enc.rows));
      for (let k = 0; k < idx.length; k++) idx[k] = rng.int(enc.rows);
      const { loss, grad } = gradient(idx);
      // No target update during cloning: tau 0 leaves the target agent as it is.
      adam.step([grad], {
        clip: learner.opts.gradClip,
        targets: [learner.targetAgent.params],
        tau: 0,
      });
      grad.dispose();
      losses.push(loss);
      window += loss;
      if (step % 50 === 0 || step === steps) {
        o.onProgress?.(name, step, steps, window / (step % 50 || 50));
        window = 0;
      }
    }
    return losses;
  };
  let losses: number[];
  try {
    const diffusion = learner.agent.noiseSteps > 0;
    losses = phase(
      "clone",
      o.steps,
      o.batch,
      (idx) =>
        enc.graded && !diffusion
          ? gradedGradient(learner, enc, idx, rng)
          : cloneGradient(learner, enc, idx, rng, o.ceWeight),
    );
    if (diffusion) {
      phase(
        "chain",
        o.chainSteps,
        o.replayBatch,
        (idx) =>
          enc.graded
            ? gradedGradient(learner, enc, idx, rng)
            : chainGradient(learner, enc, idx, rng),
      );
    }
  } finally {
    adam.dispose();
  }
  learner.targetAgent.params.copyFrom(learner.agent.params);
  // 3. The expert's transitions into the replay buffer.
  fillReplay(buffer, enc, data, o.rewardScale);
  // 4. Mixer warm-up with the agent frozen.
  const mixerLosses: number[] = [];
  for (let u = 1; u <= o.mixerWarmup && buffer.size > 0; u++) {
    const b = buffer.sample(Math.min(o.replayBatch, buffer.size), rng);
    const { loss, grads } = learner.gradients(b, rng, b.size, true);
    learner.step(grads);
    tf.dispose(grads);
    mixerLosses.push(loss);
    if (u % 50 === 0 || u === o.mixerWarmup) {
      o.onProgress?.("mixer", u, o.mixerWarmup, mean(mixerLosses.slice(-50)));
    }
  }
  learner.targetMixer.params.copyFrom(learner.mixer.params);
  learner.targetAgent.params.copyFrom(learner.agent.params);
  return {
    firstLoss: mean(losses.slice(0, 50)),
    lastLoss: mean(losses.slice(-50)),
    accuracy: cloneAccuracy(learner, enc, rng),
    mixerLoss: mixerLosses.length ? mean(mixerLosses.slice(-50)) : NaN,
    rows: enc.rows,
  };
}

/** The cloning loss on rows `idx` and its gradient (one flat vector of the agent's set). */
export function cloneGradient(
  learner: CloneLearner,
  enc: EncodedExpert,
  idx: Int32Array,
  rng: Rng,
  ceWeight = 0,
): { loss: number; grad: Tensor } {
  const A = learner.maxActions;
  const n = idx.length;
  const { xIn, mIn, onehot } = gatherRows(learner, enc, idx);
  const agent = learner.agent;
  const diffusion = agent.predictNoise !== undefined;
  // The forward process (37) for the diffusion agent: m, eps and x^m per row.
  let steps: Int32Array | undefined;
  let xm: Tensor | undefined;
  let eps: Tensor | undefined;
  let coefA: Tensor | undefined;
  let coefB: Tensor | undefined;
  if (diffusion) {
    const sched = agent.schedule!;
    steps = new Int32Array(n);
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      steps[k] = 1 + rng.int(sched.steps);
      a[k] = Math.sqrt(sched.alphaBar[steps[k] - 1]);
      b[k] = Math.sqrt(1 - sched.alphaBar[steps[k] - 1]);
    }
    const noise = fillNormal(rng, new Float32Array(n * A));
    const x0 = onehot.map((v) => 2 * v - 1);
    const xmArr = new Float32Array(n * A);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < A; j++) {
        // MODEL.md eq. (37): x^m = sqrt(alpha-hat_m) x^0 + sqrt(1 - alpha-hat_m) eps
        xmArr[k * A + j] = a[k] * x0[k * A + j] + b[k] * noise[k * A + j];
      }
    }
    xm = tf.tensor2d(xmArr, [n, A]);
    eps = tf.tensor2d(noise, [n, A]);
    coefA = tf.tensor2d(a, [n, 1]);
    coefB = tf.tensor2d(b, [n, 1]);
  }
  const x = tf.tensor2d(xIn, [n, learner.inputDim]);
  const m = tf.tensor2d(mIn, [n, A]);
  const y = tf.tensor2d(onehot, [n, A]);
  const out = agentGradient(agent.params, () => {
    if (diffusion) {
      const pred = agent.predictNoise!(x, xm!, steps!);
      const mse = tf.mean(tf.square(tf.sub(eps!, pred)));
      if (!(ceWeight > 0)) return mse;
      // MODEL.md eq. (38): the x^0 the noise estimate implies, scored against the expert's action.
      const x0 = tf.div(tf.sub(xm!, tf.mul(pred, coefB!)), coefA!);
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(maskedLogits(x0, m)), y), 1)));
      return tf.add(mse, tf.mul(ce, ceWeight));
    }
    const logits = maskedLogits(agent.logits(x, []), m);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), y), 1)));
  });
  tf.dispose([x, m, y, ...(xm ? [xm, eps!, coefA!, coefB!] : [])]);
  return out;
}

/** The scalar `loss()` of the agent's parameters `p` and its gradient (one flat vector). */
function agentGradient(p: ParamSet, loss: () => Tensor): { loss: number; grad: Tensor } {
  const views = p.views();
  const { value, grads } = tf.valueAndGrads((...ws: Tensor[]) => {
    p.bind(ws);
    try {
      return loss() as tf.Scalar;
    } finally {
      p.unbind();
    }
  })(views);
  const out = value.dataSync()[0];
  const grad = tf.tidy(() => tf.concat(grads.map((g) => tf.reshape(g, [-1]))));
  tf.dispose([value, grads, views]);
  return { loss: out, grad };
}

/** Rows `idx` of `src` (rows of `width` values), back to back. */
function pick(src: Float32Array, width: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * width);
  for (let k = 0; k < idx.length; k++) {
    out.set(src.subarray(idx[k] * width, (idx[k] + 1) * width), k * width);
  }
  return out;
}

/** Inputs, masks and one-hot expert actions of rows `idx`. */
function gatherRows(learner: CloneLearner, enc: EncodedExpert, idx: Int32Array) {
  const A = learner.maxActions;
  const onehot = new Float32Array(idx.length * A);
  for (let k = 0; k < idx.length; k++) onehot[k * A + enc.actions[idx[k]]] = 1;
  return {
    xIn: pick(enc.inputs, learner.inputDim, idx),
    mIn: pick(enc.masks, A, idx),
    onehot,
  };
}

/** Cross-entropy of the reverse chain's output x^0 (the policy's Q estimate) on rows `idx`. */
export function chainGradient(
  learner: CloneLearner,
  enc: EncodedExpert,
  idx: Int32Array,
  rng: Rng,
): { loss: number; grad: Tensor } {
  const A = learner.maxActions;
  const n = idx.length;
  const { xIn, mIn, onehot } = gatherRows(learner, enc, idx);
  const noise = learner.noise(n, rng);
  const x = tf.tensor2d(xIn, [n, learner.inputDim]);
  const m = tf.tensor2d(mIn, [n, A]);
  const y = tf.tensor2d(onehot, [n, A]);
  const out = agentGradient(learner.agent.params, () => {
    const logits = maskedLogits(learner.agentLogits(learner.agent, x, noise), m);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), y), 1)));
  });
  tf.dispose([x, m, y, noise]);
  return out;
}

/**
 * The graded loss on rows `idx`: the mean squared error of the agent's
 * Q-values (the MLP's output, the diffusion agent's reverse chain (42))
 * against the graded targets, over each row's feasible actions.
 */
export function gradedGradient(
  learner: CloneLearner,
  enc: EncodedExpert,
  idx: Int32Array,
  rng: Rng,
): { loss: number; grad: Tensor } {
  const A = learner.maxActions;
  const W = learner.inputDim;
  const n = idx.length;
  const g = enc.graded!;
  const xIn = pick(enc.inputs, W, idx);
  const yIn = pick(g.targets, A, idx);
  const wIn = pick(g.weights, A, idx);
  const count = wIn.reduce((s, v) => s + v, 0);
  const diffusion = learner.agent.noiseSteps > 0;
  const noise = diffusion ? learner.noise(n, rng) : [];
  const x = tf.tensor2d(xIn, [n, W]);
  const y = tf.tensor2d(yIn, [n, A]);
  const w = tf.tensor2d(wIn, [n, A]);
  const out = agentGradient(learner.agent.params, () => {
    const q = diffusion
      ? learner.agentLogits(learner.agent, x, noise)
      : learner.agent.logits(x, []);
    return tf.div(tf.sum(tf.mul(w, tf.square(tf.sub(q, y)))), Math.max(1, count));
  });
  tf.dispose([x, y, w, ...noise]);
  return out;
}

/** Fraction of (up to 4096 of) the dataset's rows whose greedy action is the expert's. */
export function cloneAccuracy(learner: CloneLearner, enc: EncodedExpert, rng: Rng): number {
  const W = learner.inputDim;
  const A = learner.maxActions;
  const n = Math.min(enc.rows, 4096);
  const logits = learner.act(enc.inputs.subarray(0, n * W), enc.masks.subarray(0, n * A), n, rng);
  let hit = 0;
  for (let r = 0; r < n; r++) {
    if (argmaxFeasible(logits, enc.masks, r, A) === enc.actions[r]) hit++;
  }
  return n > 0 ? hit / n : NaN;
}

/** Pushes the expert's slots as transitions; the next slot's state is S' (none at an episode's end). */
function fillReplay(
  buffer: ReplayBuffer,
  enc: EncodedExpert,
  data: ExpertData,
  rewardScale: number,
): void {
  const { agents: I, nodes: J, stateDim: D } = data.header;
  const a = data.arrays;
  const slots = a.reward.length;
  for (let t = 0; t < slots; t++) {
    const end = a.terminal[t] === 1 || t === slots - 1;
    const next = end ? t : t + 1;
    buffer.push({
      state: enc.states.subarray(t * I * D, (t + 1) * I * D),
      feasible: a.feasible.subarray(t * I * J, (t + 1) * I * J),
      types: a.types.subarray(t * I, (t + 1) * I),
      actions: a.actions.subarray(t * I, (t + 1) * I),
      reward: a.reward[t] * rewardScale,
      nextState: enc.states.subarray(next * I * D, (next + 1) * I * D),
      nextFeasible: a.feasible.subarray(next * I * J, (next + 1) * I * J),
      terminal: end,
    });
  }
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN;
}
