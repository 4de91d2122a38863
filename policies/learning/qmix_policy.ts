/**
 * A QMIX policy instance on the engine's contract (P-QMIX or MAD2RL):
 * masked decisions for all agents in one forward pass, epsilon-greedy
 * exploration, transitions into the replay buffer, one TD update per slot,
 * and checkpoints (weights in tfjs format, optimiser moments, replay
 * buffer, RNG states and counters).
 *
 * Exploration (MODEL.md section 3, A14): uniformly random feasible actions
 * until the buffer holds one batch, then epsilon-greedy per agent with
 * epsilon falling linearly from `epsStart` to `epsEnd` over `epsSteps`
 * slots. Evaluation (`training: false`) is greedy; MAD2RL's reverse-chain
 * noise comes from the episode's policy stream, so it is deterministic.
 *
 * @module
 */
import { UserError } from "../../engine/errors.ts";
import { Rng } from "../../engine/rng.ts";
import type {
  EpisodeContext,
  Observation,
  Outcome,
  PolicyInstance,
  ScenarioInfo,
} from "../contract.ts";
import { Learner, type LearnerConfig } from "./learner.ts";
import { TwoThreadUpdate } from "./parallel.ts";
import { loadCheckpoint, saveModel, saveTraining } from "./qmix_checkpoint.ts";
import { ReplayBuffer } from "./replay.ts";

export { resolveCheckpoint } from "./qmix_checkpoint.ts";

/** Settings of the instance beyond the learner's. */
export interface QmixRunOptions {
  batch: number;
  buffer: number;
  epsStart: number;
  epsEnd: number;
  epsSteps: number;
  updateEvery: number;
  queueScaleGflop: number;
  rewardScale: number;
  /** 1: updates on this thread; 2: split over a worker thread (see parallel.ts). */
  threads: number;
}

interface Pending {
  state: Float32Array;
  feasible: Uint8Array;
  types: Int32Array;
  actions: Int32Array;
  reward: number;
}

/** The live QMIX policy. */
export class QmixPolicy implements PolicyInstance {
  readonly policyId: string;
  readonly info: ScenarioInfo;
  readonly learner: Learner;
  readonly opts: QmixRunOptions;
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
  #pending: Pending | undefined;
  #slotInEpisode = 0;
  readonly #stateDim: number;
  readonly #localBuf: Float64Array;

  constructor(policyId: string, info: ScenarioInfo, cfg: LearnerConfig, opts: QmixRunOptions) {
    this.policyId = policyId;
    this.info = info;
    this.opts = opts;
    this.learner = new Learner(cfg, info.seed);
    this.#stateDim = cfg.stateDim;
    this.#localBuf = new Float64Array(cfg.stateDim);
    this.buffer = new ReplayBuffer(opts.buffer, {
      agents: cfg.agents,
      nodes: cfg.nodes,
      stateDim: cfg.stateDim,
    });
    this.trainRng = Rng.stream(info.seed, "policy-train");
  }

  /** The current exploration rate. */
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
    this.#pending = undefined;
    this.#slotInEpisode = 0;
    if (ctx.training) this.ready = true;
  }

  /** Normalised local states (A13), node feasibility and types of all agents. */
  #encode(obs: Observation): { state: Float32Array; feasible: Uint8Array; types: Int32Array } {
    const I = obs.cvCount;
    const J = obs.nodeCount;
    const D = this.#stateDim;
    const S = J - 1;
    const state = new Float32Array(I * D);
    const feasible = new Uint8Array(I * J);
    const types = new Int32Array(I);
    const span = this.info.roadToM - this.info.roadFromM || 1;
    const q = this.opts.queueScaleGflop;
    for (let i = 0; i < I; i++) {
      const s = obs.localState(i, this.#localBuf);
      for (let k = 0; k < D; k++) {
        const isPos = k >= 2 + S;
        state[i * D + k] = isPos ? (2 * (s[k] - this.info.roadFromM)) / span - 1 : s[k] / q;
      }
      feasible[i * J] = 1;
      for (const n of obs.neighbours(i)) feasible[i * J + n] = 1;
      types[i] = obs.state.cvType[i];
    }
    return { state, feasible, types };
  }

  decide(obs: Observation): { partition: Int32Array; target: Int32Array } {
    const I = obs.cvCount;
    const J = obs.nodeCount;
    const L = this.learner;
    const enc = this.#encode(obs);
    if (this.#training && this.#pending) this.#store(enc.state, enc.feasible, false);
    const actions = new Int32Array(I);
    const explore = new Uint8Array(I);
    const eps = this.#training ? this.epsilon : 0;
    let anyGreedy = false;
    for (let i = 0; i < I; i++) {
      explore[i] = eps >= 1 || (eps > 0 && this.#rng.next() < eps) ? 1 : 0;
      if (!explore[i]) anyGreedy = true;
    }
    const masks = L.masks(enc.feasible, enc.types, I);
    const A = L.maxActions;
    const logits = anyGreedy
      ? L.act(L.inputs(enc.state, enc.types, I), masks, I, this.#rng)
      : undefined;
    for (let i = 0; i < I; i++) {
      if (explore[i] || !logits) {
        // A uniformly random feasible action.
        let count = 0;
        for (let a = 0; a < A; a++) count += masks[i * A + a];
        let pick = this.#rng.int(count);
        for (let a = 0; a < A; a++) {
          if (masks[i * A + a] && pick-- === 0) {
            actions[i] = a;
            break;
          }
        }
      } else {
        // MODEL.md eq. (56): argmax over the feasible entries
        let best = -1;
        for (let a = 0; a < A; a++) {
          if (masks[i * A + a] && (best < 0 || logits[i * A + a] > logits[i * A + best])) best = a;
        }
        actions[i] = best;
      }
    }
    if (this.#training) {
      this.#pending = { ...enc, actions, reward: 0 };
      this.trainSlots++;
      if (this.buffer.size >= this.opts.batch) this.epsilonSteps++;
    }
    this.#slotInEpisode++;
    // A10: phi = floor(a / J) + 1, node = a mod J
    const partition = Int32Array.from(actions, (a) => Math.floor(a / J) + 1);
    const target = Int32Array.from(actions, (a) => a % J);
    return { partition, target };
  }

  #store(nextState: Float32Array, nextFeasible: Uint8Array, terminal: boolean): void {
    const p = this.#pending!;
    this.buffer.push({ ...p, nextState, nextFeasible, terminal });
    this.#pending = undefined;
  }

  observe(outcome: Outcome): void {
    if (!this.#training || !this.#pending) return;
    this.#pending.reward = outcome.reward * this.opts.rewardScale;
    // A16: no bootstrap after the last slot; S' is unused, store S.
    if (outcome.terminal) this.#store(this.#pending.state, this.#pending.feasible, true);
  }

  update(): Record<string, number> | undefined {
    const o = this.opts;
    if (!this.#training || this.buffer.size < o.batch) return undefined;
    if (this.#slotInEpisode % o.updateEvery !== 0) return undefined;
    if (o.threads > 1 && !this.learner.parallel) {
      this.learner.parallel = new TwoThreadUpdate(this.learner, this.info.seed, o.batch);
    }
    const { loss } = this.learner.update(this.buffer, o.batch, this.trainRng);
    return { loss, epsilon: this.epsilon };
  }

  /** Writes the online and target weights (tfjs format) into `dir`: what a run needs. */
  saveModel(dir: string, extra: Record<string, unknown> = {}): Promise<void> {
    return saveModel(this, dir, extra);
  }

  /** Writes the full training state into `dir` (every file atomically). */
  save(dir: string): Promise<void> {
    return saveTraining(this, dir);
  }

  /**
   * Loads weights from `dir`, and the training state when it is there. A
   * training directory (with `latest.json`) resolves to its `best/` weights,
   * else to its latest checkpoint.
   */
  async load(dir: string): Promise<void> {
    await loadCheckpoint(this, dir);
    this.ready = true;
    this.learner.parallel?.markDirty();
  }

  dispose(): void {
    this.learner.dispose();
  }
}
