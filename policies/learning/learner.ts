/**
 * The QMIX learner shared by P-QMIX and MAD2RL (MODEL.md eqs. (59)-(63)):
 * online and target agent networks and mixers, Adam, and one TD update on a
 * replay mini-batch.
 *
 * The agent "Q-value" of A12 is the masked softmax probability (43) of the
 * chosen action (`qHead: "softmax"`, the paper's form); `qHead: "logits"`
 * uses the pre-softmax x^0 instead (A12's allowed variant). The target (61)
 * takes the max of the target agent's masked vector, and has no bootstrap
 * term at the terminal slot (A16).
 *
 * @module
 */
import { Rng } from "../../engine/rng.ts";
import {
  type AgentNet,
  createDiffusionAgent,
  createMlpAgent,
  type DiffusionOptions,
  maskedLogits,
} from "./agents.ts";
import { Adam } from "./adam.ts";
import { tf } from "./backend.ts";
import { fillNormal } from "./normal.ts";
import { withViews } from "./layers.ts";
import { hasFastOptim } from "./fast_optim.ts";
import { Mixer } from "./mixer.ts";
import type { ReplayBuffer } from "./replay.ts";

type Tensor = tf.Tensor;

/** Everything that fixes the shapes and the update rule. */
export interface LearnerConfig {
  agent: "mlp" | "diffusion";
  agents: number;
  nodes: number;
  /** Local state width 2J + 1. */
  stateDim: number;
  /** Action count (L_k + 1) J per DNN type. */
  actionCounts: number[];
  hidden: number[];
  diffusion: DiffusionOptions;
  mixEmbed: number;
  hyperHidden: number;
  lr: number;
  discount: number;
  tau: number;
  gradClip: number;
  qHead: "softmax" | "logits";
}

/** A sampled mini-batch as plain arrays (rows = size x agents). */
export interface Batch {
  size: number;
  state: Float32Array;
  nextState: Float32Array;
  feasible: Uint8Array;
  nextFeasible: Uint8Array;
  types: Int32Array;
  actions: Int32Array;
  reward: Float32Array;
  notDone: Float32Array;
}

/** Something that runs an update across threads (see `parallel.ts`). */
export interface ParallelUpdate {
  update(learner: Learner, buffer: ReplayBuffer, batch: number, rng: Rng): { loss: number };
  /** The main learner's state changed other than by `update` (e.g. a load). */
  markDirty(): void;
  dispose(): void;
}

/** Agent networks, mixers and optimiser of one QMIX policy. */
export class Learner {
  readonly cfg: LearnerConfig;
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
  parallel?: ParallelUpdate;

  constructor(cfg: LearnerConfig, initSeed: number) {
    this.cfg = cfg;
    this.maxActions = Math.max(...cfg.actionCounts);
    this.inputDim = cfg.stateDim + cfg.actionCounts.length + cfg.agents;
    const dims = { inputDim: this.inputDim, maxActions: this.maxActions, hidden: cfg.hidden };
    const make = (scope: string) => {
      const rng = Rng.stream(initSeed, "policy-init", 1);
      return cfg.agent === "mlp"
        ? createMlpAgent(dims, rng, scope)
        : createDiffusionAgent(dims, cfg.diffusion, rng, scope);
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
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
    });
  }

  /** All trainable variables (online agent then online mixer), in a fixed order. */
  trainable(): tf.Variable[] {
    return [...this.agent.params.list(), ...this.mixer.params.list()];
  }

  /**
   * Agent network inputs [rows, inputDim] for `rows = B * agents` local
   * states: state, one-hot type, one-hot agent index.
   */
  inputs(states: Float32Array, types: Int32Array, rows: number): Float32Array {
    const { stateDim: D, agents: I } = this.cfg;
    const K = this.cfg.actionCounts.length;
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
    const J = this.cfg.nodes;
    const A = this.maxActions;
    const out = new Float32Array(rows * A);
    for (let r = 0; r < rows; r++) {
      const n = this.cfg.actionCounts[types[r]];
      for (let a = 0; a < n; a++) out[r * A + a] = feasible[r * J + (a % J)];
    }
    return out;
  }

  /** Noise tensors of the reverse chain for `rows` rows, drawn from `rng`. */
  noise(rows: number, rng: Rng, net: AgentNet = this.agent): Tensor[] {
    const out: Tensor[] = [];
    for (let k = 0; k < net.noiseSteps; k++) {
      out.push(
        tf.tensor2d(fillNormal(rng, new Float32Array(rows * this.maxActions)), [
          rows,
          this.maxActions,
        ]),
      );
    }
    return out;
  }

  /** Masked agent logits (online network) as a plain array [rows * maxActions]. */
  act(input: Float32Array, mask: Float32Array, rows: number, rng: Rng): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor2d(input, [rows, this.inputDim]);
      const m = tf.tensor2d(mask, [rows, this.maxActions]);
      const p = this.agent.params;
      p.bind(p.cachedViews());
      let logits: Tensor;
      try {
        logits = this.agent.logits(x, this.noise(rows, rng));
      } finally {
        p.unbind();
      }
      return maskedLogits(logits, m).dataSync() as Float32Array;
    });
  }

  /** Per-agent values [B*I] -> [B, I]: chosen entries (online) or maxima (target). */
  #agentValues(logits: Tensor, mask: Tensor, chosen: Tensor | null): Tensor {
    const masked = maskedLogits(logits, mask);
    const v = this.cfg.qHead === "softmax" ? tf.softmax(masked) : masked;
    const picked = chosen ? tf.sum(tf.mul(v, chosen), 1) : tf.max(v, 1);
    return tf.reshape(picked, [-1, this.cfg.agents]);
  }

  /** Draws `batch` transitions of `buffer` with `rng` into plain arrays. */
  sampleBatch(buffer: ReplayBuffer, batch: number, rng: Rng): Batch {
    const { agents: I, stateDim: D, nodes: J } = this.cfg;
    const rows = batch * I;
    const idx = buffer.sampleIndices(batch, rng);
    const b: Batch = {
      size: batch,
      state: new Float32Array(rows * D),
      nextState: new Float32Array(rows * D),
      feasible: new Uint8Array(rows * J),
      nextFeasible: new Uint8Array(rows * J),
      types: new Int32Array(rows),
      actions: new Int32Array(rows),
      reward: new Float32Array(batch),
      notDone: new Float32Array(batch),
    };
    for (let k = 0; k < batch; k++) {
      const t = buffer.get(idx[k]);
      b.state.set(t.state, k * I * D);
      b.nextState.set(t.nextState, k * I * D);
      b.feasible.set(t.feasible, k * I * J);
      b.nextFeasible.set(t.nextFeasible, k * I * J);
      b.types.set(t.types, k * I);
      b.actions.set(t.actions, k * I);
      b.reward[k] = t.reward;
      b.notDone[k] = t.terminal ? 0 : 1;
    }
    return b;
  }

  /**
   * Loss (60) with target (61) on `b` and its gradients, one per
   * `trainable()` variable (the caller disposes them). The squared errors
   * are summed and divided by `totalBatch`: the batch's own size gives the
   * mean of (60); a half batch of a two-thread update passes the whole
   * batch's size, so the two halves' losses and gradients add up to the
   * whole batch's.
   */
  gradients(
    b: Batch,
    noiseOnline: Tensor[],
    noiseTarget: Tensor[],
    totalBatch = b.size,
  ): { loss: number; grads: Tensor[] } {
    const { agents: I, stateDim: D } = this.cfg;
    const batch = b.size;
    const rows = batch * I;
    const A = this.maxActions;
    const chosen = new Float32Array(rows * A);
    for (let r = 0; r < rows; r++) chosen[r * A + b.actions[r]] = 1;
    const y = tf.tidy(() => {
      const x = tf.tensor2d(this.inputs(b.nextState, b.types, rows), [rows, this.inputDim]);
      const m = tf.tensor2d(this.masks(b.nextFeasible, b.types, rows), [rows, A]);
      const tot = withViews([this.targetAgent.params, this.targetMixer.params], () => {
        const q = this.#agentValues(this.targetAgent.logits(x, noiseTarget), m, null);
        return this.targetMixer.mix(q, tf.tensor2d(b.nextState, [batch, I * D]));
      });
      // MODEL.md eq. (61) with A16's terminal mask
      const boot = tf.mul(
        tf.reshape(tot, [batch]),
        tf.mul(tf.tensor1d(b.notDone), this.cfg.discount),
      );
      return tf.add(tf.tensor1d(b.reward), boot);
    });
    const x = tf.tensor2d(this.inputs(b.state, b.types, rows), [rows, this.inputDim]);
    const m = tf.tensor2d(this.masks(b.feasible, b.types, rows), [rows, A]);
    const a = tf.tensor2d(chosen, [rows, A]);
    const s = tf.tensor2d(b.state, [batch, I * D]);
    const sets = [this.agent.params, this.mixer.params];
    // Differentiate against slices of the flat parameter vectors (a slice's
    // own gradient would scatter into a full-size zero vector per weight).
    const views = sets.map((p) => p.views());
    const counts = views.map((v) => v.length);
    const { value, grads } = tf.valueAndGrads((...ws: Tensor[]) => {
      sets[0].bind(ws.slice(0, counts[0]));
      sets[1].bind(ws.slice(counts[0]));
      try {
        const q = this.#agentValues(this.agent.logits(x, noiseOnline), m, a);
        const tot = tf.reshape(this.mixer.mix(q, s), [batch]);
        // MODEL.md eq. (60)
        return tf.div(tf.sum(tf.mul(tf.square(tf.sub(y, tot)), 0.5)), totalBatch);
      } finally {
        for (const p of sets) p.unbind();
      }
    })(views.flat());
    const loss = value.dataSync()[0];
    const flatGrads = tf.tidy(() => [
      tf.concat(grads.slice(0, counts[0]).map((g) => tf.reshape(g, [-1]))),
      tf.concat(grads.slice(counts[0]).map((g) => tf.reshape(g, [-1]))),
    ]);
    tf.dispose([value, y, x, m, a, s, views, grads]);
    return { loss, grads: flatGrads };
  }

  /**
   * Clip to a global norm, Adam step, then the soft target updates
   * (62)-(63). `extra` (the other half batch's gradients in a two-thread
   * update) is added to `grads` first. On the wasm backend this is one fused
   * kernel (`fast_optim.ts`) with the same float32 operations per value.
   */
  applyGradients(grads: Tensor[], extra?: Tensor[]): void {
    const sets = [this.agent.params, this.mixer.params];
    const targets = [this.targetAgent.params, this.targetMixer.params];
    const opt = this.optimizer;
    if (hasFastOptim()) {
      opt.applyFused(grads, extra, { targets, clip: this.cfg.gradClip, tau: this.cfg.tau });
    } else {
      const clipped = tf.tidy(() =>
        this.#clip(extra ? grads.map((g, k) => tf.add(g, extra[k])) : grads)
      );
      opt.apply(clipped);
      tf.dispose(clipped);
      targets.forEach((t, k) => t.softUpdate(sets[k], this.cfg.tau));
    }
    this.updates++;
  }

  /**
   * One TD update (60)-(61) on `batch` transitions of `buffer` drawn with
   * `rng`, then the soft target updates (62)-(63). Returns the loss.
   */
  update(buffer: ReplayBuffer, batch: number, rng: Rng): { loss: number } {
    if (this.parallel) return this.parallel.update(this, buffer, batch, rng);
    const b = this.sampleBatch(buffer, batch, rng);
    const rows = batch * this.cfg.agents;
    const noiseOnline = this.noise(rows, rng, this.agent);
    const noiseTarget = this.noise(rows, rng, this.targetAgent);
    const { loss, grads } = this.gradients(b, noiseOnline, noiseTarget);
    this.applyGradients(grads);
    tf.dispose([grads, noiseOnline, noiseTarget]);
    return { loss };
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

  /** Scales gradients to a global norm of at most `gradClip` (pymarl's clip). */
  #clip(grads: Tensor[]): Tensor[] {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.div(this.cfg.gradClip, tf.maximum(norm, this.cfg.gradClip));
    return grads.map((g) => tf.mul(g, scale));
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
