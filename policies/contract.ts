/**
 * The policy contract. Built-in policies and user plugins are plain objects
 * made by {@linkcode definePolicy} and pass the same conformance suite.
 *
 * @example A policy that runs everything on board
 * ```ts
 * import { definePolicy } from "./contract.ts";
 *
 * export default definePolicy({
 *   id: "all-local",
 *   description: "Every client runs its whole DNN on board.",
 *   defaults: {},
 *   create: () => ({
 *     decide(obs) {
 *       const partition = new Int32Array(obs.cvCount);
 *       for (let i = 0; i < obs.cvCount; i++) partition[i] = obs.table(i).L + 1;
 *       return { partition, target: new Int32Array(obs.cvCount) };
 *     },
 *   }),
 * });
 * ```
 *
 * @module
 */
import type { DnnTable } from "../engine/dnn/layers.ts";
import type { Decision } from "../engine/model/slot.ts";
import type { Rng } from "../engine/rng.ts";
import type { Observation } from "../engine/sim/observation.ts";

export type { Decision, Observation };

/** A parameter value: what YAML can carry. */
export type ParamValue = number | string | boolean | ParamValue[] | { [key: string]: ParamValue };
/** A policy's parameters. */
export type Params = Record<string, ParamValue>;

/** Static facts of the compiled scenario a policy is created for. */
export interface ScenarioInfo {
  name: string;
  seed: number;
  /** Number of client vehicles I, of SVs, and of edge nodes J = SVs + 1. */
  cvCount: number;
  svCount: number;
  nodeCount: number;
  /** DNN type tables (K of them). */
  tables: readonly DnnTable[];
  slotsPerEpisode: number;
  tauS: number;
  /** Lyapunov weight V. */
  V: number;
  v2vRangeM: number;
  /** Road extent (m) along the scalar coordinate po of eq. (54), for normalising states. */
  roadFromM: number;
  roadToM: number;
  /** Directory of the scenario file: relative paths in params resolve against it. */
  baseDir: string;
}

/** Passed to `create`. */
export interface PolicyContext {
  info: ScenarioInfo;
  /** The label of this policy in results (its id unless the scenario renames it). */
  label: string;
  /** A checkpoint directory named by the scenario or `--checkpoint`, if any. */
  checkpoint?: string;
}

/** Passed to `reset` at the start of each episode. */
export interface EpisodeContext {
  /** 1-based episode number. */
  episode: number;
  /** The policy's own random stream for this episode (seeded from the scenario). */
  rng: Rng;
  /** True while training (exploration allowed); false when evaluating. */
  training: boolean;
}

/** What the engine reports after applying a slot's decision. */
export interface Outcome {
  /** Reward (58): the negative of the per-slot objective (34). */
  reward: number;
  objective: number;
  /** Per-CV task completion time d_i(t) (s), eq. (19). */
  delayS: Float64Array;
  /** True after the last slot of the episode (A16). */
  terminal: boolean;
}

/** Figures a learning update reports (e.g. `{ loss: 0.12 }`). */
export type UpdateStats = Record<string, number>;

/** A live policy. Only `decide` is required. */
export interface PolicyInstance {
  reset?(ctx: EpisodeContext): void;
  /** One decision per CV: partition phi in 1..L_k+1 and node (0 = RSU, s = SV s). */
  decide(obs: Observation): Decision;
  /** Called after each slot with its outcome. */
  observe?(outcome: Outcome): void;
  /** One learning step (training only); returns figures to log. */
  update?(): UpdateStats | undefined;
  save?(dir: string): Promise<void>;
  load?(dir: string): Promise<void>;
  dispose?(): void;
}

/** A policy definition: what the registry and plugins hold. */
export interface PolicyDefinition<P extends Params = Params> {
  /** Registry id: lower-case letters, digits and '-'. */
  id: string;
  description: string;
  /** Typed defaults: every parameter, with the value used when a scenario omits it. */
  defaults: P;
  /** Range checks: a message per bad parameter, keyed by its name (undefined = fine). */
  check?(params: P): Record<string, string | undefined>;
  /** True if the policy needs a trained checkpoint to be evaluated. */
  learning?: boolean;
  create(params: P, ctx: PolicyContext): PolicyInstance | Promise<PolicyInstance>;
}

/** Declares a policy; the identity function, there for types and for discoverability. */
export function definePolicy<P extends Params>(def: PolicyDefinition<P>): PolicyDefinition<P> {
  return def;
}
