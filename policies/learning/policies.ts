/**
 * The learning policies `pqmix` (QMIX with an MLP agent network) and
 * `mad2rl` (QMIX with a diffusion agent network), with the paper's
 * hyper-parameters (MODEL.md section 3) as typed defaults.
 *
 * @module
 */
import { definePolicy, type PolicyContext, type PolicyDefinition } from "../contract.ts";
import { outside } from "../params.ts";
import { initBackend } from "./backend.ts";
import type { LearnerConfig } from "./learner.ts";
import { QmixPolicy } from "./qmix_policy.ts";

/** Parameters shared by both policies. */
export const qmixDefaults = {
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
};

/** MAD2RL's diffusion settings on top (A13, A15). */
export const mad2rlDefaults = {
  ...qmixDefaults,
  /** Denoising steps M. */
  steps: 7,
  betaMin: 0.1,
  betaMax: 10,
  /** Sinusoidal step-embedding width. */
  embedDim: 16,
};

type QmixParams = typeof qmixDefaults;
type Mad2rlParams = typeof mad2rlDefaults;

function checkQmix(p: QmixParams): Record<string, string | undefined> {
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
  };
}

const clean = (r: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(r).filter(([, m]) => m !== undefined)) as Record<
    string,
    string
  >;

function learnerConfig(
  p: QmixParams | Mad2rlParams,
  ctx: PolicyContext,
  agent: "mlp" | "diffusion",
): LearnerConfig {
  const { info } = ctx;
  const d = "steps" in p ? p : mad2rlDefaults;
  return {
    agent,
    agents: info.cvCount,
    nodes: info.nodeCount,
    stateDim: 2 * info.nodeCount + 1,
    actionCounts: info.tables.map((t) => (t.L + 1) * info.nodeCount),
    hidden: p.hidden,
    diffusion: { steps: d.steps, betaMin: d.betaMin, betaMax: d.betaMax, embedDim: d.embedDim },
    mixEmbed: p.mixEmbed,
    hyperHidden: p.hyperHidden,
    lr: p.lr,
    discount: p.discount,
    tau: p.tau,
    gradClip: p.gradClip,
    qHead: p.qHead as "softmax" | "logits",
  };
}

async function create(
  id: string,
  p: QmixParams | Mad2rlParams,
  ctx: PolicyContext,
  agent: "mlp" | "diffusion",
): Promise<QmixPolicy> {
  await initBackend();
  const inst = new QmixPolicy(id, ctx.info, learnerConfig(p, ctx, agent), {
    batch: p.batch,
    buffer: p.buffer,
    epsStart: p.epsStart,
    epsEnd: p.epsEnd,
    epsSteps: p.epsSteps,
    updateEvery: p.updateEvery,
    queueScaleGflop: p.queueScaleGflop,
    rewardScale: p.rewardScale,
    threads: p.threads,
  });
  if (ctx.checkpoint) {
    try {
      await inst.load(ctx.checkpoint);
    } catch (e) {
      inst.dispose();
      throw e;
    }
  }
  return inst;
}

/** P-QMIX: QMIX with an MLP agent network (MODEL.md section 3 baselines). */
export const pqmix: PolicyDefinition<QmixParams> = definePolicy({
  id: "pqmix",
  description: "QMIX with an MLP agent network (3 x 256); needs a trained checkpoint.",
  defaults: qmixDefaults,
  learning: true,
  check: (p) => clean(checkQmix(p)),
  create: (p, ctx) => create("pqmix", p, ctx, "mlp"),
});

/** MAD2RL: QMIX whose agent network is a diffusion model (MODEL.md 2.5, 2.7). */
export const mad2rl: PolicyDefinition<Mad2rlParams> = definePolicy({
  id: "mad2rl",
  description:
    "QMIX with diffusion agent networks (M reverse steps, 3 x 256 noise net); needs a trained checkpoint.",
  defaults: mad2rlDefaults,
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
  create: (p, ctx) => create("mad2rl", p, ctx, "diffusion"),
});
