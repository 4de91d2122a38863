/**
 * The policy contract. Built-in policies and user plugins are plain objects
 * made by {@linkcode definePolicy} and pass the same conformance suite.
 *
 * @example A policy that runs everything on board
 * ```ts
 * import { definePolicy } from "./policy.ts";
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
import type { Decision } from "../model/slot.ts";
import type { ExpertData } from "./dataset.ts";
import type { Rng } from "../rng.ts";
import type { ScenarioInfo } from "../world.ts";
import type { StepResult } from "./env.ts";
import type { Observation } from "./observation.ts";

export type { Decision, Observation, ScenarioInfo, StepResult };

/** A parameter value: what YAML can carry. */
export type ParamValue = number | string | boolean | ParamValue[] | { [key: string]: ParamValue };
/** A policy's parameters. */
export type Params = Record<string, ParamValue>;

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

/** Figures a learning update reports (e.g. `{ loss: 0.12 }`). */
export type UpdateStats = Record<string, number>;

/** Options of {@linkcode PolicyInstance.save}. */
export interface SaveOptions {
  /** Write only what evaluation needs (the weights), not the training state. */
  weightsOnly?: boolean;
  /** Extra facts to record with the weights (e.g. the evaluation that chose them). */
  meta?: Record<string, unknown>;
}

/**
 * A live policy. Only `decide` is required. The engine calls it along one
 * episode as: `reset`, then per slot `decide` -> (the environment steps) ->
 * `observe` -> `update` (training only).
 */
export interface PolicyInstance {
  reset?(ctx: EpisodeContext): void;
  /** One decision per CV: partition phi in 1..L_k+1 and node (0 = RSU, s = SV s). */
  decide(obs: Observation): Decision;
  /** Called after each slot with the environment's step result (reward, delays, next observation). */
  observe?(step: StepResult): void;
  /** One learning step (training only); returns figures to log (e.g. `{ loss }`). */
  update?(): UpdateStats | undefined;
  /** Figures of the learner's state, logged once per training episode (e.g. `{ epsilon }`). */
  stats?(): UpdateStats;
  /** Writes the policy's state into `dir`, every file atomically. */
  save?(dir: string, options?: SaveOptions): Promise<void>;
  /** Restores what `save` wrote. */
  load?(dir: string): Promise<void>;
  /**
   * Pre-training on an expert dataset before the first training episode
   * (`train --pretrain DIR`; the dataset matches the scenario). Returns
   * figures to log (e.g. `{ accuracy }`); `onProgress` receives a phase,
   * the step, the steps of the phase and a loss.
   */
  pretrain?(
    data: ExpertData,
    onProgress?: (phase: string, step: number, steps: number, loss: number) => void,
  ): UpdateStats;
  /** Frees everything the instance holds (tensors, workers). */
  dispose?(): void;
}

/** A policy definition: what the registry and plugins hold. */
export interface PolicyDefinition<P extends Params = Params> {
  /** Registry id: lower-case letters, digits and '-'. */
  id: string;
  description: string;
  /** Typed defaults: every parameter, with the value used when a scenario omits it. */
  defaults: P;
  /**
   * Named sets of parameter values (e.g. `paper`, `converged`), chosen with
   * the parameter `preset`: a scenario's own params apply over the preset's,
   * and the preset's over the defaults. With presets, `defaults.preset`
   * names the default one.
   */
  presets?: Record<string, Partial<P>>;
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

/** Range helper for `check`: returns a message when `v` is outside [lo, hi]. */
export function outside(v: number, lo: number, hi: number, integer = false): string | undefined {
  if (integer && !Number.isInteger(v)) return `must be a whole number, got ${v}`;
  if (!(v >= lo && v <= hi)) return `must be in [${lo}, ${hi}], got ${v}`;
  return undefined;
}
