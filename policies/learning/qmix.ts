/**
 * QMIX (Rashid et al., 2018; MODEL.md section 2.7) for the two learning
 * policies: `pqmix` (an MLP agent network) and `mad2rl` (a diffusion agent
 * network, MODEL.md section 2.5). Read top to bottom, the algorithm is:
 *
 * 1. options: one typed object, the policy's params, in three named
 *    regimes: `paper` (MODEL.md section 3), `perslot` (MODEL.md A25) and
 *    `refined` (the default: per-slot, acting through the refinement of
 *    MODEL.md section 6.1); pre-training on an expert dataset
 *    (`pretrain.ts`, A26) comes before step 2 when asked for;
 * 2. act: masked argmax (56) of the agent network, epsilon-greedy (A14);
 *    a greedy decision refined on (34) when `refineTopK` > 0 (R1-R2);
 * 3. store: (S, A, r, S') into the replay buffer once the slot is stepped;
 * 4. sample: a uniform mini-batch of E transitions;
 * 5. TD target (61) from the target networks, y = r at the last slot (A16);
 *    with discount 0 (per-slot), y = r and no target network runs;
 * 6. loss (60) through the mixer (59, A19) and its gradients;
 * 7. optimiser step: global-norm clip and Adam;
 * 8. soft update of the target networks (62)-(63).
 *
 * The agent "Q-value" of A12 is the masked softmax probability (43) of the
 * chosen action (`qHead: "softmax"`, the paper's form) or the pre-softmax
 * x^0 (`qHead: "logits"`, A12's allowed variant). One network is shared by
 * all agents (parameter sharing); all agents of a slot, or of a batch, go
 * through it in one forward pass.
 *
 * @module
 */
import { UserError } from "../../engine/errors.ts";
import type { ExpertData } from "../../engine/output/expert.ts";
import { Rng } from "../../engine/rng.ts";
import {
  type Decision,
  definePolicy,
  type EpisodeContext,
  type Observation,
  outside,
  type PolicyContext,
  type PolicyDefinition,
  type PolicyInstance,
  type SaveOptions,
  type ScenarioInfo,
  type StepResult,
} from "../../engine/sim/policy.ts";
import {
  argmaxFeasible,
  type EncodingShape,
  encodingShape,
  expandNodeMask,
  nodeOf,
  normaliseLocalStates,
  partitionOf,
} from "../../engine/sim/encoding.ts";
import { loadCheckpoint, type QmixParts, saveTraining, saveWeights } from "./checkpoint.ts";
import {
  type AgentNet,
  createDiffusionAgent,
  createMlpAgent,
  type DiffusionOptions,
  maskedLogits,
  Mixer,
} from "./networks.ts";
import { refineDecision, topFeasible } from "../../engine/sim/refine.ts";
import { TwoThreadUpdate } from "./parallel.ts";
import { encodeExpert, pretrain } from "./pretrain.ts";
import { type Batch, ReplayBuffer } from "./replay.ts";
import { Adam, ADAM_DEFAULTS } from "./tensor/adam.ts";
import { initBackend, tf } from "./tensor/backend.ts";
import { fillNormal } from "./tensor/normal.ts";
import { withViews } from "./tensor/params.ts";

type Tensor = tf.Tensor;

// ---------------------------------------------------------------------------
// 1. Options: the policies' params, with the paper's values as defaults.

/**
 * The paper's regime (`preset: paper`, MODEL.md section 3): TD learning
 * from scratch with discount 0.99, the softmax head of (43), fresh reverse-
 * chain noise for every Q estimate. Kept exactly as the paper states it.
 */
const paperRegime = {
  /** Agent network hidden layers (3 x 256, MODEL.md section 3). */
  hidden: [256, 256, 256],
  /** Mixing embedding (pymarl default, A19) and hypernetwork hidden width. */
  mixEmbed: 32,
  hyperHidden: 64,
  lr: 5e-4,
  discount: 0.99,
  /** Soft target update rate (62)-(63). */
  tau: 0.001,
  /** Mini-batch E and replay capacity (RECONSTRUCTED, MODEL.md section 3). */
  batch: 256,
  buffer: 100_000,
  epsStart: 1.0,
  epsEnd: 0.05,
  epsSteps: 10_000,
  /** One update every `updateEvery` slots of a training episode. */
  updateEvery: 1,
  /** Global gradient-norm clip (pymarl default). */
  gradClip: 10,
  /** A12: "softmax" (paper: chosen-action probability) or "logits" (pre-softmax x^0). */
  qHead: "softmax",
  /** State normalisation (A13): queues divided by this (GFLOP); positions mapped to [-1, 1]. */
  queueScaleGflop: 100,
  /** Reward (58) multiplier for the TD loss (A3: a constant reward scale). */
  rewardScale: 1e-3,
  /**
   * Threads of a training update: 1, or 2 to split each mini-batch over a
   * worker thread (bit-identical replicas; results are deterministic per
   * setting and differ between settings in the last bits).
   */
  threads: 2,
  /**
   * The diffusion agent's Q estimate (acting, online and target): "sample"
   * (fresh reverse-chain noise each time, the paper's), "zero" (the
   * deterministic chain: x^M = 0 and no added noise) or "mean" (the mean of
   * `qDraws` sampled chains). P-QMIX ignores it.
   */
  qNoise: "sample",
  qDraws: 4,
  /**
   * Pre-training on an expert dataset (`train --pretrain DIR`): steps,
   * mini-batch of (slot, agent) rows and learning rate of behaviour
   * cloning (cross-entropy for the MLP, the denoising loss of (36)-(37)
   * for the diffusion agent), then `mixerWarmup` updates of the mixer alone
   * on the expert's transitions before QMIX fine-tunes both.
   */
  pretrainSteps: 3000,
  pretrainBatch: 256,
  pretrainLr: 1e-3,
  pretrainCe: 0,
  pretrainChain: 0,
  mixerWarmup: 500,
  /**
   * Decision-time refinement (MODEL.md section 6.1): the RSU picks the joint
   * decision by coordinate descent on (34) over each agent's `refineTopK`
   * best actions, at most `refinePasses` passes; 0 acts by (56) alone.
   */
  refineTopK: 0,
  refinePasses: 3,
};

/**
 * The per-slot regime (`preset: perslot`, the default): the Lyapunov step
 * already makes each slot its own problem (34), so the TD target is the
 * slot's reward (discount 0: no bootstrap, no target network in the loss);
 * pre-softmax Q heads (A12's variant); the deterministic reverse chain as
 * the diffusion agent's Q estimate; small batches; exploration that starts
 * low, so that random offloading does not fill the queues of a cloned
 * policy. docs/RESULTS.md has the measurements behind each choice.
 */
const perslotRegime = {
  discount: 0,
  qHead: "logits",
  qNoise: "zero",
  batch: 64,
  epsStart: 0.1,
  epsEnd: 0.01,
  epsSteps: 3000,
  threads: 1,
  pretrainCe: 5,
  pretrainChain: 2000,
};

/**
 * The refined regime (`preset: refined`, the default): the per-slot regime
 * acting through decision-time refinement (MODEL.md section 6.1, A27):
 * each agent proposes its 8 best actions and the joint decision is chosen
 * by up to 3 passes of coordinate descent on (34).
 */
const refinedRegime = { refineTopK: 8, refinePasses: 3 };

/** The named regimes, for `preset:` (each sets every regime parameter). */
export const qmixPresets = {
  paper: paperRegime,
  perslot: { ...paperRegime, ...perslotRegime },
  refined: { ...paperRegime, ...perslotRegime, ...refinedRegime },
};

/** P-QMIX's params (the refined regime); MAD2RL adds its diffusion settings. */
export const qmixDefaults = { preset: "refined", ...qmixPresets.refined };

/** MAD2RL's params: QMIX's plus the diffusion settings (A13, A15). */
export const mad2rlDefaults = {
  ...qmixDefaults,
  /** Denoising steps M. */
  steps: 7,
  betaMin: 0.1,
  betaMax: 10,
  /** Sinusoidal step-embedding width. */
  embedDim: 16,
};

/** The options of either policy (P-QMIX ignores the diffusion settings). */
export type QmixOptions =
  & typeof qmixDefaults
  & Partial<Omit<typeof mad2rlDefaults, keyof typeof qmixDefaults>>;

function checkQmix(p: QmixOptions): Record<string, string | undefined> {
  return {
    hidden:
      p.hidden.length >= 1 && p.hidden.every((h) => Number.isInteger(h) && h >= 1 && h <= 4096)
        ? undefined
        : `must be a list of whole numbers in [1, 4096], got ${JSON.stringify(p.hidden)}`,
    mixEmbed: outside(p.mixEmbed, 1, 1024, true),
    hyperHidden: outside(p.hyperHidden, 1, 1024, true),
    lr: outside(p.lr, 1e-8, 1),
    discount: outside(p.discount, 0, 1),
    tau: outside(p.tau, 1e-6, 1),
    batch: outside(p.batch, 1, 65_536, true),
    buffer: outside(p.buffer, p.batch, 10_000_000, true),
    epsStart: outside(p.epsStart, 0, 1),
    epsEnd: outside(p.epsEnd, 0, 1),
    epsSteps: outside(p.epsSteps, 0, 1e9, true),
    updateEvery: outside(p.updateEvery, 1, 10_000, true),
    gradClip: outside(p.gradClip, 1e-6, 1e9),
    qHead: p.qHead === "softmax" || p.qHead === "logits"
      ? undefined
      : `must be "softmax" or "logits", got ${JSON.stringify(p.qHead)}`,
    queueScaleGflop: outside(p.queueScaleGflop, 1e-6, 1e9),
    rewardScale: outside(p.rewardScale, 1e-12, 1e6),
    threads: outside(p.threads, 1, 2, true),
    qNoise: ["sample", "zero", "mean"].includes(p.qNoise)
      ? undefined
      : `must be "sample", "zero" or "mean", got ${JSON.stringify(p.qNoise)}`,
    qDraws: outside(p.qDraws, 1, 64, true),
    pretrainSteps: outside(p.pretrainSteps, 0, 1e7, true),
    pretrainBatch: outside(p.pretrainBatch, 1, 65_536, true),
    pretrainLr: outside(p.pretrainLr, 1e-8, 1),
    pretrainCe: outside(p.pretrainCe, 0, 1e6),
    pretrainChain: outside(p.pretrainChain, 0, 1e7, true),
    mixerWarmup: outside(p.mixerWarmup, 0, 1e7, true),
    refineTopK: outside(p.refineTopK, 0, 100_000, true),
    refinePasses: outside(p.refinePasses, 0, 1000, true),
  };
}

const clean = (r: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(r).filter(([, m]) => m !== undefined)) as Record<
    string,
    string
  >;

/** P-QMIX: QMIX with an MLP agent network (MODEL.md section 3 baselines). */
export const pqmix: PolicyDefinition<typeof qmixDefaults> = definePolicy({
  id: "pqmix",
  description: "QMIX with an MLP agent network (3 x 256); needs a trained checkpoint.",
  defaults: qmixDefaults,
  presets: qmixPresets,
  learning: true,
  check: (p) => clean(checkQmix(p)),
  create: (p, ctx) => createQmix("pqmix", "mlp", p, ctx),
});

/** MAD2RL: QMIX whose agent network is a diffusion model (MODEL.md 2.5, 2.7). */
export const mad2rl: PolicyDefinition<typeof mad2rlDefaults> = definePolicy({
  id: "mad2rl",
  description:
    "QMIX with diffusion agent networks (M reverse steps, 3 x 256 noise net); needs a trained checkpoint.",
  defaults: mad2rlDefaults,
  presets: qmixPresets as Record<string, Partial<typeof mad2rlDefaults>>,
  learning: true,
  check: (p) =>
    clean({
      ...checkQmix(p),
      steps: outside(p.steps, 1, 100, true),
      betaMin: outside(p.betaMin, 1e-6, 100),
      betaMax: outside(p.betaMax, p.betaMin, 1000),
      embedDim: p.embedDim >= 2 && p.embedDim % 2 === 0 && p.embedDim <= 256
        ? undefined
        : `must be an even whole number in [2, 256], got ${p.embedDim}`,
    }),
  create: (p, ctx) => createQmix("mad2rl", "diffusion", p, ctx),
});

/** The scenario's shapes the networks are built for (the agent encoding's, `encoding.ts`). */
export interface QmixShape extends EncodingShape {
  agent: "mlp" | "diffusion";
}

/** The shapes of a scenario's networks. */
export function qmixShape(info: ScenarioInfo, agent: "mlp" | "diffusion"): QmixShape {
  return { agent, ...encodingShape(info) };
}

/** The diffusion settings of `o` (P-QMIX records MAD2RL's defaults). */
function diffusionOf(o: QmixOptions): DiffusionOptions {
  const d = { ...mad2rlDefaults, ...o };
  return { steps: d.steps, betaMin: d.betaMin, betaMax: d.betaMax, embedDim: d.embedDim };
}

/** What a checkpoint records of the networks (and checks on load, `checkpoint.ts`). */
function recordedConfig(o: QmixOptions, shape: QmixShape): Record<string, unknown> {
  return {
    ...shape,
    hidden: o.hidden,
    diffusion: diffusionOf(o),
    mixEmbed: o.mixEmbed,
    hyperHidden: o.hyperHidden,
    lr: o.lr,
    discount: o.discount,
    tau: o.tau,
    gradClip: o.gradClip,
    qHead: o.qHead,
  };
}

async function createQmix(
  id: string,
  agent: "mlp" | "diffusion",
  o: QmixOptions,
  ctx: PolicyContext,
): Promise<QmixPolicy> {
  await initBackend();
  const policy = new QmixPolicy(id, ctx.info, o, qmixShape(ctx.info, agent));
  if (ctx.checkpoint) {
    try {
      await policy.load(ctx.checkpoint);
    } catch (e) {
      policy.dispose();
      throw e;
    }
  }
  return policy;
}

/** Normalised local states (A13), node feasibility and types of all agents of a slot. */
interface Encoded {
  state: Float32Array;
  feasible: Uint8Array;
  types: Int32Array;
}

/** The live policy: exploration, replay, and the learner's updates. */
export class QmixPolicy implements PolicyInstance {
  readonly policyId: string;
  readonly info: ScenarioInfo;
  readonly opts: QmixOptions;
  readonly learner: QmixLearner;
  buffer: ReplayBuffer;
  /** Replay sampling and update noise. */
  trainRng: Rng;
  /** Slots spent in the epsilon-greedy phase. */
  epsilonSteps = 0;
  /** Slots seen in training (all phases). */
  trainSlots = 0;
  /** Whether weights were trained or loaded (evaluation refuses untrained weights). */
  ready = false;
  #rng: Rng = new Rng([0, 0, 0, 1]);
  #training = false;
  #slotInEpisode = 0;
  /** The current slot's encoding and actions, stored with the outcome by `observe`. */
  #last: (Encoded & { actions: Int32Array }) | undefined;
  readonly #localBuf: Float64Array;

  constructor(policyId: string, info: ScenarioInfo, opts: QmixOptions, shape: QmixShape) {
    this.policyId = policyId;
    this.info = info;
    this.opts = opts;
    this.learner = new QmixLearner(opts, shape, info.seed);
    this.#localBuf = new Float64Array(shape.stateDim);
    this.buffer = new ReplayBuffer(opts.buffer, {
      agents: shape.agents,
      nodes: shape.nodes,
      stateDim: shape.stateDim,
    });
    this.trainRng = Rng.stream(info.seed, "policy-train");
  }

  /** The exploration rate: 1 until the buffer holds a batch, then linear to `epsEnd` (A14). */
  get epsilon(): number {
    const o = this.opts;
    if (this.buffer.size < o.batch) return 1;
    const f = Math.min(1, this.epsilonSteps / Math.max(1, o.epsSteps));
    return o.epsStart + (o.epsEnd - o.epsStart) * f;
  }

  reset(ctx: EpisodeContext): void {
    if (!ctx.training && !this.ready) {
      throw new UserError(
        `policy "${this.policyId}" has no trained weights: train it with ` +
          `\`deno task train FILE --policy ${this.policyId}\`, then name the checkpoint ` +
          `in the scenario (checkpoint: DIR) or pass --checkpoint DIR`,
      );
    }
    this.#rng = ctx.rng;
    this.#training = ctx.training;
    this.#last = undefined;
    this.#slotInEpisode = 0;
    if (ctx.training) this.ready = true;
  }

  // -------------------------------------------------------------------------
  // 2. Act: masked argmax (56), or a uniformly random feasible action with
  //    probability epsilon while training. Evaluation is greedy, refined on
  //    (34) over each agent's best actions when `refineTopK` > 0 (MODEL.md
  //    section 6.1); MAD2RL's reverse-chain noise comes from the episode's
  //    policy stream.

  decide(obs: Observation): Decision {
    const I = obs.cvCount;
    const J = obs.nodeCount;
    const L = this.learner;
    const enc = this.#encode(obs);
    const eps = this.#training ? this.epsilon : 0;
    const explore = new Uint8Array(I);
    let anyGreedy = false;
    for (let i = 0; i < I; i++) {
      explore[i] = eps >= 1 || (eps > 0 && this.#rng.next() < eps) ? 1 : 0;
      if (!explore[i]) anyGreedy = true;
    }
    const A = L.maxActions;
    const masks = L.masks(enc.feasible, enc.types, I);
    const logits = anyGreedy
      ? L.act(L.inputs(enc.state, enc.types, I), masks, I, this.#rng)
      : undefined;
    const actions = new Int32Array(I);
    for (let i = 0; i < I; i++) {
      actions[i] = explore[i] || !logits
        ? randomFeasible(masks, i, A, this.#rng)
        : argmaxFeasible(logits, masks, i, A); // MODEL.md eq. (56)
    }
    if (this.#training) {
      this.#last = { ...enc, actions };
      this.trainSlots++;
      if (this.buffer.size >= this.opts.batch) this.epsilonSteps++;
    }
    this.#slotInEpisode++;
    const partition = Int32Array.from(actions, (a) => partitionOf(a, J));
    const target = Int32Array.from(actions, (a) => nodeOf(a, J));
    const decision = { partition, target };
    const K = this.opts.refineTopK;
    if (K > 0 && logits && !this.#training) {
      // MODEL.md section 6.1: the agents' K best actions, then descent on (34).
      const candidates = new Int32Array(I * K);
      for (let i = 0; i < I; i++) topFeasible(logits, masks, i, A, K, candidates, K);
      refineDecision(obs, decision, candidates, K, this.opts.refinePasses);
    }
    return decision;
  }

  /** Normalised local states (A13), node feasibility and types of all agents. */
  #encode(obs: Observation): Encoded {
    const I = obs.cvCount;
    const J = obs.nodeCount;
    const D = this.learner.shape.stateDim;
    const state = new Float32Array(I * D);
    const feasible = new Uint8Array(I * J);
    const types = new Int32Array(I);
    for (let i = 0; i < I; i++) {
      normaliseLocalStates(
        obs.localState(i, this.#localBuf),
        state.subarray(i * D, (i + 1) * D),
        J,
        this.info,
        this.opts.queueScaleGflop,
        this.info.rsuCount,
      );
      obs.nodeMask(i, feasible.subarray(i * J, (i + 1) * J));
      types[i] = obs.state.cvType[i];
    }
    return { state, feasible, types };
  }

  // -------------------------------------------------------------------------
  // 3. Store: the stepped slot's transition (S, A, r, S'), with the reward
  //    scaled (A3) and the last slot marked so that (61) does not bootstrap.

  observe(step: StepResult): void {
    const last = this.#last;
    if (!this.#training || !last) return;
    const next = this.#encode(step.observation);
    const end = step.terminated || step.truncated;
    this.buffer.push({
      ...last,
      reward: step.reward * this.opts.rewardScale,
      nextState: next.state,
      nextFeasible: next.feasible,
      terminal: end,
    });
    this.#last = undefined;
  }

  // -------------------------------------------------------------------------
  // 4.-8. One update per `updateEvery` slots once the buffer holds a batch:
  //    sample, then the learner's target, loss, optimiser step and soft
  //    update (below), on one thread or split over two.

  update(): Record<string, number> | undefined {
    const o = this.opts;
    if (!this.#training || this.buffer.size < o.batch) return undefined;
    if (this.#slotInEpisode % o.updateEvery !== 0) return undefined;
    const L = this.learner;
    if (o.threads > 1 && !L.parallel) L.parallel = new TwoThreadUpdate(L, this.info.seed, o.batch);
    const loss = L.update(this.buffer, o.batch, this.trainRng);
    return { loss, epsilon: this.epsilon };
  }

  stats(): Record<string, number> {
    return { epsilon: this.epsilon, updates: this.learner.updates };
  }

  /**
   * Behaviour cloning on the expert dataset `data`, the expert's
   * transitions into the replay buffer, and the mixer warm-up
   * (`pretrain.ts`); afterwards the weights count as trained.
   */
  pretrain(
    data: ExpertData,
    onProgress?: (phase: string, step: number, steps: number, loss: number) => void,
  ): Record<string, number> {
    const h = data.header;
    const s = this.learner.shape;
    const want = { agents: s.agents, nodes: s.nodes, stateDim: s.stateDim };
    const have = { agents: h.agents, nodes: h.nodes, stateDim: h.stateDim };
    if (
      JSON.stringify(want) !== JSON.stringify(have) ||
      JSON.stringify(s.actionCounts) !== JSON.stringify(h.actionCounts)
    ) {
      throw new UserError(
        `the expert dataset's shapes ${JSON.stringify({ ...have, actions: h.actionCounts })} ` +
          `do not match the scenario's ${JSON.stringify({ ...want, actions: s.actionCounts })}`,
      );
    }
    const o = this.opts;
    const enc = encodeExpert(this.learner, data, this.info, o.queueScaleGflop, o.rewardScale);
    const report = pretrain(this.learner, enc, data, this.buffer, this.trainRng, {
      steps: o.pretrainSteps,
      batch: o.pretrainBatch,
      lr: o.pretrainLr,
      mixerWarmup: o.mixerWarmup,
      ceWeight: o.pretrainCe,
      chainSteps: o.pretrainChain,
      replayBatch: o.batch,
      rewardScale: o.rewardScale,
      onProgress,
    });
    this.ready = true;
    this.learner.parallel?.markDirty();
    return { ...report };
  }

  /** Writes the weights (`weightsOnly`) or the whole training state into `dir`, atomically. */
  async save(dir: string, o: SaveOptions = {}): Promise<void> {
    if (o.weightsOnly) return await saveWeights(dir, this.#parts(), o.meta);
    await saveTraining(dir, this.#parts(), {
      buffer: this.buffer,
      trainRng: this.trainRng.state,
      epsilonSteps: this.epsilonSteps,
      trainSlots: this.trainSlots,
      updates: this.learner.updates,
    });
  }

  /**
   * Loads weights from `dir`, and the training state when it is there. A
   * training directory (with `latest.json`) resolves to its `best/` weights,
   * else to its latest checkpoint.
   */
  async load(dir: string): Promise<void> {
    const state = await loadCheckpoint(dir, this.#parts());
    if (state) {
      this.buffer = state.buffer;
      this.trainRng = Rng.fromState(state.trainRng);
      this.epsilonSteps = state.epsilonSteps;
      this.trainSlots = state.trainSlots;
      this.learner.updates = state.updates;
    }
    this.ready = true;
    this.learner.parallel?.markDirty();
  }

  #parts(): QmixParts {
    const L = this.learner;
    return {
      policyId: this.policyId,
      config: recordedConfig(this.opts, L.shape),
      queueScaleGflop: this.opts.queueScaleGflop,
      nets: {
        agent: L.agent.params,
        mixer: L.mixer.params,
        targetAgent: L.targetAgent.params,
        targetMixer: L.targetMixer.params,
      },
      optimizer: L.optimizer,
    };
  }

  dispose(): void {
    this.learner.dispose();
  }
}

/** `maskedLogits` on plain arrays, in the same float32 steps: logits + (mask - 1) 1e9. */
function maskedValues(logits: Float32Array, mask: Float32Array): Float32Array {
  const f = Math.fround;
  for (let i = 0; i < logits.length; i++) logits[i] = f(logits[i] + f(f(mask[i] - 1) * 1e9));
  return logits;
}

/** A uniformly random action among agent `i`'s feasible ones. */
function randomFeasible(masks: Float32Array, i: number, A: number, rng: Rng): number {
  let count = 0;
  for (let a = 0; a < A; a++) count += masks[i * A + a];
  let pick = rng.int(count);
  for (let a = 0; a < A; a++) {
    if (masks[i * A + a] && pick-- === 0) return a;
  }
  return 0;
}

/** Online and target agent networks and mixers, and their optimiser. */
export class QmixLearner {
  readonly opts: QmixOptions;
  readonly shape: QmixShape;
  readonly maxActions: number;
  readonly inputDim: number;
  readonly agent: AgentNet;
  readonly targetAgent: AgentNet;
  readonly mixer: Mixer;
  readonly targetMixer: Mixer;
  readonly optimizer: Adam;
  /** Number of updates applied. */
  updates = 0;
  /** When set, updates are split over a worker thread. */
  parallel?: TwoThreadUpdate;

  constructor(opts: QmixOptions, shape: QmixShape, initSeed: number) {
    this.opts = opts;
    this.shape = shape;
    const cfg = { ...shape, ...opts };
    this.maxActions = Math.max(...cfg.actionCounts);
    this.inputDim = cfg.stateDim + cfg.actionCounts.length + cfg.agents;
    const dims = { inputDim: this.inputDim, maxActions: this.maxActions, hidden: cfg.hidden };
    const make = (scope: string) => {
      const rng = Rng.stream(initSeed, "policy-init", 1);
      return cfg.agent === "mlp"
        ? createMlpAgent(dims, rng, scope)
        : createDiffusionAgent(dims, diffusionOf(opts), rng, scope);
    };
    this.agent = make("agent");
    this.targetAgent = make("target-agent");
    const mixDims = {
      agents: cfg.agents,
      stateDim: cfg.agents * cfg.stateDim,
      embed: cfg.mixEmbed,
      hidden: cfg.hyperHidden,
    };
    this.mixer = new Mixer(mixDims, Rng.stream(initSeed, "policy-init", 2), "mixer");
    this.targetMixer = new Mixer(mixDims, Rng.stream(initSeed, "policy-init", 2), "target-mixer");
    this.optimizer = new Adam([this.agent.params, this.mixer.params], {
      lr: cfg.lr,
      ...ADAM_DEFAULTS,
    });
  }

  /**
   * Agent network inputs [rows, inputDim] for `rows = B * agents` local
   * states: state, one-hot type, one-hot agent index.
   */
  inputs(states: Float32Array, types: Int32Array, rows: number): Float32Array {
    const { stateDim: D, agents: I } = this.shape;
    const K = this.shape.actionCounts.length;
    const W = this.inputDim;
    const out = new Float32Array(rows * W);
    for (let r = 0; r < rows; r++) {
      out.set(states.subarray(r * D, (r + 1) * D), r * W);
      out[r * W + D + types[r]] = 1;
      out[r * W + D + K + (r % I)] = 1;
    }
    return out;
  }

  /** Action masks [rows, maxActions] from node feasibility (A10) and each type's action count. */
  masks(feasible: Uint8Array, types: Int32Array, rows: number): Float32Array {
    const J = this.shape.nodes;
    const A = this.maxActions;
    const out = new Float32Array(rows * A);
    for (let r = 0; r < rows; r++) {
      const nodes = feasible.subarray(r * J, (r + 1) * J);
      expandNodeMask(nodes, this.shape.actionCounts[types[r]], out, r * A);
    }
    return out;
  }

  /**
   * Noise tensors of the reverse chain for `rows` rows under the Q estimate
   * `qNoise` (none for the MLP): drawn from `rng` ("sample"), zeros, the
   * deterministic chain ("zero"), or `qDraws` draws per row ("mean").
   */
  noise(rows: number, rng: Rng): Tensor[] {
    return this.#noiseTensors(this.noiseValues(rows, rng));
  }

  #noiseTensors(values: Float32Array[]): Tensor[] {
    return values.map((v) => tf.tensor2d(v, [v.length / this.maxActions, this.maxActions]));
  }

  /** The values of {@linkcode noise}'s tensors, drawn the same way. */
  noiseValues(rows: number, rng: Rng): Float32Array[] {
    const out: Float32Array[] = [];
    const mode = this.opts.qNoise;
    const n = mode === "mean" ? rows * this.opts.qDraws : rows;
    for (let k = 0; k < this.agent.noiseSteps; k++) {
      const v = new Float32Array(n * this.maxActions);
      out.push(mode === "zero" ? v : fillNormal(rng, v));
    }
    return out;
  }

  /**
   * The agent logits x^0 of `net` for inputs `x` [rows, inputDim] with the
   * chain noise of {@linkcode noise}: for "mean", the mean over the draws
   * of the chains run on the tiled inputs.
   */
  agentLogits(net: AgentNet, x: Tensor, noise: Tensor[]): Tensor {
    if (net.noiseSteps === 0 || this.opts.qNoise !== "mean") return net.logits(x, noise);
    const K = this.opts.qDraws;
    const rows = x.shape[0];
    const out = net.logits(tf.tile(x, [K, 1]), noise);
    return tf.mean(tf.reshape(out, [K, rows, this.maxActions]), 0);
  }

  /** Masked agent logits (online network) as a plain array [rows * maxActions]. */
  act(input: Float32Array, mask: Float32Array, rows: number, rng: Rng): Float32Array {
    // A few rows: the same arithmetic without tensors (networks.ts `inferLogits`), except for
    // the mean over draws, which stays a tensor reduction.
    const noise = this.noiseValues(rows, rng);
    if (this.agent.noiseSteps === 0 || this.opts.qNoise !== "mean") {
      const logits = this.agent.inferLogits(input, rows, noise);
      if (logits) return maskedValues(logits, mask);
    }
    return this.#actTensors(input, mask, rows, this.#noiseTensors(noise));
  }

  #actTensors(
    input: Float32Array,
    mask: Float32Array,
    rows: number,
    noise: Tensor[],
  ): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor2d(input, [rows, this.inputDim]);
      const m = tf.tensor2d(mask, [rows, this.maxActions]);
      const p = this.agent.params;
      p.bind(p.cachedViews());
      let logits: Tensor;
      try {
        logits = this.agentLogits(this.agent, x, noise);
      } finally {
        p.unbind();
        tf.dispose(noise);
      }
      return maskedLogits(logits, m).dataSync() as Float32Array;
    });
  }

  /**
   * 4. Sample `batch` transitions of `buffer` with `rng`, then 5.-8. (the
   * gradients, then the step), split over two threads when `parallel` is
   * set. Returns the loss.
   */
  update(buffer: ReplayBuffer, batch: number, rng: Rng): number {
    if (this.parallel) return this.parallel.update(this, buffer, batch, rng);
    const { loss, grads } = this.gradients(buffer.sample(batch, rng), rng);
    this.step(grads);
    tf.dispose(grads);
    return loss;
  }

  /**
   * 5.-6. Loss (60) with target (61) on `b`, and its gradients (one flat
   * vector per trainable set; the caller disposes them). The online and
   * then the target network's reverse-chain noise are drawn from `rng`. The
   * squared errors are summed and divided by `totalBatch`: the batch's own
   * size gives the mean of (60); a half batch of a two-thread update passes
   * the whole batch's size, so the two halves' gradients add up.
   */
  gradients(
    b: Batch,
    rng: Rng,
    totalBatch = b.size,
    agentFrozen = false,
  ): { loss: number; grads: Tensor[] } {
    const { agents: I, stateDim: D } = this.shape;
    const batch = b.size;
    const rows = batch * I;
    const A = this.maxActions;
    const noiseOnline = this.noise(rows, rng);
    const y = this.targets(b, rng);
    // 6. Loss (60): mean of (y - Q_tot(S, A))^2 / 2 through the online networks.
    const chosen = new Float32Array(rows * A);
    for (let r = 0; r < rows; r++) chosen[r * A + b.actions[r]] = 1;
    const x = tf.tensor2d(this.inputs(b.state, b.types, rows), [rows, this.inputDim]);
    const m = tf.tensor2d(this.masks(b.feasible, b.types, rows), [rows, A]);
    const a = tf.tensor2d(chosen, [rows, A]);
    const s = tf.tensor2d(b.state, [batch, I * D]);
    // A frozen agent (the mixer's warm-up) gets zeros without its backward pass: its logits
    // are computed once, off the tape, by the same forward arithmetic.
    const frozenLogits = agentFrozen
      ? tf.tidy(() =>
        withViews([this.agent.params], () => this.agentLogits(this.agent, x, noiseOnline))
      )
      : undefined;
    const sets = agentFrozen ? [this.mixer.params] : [this.agent.params, this.mixer.params];
    // Differentiate against slices of the flat parameter vectors (a slice's
    // own gradient would scatter into a full-size zero vector per weight).
    const views = sets.map((p) => p.views());
    const counts = views.map((v) => v.length);
    const { value, grads } = tf.valueAndGrads((...ws: Tensor[]) => {
      let at = 0;
      sets.forEach((p, k) => p.bind(ws.slice(at, at += counts[k])));
      try {
        const logits = frozenLogits ?? this.agentLogits(this.agent, x, noiseOnline);
        const q = this.#agentValues(logits, m, a);
        const tot = tf.reshape(this.mixer.mix(q, s), [batch]);
        return tf.div(tf.sum(tf.mul(tf.square(tf.sub(y, tot)), 0.5)), totalBatch);
      } finally {
        for (const p of sets) p.unbind();
      }
    })(views.flat());
    const loss = value.dataSync()[0];
    const flatGrads = tf.tidy(() => {
      let at = 0;
      const flat = counts.map((n) =>
        tf.concat(grads.slice(at, at += n).map((g) => tf.reshape(g, [-1])))
      );
      return agentFrozen ? [tf.zeros([this.agent.params.size]), ...flat] : flat;
    });
    tf.dispose([
      value,
      y,
      x,
      m,
      a,
      s,
      views,
      grads,
      noiseOnline,
      ...(frozenLogits ? [frozenLogits] : []),
    ]);
    return { loss, grads: flatGrads };
  }

  /**
   * 5. TD target (61): y = r + gamma (1 - done) Q_tot'(S', argmax) with A16's
   * mask, the target network's chain noise drawn from `rng`; with discount
   * 0 (the per-slot regime), y = r and no target network runs.
   */
  targets(b: Batch, rng: Rng): Tensor {
    if (this.opts.discount === 0) return tf.tensor1d(b.reward);
    const { agents: I, stateDim: D } = this.shape;
    const batch = b.size;
    const rows = batch * I;
    const A = this.maxActions;
    const noiseTarget = this.noise(rows, rng);
    const y = tf.tidy(() => {
      const x = tf.tensor2d(this.inputs(b.nextState, b.types, rows), [rows, this.inputDim]);
      const m = tf.tensor2d(this.masks(b.nextFeasible, b.types, rows), [rows, A]);
      const tot = withViews([this.targetAgent.params, this.targetMixer.params], () => {
        const logits = this.agentLogits(this.targetAgent, x, noiseTarget);
        const q = this.#agentValues(logits, m, null);
        return this.targetMixer.mix(q, tf.tensor2d(b.nextState, [batch, I * D]));
      });
      const boot = tf.mul(
        tf.reshape(tot, [batch]),
        tf.mul(tf.tensor1d(b.notDone), this.opts.discount),
      );
      return tf.add(tf.tensor1d(b.reward), boot);
    });
    tf.dispose(noiseTarget);
    return y;
  }

  /** Per-agent values [B*I] -> [B, I]: chosen entries (online) or maxima (target), A12. */
  #agentValues(logits: Tensor, mask: Tensor, chosen: Tensor | null): Tensor {
    const masked = maskedLogits(logits, mask);
    const v = this.opts.qHead === "softmax" ? tf.softmax(masked) : masked;
    const picked = chosen ? tf.sum(tf.mul(v, chosen), 1) : tf.max(v, 1);
    return tf.reshape(picked, [-1, this.shape.agents]);
  }

  /**
   * 7.-8. Global-norm clip and Adam on `grads` (plus `extra`, the other half
   * batch's gradients of a two-thread update), then the soft target updates
   * (62)-(63).
   */
  step(grads: Tensor[], extra?: Tensor[]): void {
    this.optimizer.step(grads, {
      extra,
      clip: this.opts.gradClip,
      targets: [this.targetAgent.params, this.targetMixer.params],
      tau: this.opts.tau,
    });
    this.updates++;
  }

  /** All trainable variables (online agent then online mixer), in a fixed order. */
  trainable(): tf.Variable[] {
    return [...this.agent.params.list(), ...this.mixer.params.list()];
  }

  /** Every variable that training changes, in a fixed order (for replicas). */
  stateVariables(): tf.Variable[] {
    return [
      ...this.trainable(),
      ...this.targetAgent.params.list(),
      ...this.targetMixer.params.list(),
      ...this.optimizer.moments(),
    ];
  }

  dispose(): void {
    this.parallel?.dispose();
    this.agent.dispose();
    this.targetAgent.dispose();
    this.mixer.dispose();
    this.targetMixer.dispose();
    this.optimizer.dispose();
  }
}
